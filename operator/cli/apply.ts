import type { Command } from 'commander';

// Placeholder until the apply command lands; see the open issues.
export function register(_program: Command): void {}

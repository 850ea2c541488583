import type { Command } from 'commander';

// Placeholder until the drift command lands; see the open issues.
export function register(_program: Command): void {}

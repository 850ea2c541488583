import type { Command } from 'commander';

// Placeholder until the plan command lands; see the open issues.
export function register(_program: Command): void {}

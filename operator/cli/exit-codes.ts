/**
 * Exit codes, one home. Every command's --help ends with its exit codes: a command says
 * its own with withExitCodes(cmd, ...); the others get the common ones (main.ts).
 * Under --detailed-exitcode (plan, drift) 2 means "changes pending", so there an error of any
 * kind, bad usage included, exits 1, as terraform does: a typo never passes as "changes".
 */
import type { Command } from 'commander';

export const EXIT = { ok: 0, error: 1, usage: 2 } as const;

/** The lines every command shares. */
export const COMMON_EXIT_CODES: readonly string[] = ['0  done', '1  error (one line on stderr; stack with --debug)', '2  usage error (unknown option, bad value)'];

const marked = new WeakSet<Command>();

function helpText(lines: readonly string[]): string {
  return `\nExit codes:\n${lines.map((l) => `  ${l}`).join('\n')}\n`;
}

/** Adds "Exit codes:" to the command's --help. */
export function withExitCodes(cmd: Command, lines: readonly string[]): Command {
  marked.add(cmd);
  return cmd.addHelpText('after', helpText(lines));
}

/** Gives every command (and sub-command) without its own exit codes the common ones. */
export function addDefaultExitCodes(cmd: Command): void {
  for (const sub of cmd.commands) {
    if (!marked.has(sub)) withExitCodes(sub, COMMON_EXIT_CODES);
    addDefaultExitCodes(sub);
  }
}

/** The codes of plan and drift: terraform's -detailed-exitcode. */
export function detailedExitCodes(pending: string): string[] {
  return [
    '0  done (with --detailed-exitcode: no changes)',
    '1  error: a server could not be read, a host key did not match, or anything else failed',
    `2  usage error; with --detailed-exitcode: ${pending} (then usage errors exit 1)`,
  ];
}

/** The code a failure ends with: under --detailed-exitcode, never 2 (reserved for "changes pending"). */
export function failureExitCode(code: number, argv: readonly string[]): number {
  return code === EXIT.usage && argv.includes('--detailed-exitcode') ? EXIT.error : code;
}

/**
 * Exit codes, one home. Every command's --help ends with its exit codes: those listed in
 * EXIT_CODES by command path, else the common ones (addExitCodes, called by main.ts once the
 * commands are registered).
 * Under --detailed-exitcode (plan, drift) 2 means "changes pending", so there an error of any
 * kind, bad usage included, exits 1, as terraform does: a typo never passes as "changes".
 */
import type { Command } from 'commander';

export const EXIT = { ok: 0, error: 1, usage: 2 } as const;

/** The lines every command shares. */
export const COMMON_EXIT_CODES: readonly string[] = ['0  done', '1  error (one line on stderr; stack with --debug)', '2  usage error (unknown option, bad value)'];

/** plan and drift: terraform's -detailed-exitcode. */
function detailed(pending: string): string[] {
  return [
    '0  done (with --detailed-exitcode: no changes)',
    '1  error: a server could not be read, a host key did not match, or anything else failed',
    `2  usage error; with --detailed-exitcode: ${pending} (then usage errors exit 1)`,
  ];
}

/** Commands whose exit codes say more than the common ones, by command path ("sandbox up"). */
export const EXIT_CODES: Readonly<Record<string, readonly string[]>> = {
  validate: ['0  valid (warnings allowed)', '1  invalid, or the repo could not be read', '2  usage error'],
  plan: detailed('changes pending'),
  drift: detailed('drift found'),
  apply: [
    '0  every instance applied, unchanged or waiting for its window',
    '1  a server could not be worked on (unreachable, locked, host key mismatch), an instance failed,',
    '   was rolled back or is blocked, or another error',
    '2  usage error',
  ],
};

function helpText(lines: readonly string[]): string {
  return `\nExit codes:\n${lines.map((l) => `  ${l}`).join('\n')}\n`;
}

/** Adds "Exit codes:" to the --help of the program and of every command and sub-command. */
export function addExitCodes(cmd: Command, path: string[] = []): void {
  cmd.addHelpText('after', helpText(EXIT_CODES[path.join(' ')] ?? COMMON_EXIT_CODES));
  for (const sub of cmd.commands) addExitCodes(sub, [...path, sub.name()]);
}

/** The code a failure ends with: under --detailed-exitcode, never 2 (reserved for "changes pending"). */
export function failureExitCode(code: number, argv: readonly string[]): number {
  return code === EXIT.usage && argv.includes('--detailed-exitcode') ? EXIT.error : code;
}

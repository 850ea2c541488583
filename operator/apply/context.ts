/**
 * What every executor gets, and the one way executors run remote commands: a non-zero exit
 * becomes an ActionFailure carrying the command and its trimmed stderr.
 */
import { readFileSync } from 'node:fs';
import type { ClientSpec, InstanceSpec } from '../desired/types.ts';
import type { ExecOptions, ExecResult, HostSession } from '../live/ssh.ts';
import type { LiveInstance } from '../live/types.ts';

const HOST_EDIT_PY = readFileSync(new URL('./host-edit.py', import.meta.url), 'utf8');

/** Where the pre-change backup of an instance lives on the server. */
export interface BackupRef {
  dir: string;
}

export interface ExecContext {
  session: HostSession;
  client: ClientSpec;
  instance: InstanceSpec;
  /** What the probe read before this run (for rollback decisions). */
  live: LiveInstance | null;
  revision: string;
  runId: string;
  now: () => Date;
  /** Set by the backup executor; rollback needs it. */
  backup: BackupRef | null;
  /** Seconds the health check keeps trying before giving up. */
  healthTimeoutMs: number;
  /** Modules upgraded in this run: the read-back checks they are at the manifest version. */
  upgraded: Set<string>;
  note(line: string): void;
}

export class ActionFailure extends Error {
  constructor(message: string, readonly command?: string, readonly output?: string) {
    super(message);
    this.name = 'ActionFailure';
  }
}

/** Last lines of a command's output, enough to see why it failed. */
export function trimOutput(text: string, maxLines = 15, maxChars = 2000): string {
  const lines = text.trim().split('\n');
  let out = lines.slice(-maxLines).join('\n');
  if (out.length > maxChars) out = `...${out.slice(-maxChars)}`;
  return out;
}

/** A one-line name for a command in messages; the full text stays in ActionResult.command. */
export function commandLabel(argv: readonly string[]): string {
  // Constant scripts are long: name them by their arguments.
  if ((argv[0] === 'sh' || argv[0] === 'bash') && argv[1] === '-c') return `${argv[0]} -c <script> ${argv.slice(4).join(' ')}`;
  if (argv[0] === 'python3' && argv[1] === '-') return `python3 - ${argv.slice(2).join(' ')}`.slice(0, 300);
  return argv.join(' ');
}

/** Run a remote command; a non-zero exit throws ActionFailure(command, stderr). */
export async function run(ctx: Pick<ExecContext, 'session'>, argv: readonly string[], opts?: ExecOptions & { label?: string }): Promise<ExecResult> {
  const res = await ctx.session.exec(argv, opts);
  if (res.code !== 0) {
    const output = trimOutput(res.stderr || res.stdout);
    const last = output.split('\n').pop() ?? '';
    throw new ActionFailure(`${opts?.label ?? commandLabel(argv)}: exit ${res.code}${last ? `: ${last}` : ''}`, res.command, output);
  }
  return res;
}

/** Atomic file edits on the server through host-edit.py (argv values, constant program). */
export function hostEdit(ctx: Pick<ExecContext, 'session'>, args: string[]): Promise<ExecResult> {
  return run(ctx, ['python3', '-', ...args], { stdin: HOST_EDIT_PY, timeoutMs: 30_000 });
}

/**
 * What every executor gets, and the one way executors run remote commands: under the server
 * lock's fence, a non-zero exit becoming an ActionFailure that carries the command and its
 * trimmed output.
 */
import type { ClientSpec, InstanceSpec } from '../desired/types.ts';
import type { HostCommand } from '../host/command.ts';
import { guarded, hostEdit as hostEditCommand, type HostEdit } from '../host/commands.ts';
import type { ExecFailure, ExecResult, HostSession } from '../live/ssh.ts';
import type { LiveInstance } from '../live/types.ts';
import type { ResolvedSecrets } from '../reconcile/secrets.ts';
import { failureReason, keptOutput } from './odoo-output.ts';

/** The pre-change snapshot of an instance on the server. */
export interface SnapshotRef {
  dir: string;
  /** The database and filestore are in it (the run may restore them). */
  withDatabase: boolean;
  /** False when the database did not exist before the run (db.absent). */
  dumped: boolean;
}

/**
 * What a run has (possibly) changed on an instance, recorded before each step starts so a
 * step that fails half-way still counts. The rollback restores exactly these.
 */
export type Touched = 'odoo-stopped' | 'env' | 'conf' | 'addons' | 'container' | 'database';

export interface ExecContext {
  session: HostSession;
  client: ClientSpec;
  instance: InstanceSpec;
  /** What the probe read before this run (for rollback decisions). */
  live: LiveInstance | null;
  revision: string;
  runId: string;
  now: () => Date;
  /** Set by the snapshot executor; rollback needs it. */
  snapshot: SnapshotRef | null;
  touched: Set<Touched>;
  /** How long the health check keeps trying before giving up. */
  healthTimeoutMs: number;
  /** Modules upgraded in this run: the read-back checks they are at the manifest version. */
  upgraded: Set<string>;
  secrets: ResolvedSecrets;
  note(line: string): void;
  /** The odoo log mark (odooLogMark) taken just before `start` ran "up -d": the startup phase of the log is what came after it. */
  startedAt: string | null;
  /** Odoo served the changed instance to users (started after the change): a rollback keeps what it left. */
  served: boolean;
  /** When odoo first answered healthy after this run's change (operator clock), for the downtime. */
  healthyAt: Date | null;
  /** The modules' files checksums the health check's read-back found on disk (recorded by record-revision). */
  checksumsAfter?: Record<string, string>;
  /** The health check's read-back of the instance: what the record step stores as applied (a provisioned instance had no live state before). */
  liveAfter?: LiveInstance;
}

export class ActionFailure extends Error {
  constructor(
    message: string,
    readonly command?: string,
    readonly output?: string,
    /** Set when the command ended without its own exit code (timeout, output limit, lost link). */
    readonly failure?: ExecFailure,
  ) {
    super(message);
    this.name = 'ActionFailure';
  }
}

/** What a report keeps of a command's output: its ERROR/CRITICAL and exception lines, then its last lines. */
export function trimOutput(text: string, maxLines = 15, maxChars = 4000): string {
  return keptOutput(text, maxLines, maxChars);
}

/** A failed command: the reason is its last ERROR/CRITICAL or exception line (Odoo's last line is "Stopping gracefully"). */
export function failureOf(res: ExecResult): ActionFailure {
  const all = res.stderr || res.stdout;
  const reason = failureReason(all);
  return new ActionFailure(`${res.label}: exit ${res.code}${reason ? `: ${reason}` : ''}`, res.command, trimOutput(all), res.failure);
}

/** Runs a command of this run under the lock's fence; a non-zero exit throws ActionFailure. */
export async function run(ctx: Pick<ExecContext, 'session' | 'runId'>, command: HostCommand): Promise<ExecResult> {
  const res = await ctx.session.exec(guarded(command, ctx.runId));
  if (res.code !== 0) throw failureOf(res);
  return res;
}

/** Atomic file edits on the server through host-edit.py (request on stdin, constant program). */
export function hostEdit(ctx: Pick<ExecContext, 'session' | 'runId'>, edit: HostEdit): Promise<ExecResult> {
  return run(ctx, hostEditCommand(edit));
}

/** Protocol lines a host script printed ("STOPPED", "ASIDE name", ...), by keyword. */
export function protocolLines(stdout: string): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const line of stdout.split('\n')) {
    const m = /^([A-Z][A-Z-]*)(?: (.*))?$/.exec(line);
    if (m) out.set(m[1]!, [...(out.get(m[1]!) ?? []), m[2] ?? '']);
  }
  return out;
}

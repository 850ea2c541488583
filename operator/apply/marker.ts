/**
 * "Needs manual restore": what a failed rollback (or a dead run that was changing a database)
 * leaves on the server, /var/lib/odoops/blocked/<instance>.json. The probe reads it; plan,
 * apply and drift show the instance blocked with the snapshot's path until a person has
 * restored it and runs `odoops resolve CLIENT INSTANCE`. The snapshot it names is pinned:
 * retention never removes it while the marker is there.
 */
import { guarded, hostEdit } from '../host/commands.ts';
import type { HostSession } from '../live/ssh.ts';
import type { RestoreMarker } from '../live/types.ts';
import type { Reason } from '../plan/types.ts';
import { redact } from '../secrets/index.ts';
import { errorMessage } from '../util/errors.ts';
import { failureOf, type ExecContext } from './context.ts';
import { journalFor } from './journal.ts';
import { newRunId, tryLock } from './lock.ts';

export async function writeMarker(
  ctx: Pick<ExecContext, 'session' | 'runId' | 'instance' | 'now' | 'secrets'>,
  m: { reason: string; snapshot: string | null; asideDatabase?: string | null },
): Promise<boolean> {
  const marker: RestoreMarker = {
    code: 'needs-manual-restore',
    reason: redact(m.reason, ctx.secrets.values),
    snapshot: m.snapshot,
    asideDatabase: m.asideDatabase ?? null,
    runId: ctx.runId,
    at: ctx.now().toISOString(),
  };
  try {
    const res = await ctx.session.exec(guarded(hostEdit({ op: 'write-marker', instance: ctx.instance.name, marker }), ctx.runId));
    return res.code === 0;
  } catch {
    return false;
  }
}

export type ResolveResult =
  | { cleared: true; marker: RestoreMarker | null }
  | { cleared: false; reason: Reason };

/** Clears an instance's marker, under the server lock (a person has restored it by hand). */
export async function resolveMarker(session: HostSession, client: string, instance: string, opts: { runId?: string; now?: () => Date; lockWaitMs?: number } = {}): Promise<ResolveResult> {
  const runId = opts.runId ?? newRunId();
  const now = opts.now ?? (() => new Date());
  const lock = await tryLock(session, client, { runId, command: 'resolve', waitMs: opts.lockWaitMs ?? 0, now: now() });
  if (!lock.acquired) return { cleared: false, reason: lock.reason };
  try {
    const res = await session.exec(guarded(hostEdit({ op: 'clear-marker', instance }), runId));
    if (res.code !== 0) return { cleared: false, reason: { code: 'internal', message: failureOf(res).message } };
    const out = JSON.parse(res.stdout) as { cleared: boolean; marker: RestoreMarker | null };
    if (!out.cleared) return { cleared: false, reason: { code: 'internal', message: `${client}/${instance} has no needs-manual-restore marker` } };
    await journalFor(session, { runId, client, revision: '-', now, secrets: [] }).write({
      instance, step: 'resolve', outcome: 'ok', detail: `marker cleared${out.marker?.snapshot ? ` (snapshot ${out.marker.snapshot})` : ''}`,
    });
    return { cleared: true, marker: out.marker };
  } catch (err) {
    return { cleared: false, reason: { code: 'unreachable', message: errorMessage(err) } };
  } finally {
    await lock.release();
  }
}

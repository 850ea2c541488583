/**
 * "Needs manual restore": what a failed rollback (or a dead run that was changing a database)
 * leaves on the server, /var/lib/odoops/blocked/<instance>.json. The probe reads it; plan,
 * apply and drift show the instance blocked with the snapshot's path until a person has
 * restored it and runs `odoops resolve CLIENT INSTANCE`. The snapshot it names is pinned:
 * retention never removes it while the marker is there.
 */
import { guarded, hostEdit } from '../host/commands.ts';
import { provisionMarkerFile } from '../host/paths.ts';
import { CLEARABLE_PROVISION_STATUSES, provisionClear } from '../host/provision.ts';
import type { HostSession } from '../live/ssh.ts';
import type { RestoreMarker } from '../live/types.ts';
import type { Reason } from '../plan/types.ts';
import type { ProvisionMarker } from '../provision/types.ts';
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

/**
 * What `odoops resolve` found or did about a provisioning marker (operator/provision/types.ts):
 * `none` (no marker), `shown` (not confirmed: nothing changed), `cleared`, `not-clearable`
 * (in-progress: a run is at it, or the next apply continues where a dead one stopped),
 * `layout-present` (the layout files odoops wrote are there: without the marker the instance
 * would pass for provisioned, so they must go first), or the server could not be asked
 * (`failed`: locked, unreachable, the helper failed). `layout` names the layout files present.
 */
export type ProvisionResolveResult =
  | { kind: 'none'; path: string }
  | { kind: 'shown' | 'cleared' | 'not-clearable' | 'layout-present'; marker: ProvisionMarker; path: string; layout: string[] }
  | { kind: 'failed'; reason: Reason };

/**
 * Reads an instance's provisioning marker under the server lock and, when `confirm` is set
 * and its status is failed or refused and the instance's layout files are gone, clears it
 * (journalled, like the restore marker). The next apply then starts provisioning afresh and
 * checks again for data odoops did not create (refusing again while it is there).
 */
export async function resolveProvisionMarker(
  session: HostSession, client: string, instance: string,
  opts: { confirm: boolean; runId?: string; now?: () => Date; lockWaitMs?: number },
): Promise<ProvisionResolveResult> {
  const runId = opts.runId ?? newRunId();
  const now = opts.now ?? (() => new Date());
  const path = provisionMarkerFile(instance);
  const lock = await tryLock(session, client, { runId, command: 'resolve', waitMs: opts.lockWaitMs ?? 0, now: now() });
  if (!lock.acquired) return { kind: 'failed', reason: lock.reason };
  try {
    const res = await session.exec(guarded(provisionClear({ instance, confirm: opts.confirm }), runId));
    if (res.code !== 0) return { kind: 'failed', reason: { code: 'internal', message: failureOf(res).message } };
    const out = JSON.parse(res.stdout) as { marker: ProvisionMarker | null; cleared: boolean; layout: string[] };
    if (!out.marker) return { kind: 'none', path };
    const layout = out.layout;
    if (out.cleared) {
      await journalFor(session, { runId, client, revision: '-', now, secrets: [] }).write({
        instance, step: 'resolve', outcome: 'ok', detail: `provisioning marker cleared (${out.marker.status} at ${out.marker.step} in run ${out.marker.runId})`,
      });
      return { kind: 'cleared', marker: out.marker, path, layout };
    }
    const clearable = (CLEARABLE_PROVISION_STATUSES as readonly string[]).includes(out.marker.status);
    if (!clearable) return { kind: 'not-clearable', marker: out.marker, path, layout };
    return { kind: opts.confirm && layout.length ? 'layout-present' : 'shown', marker: out.marker, path, layout };
  } catch (err) {
    return { kind: 'failed', reason: { code: 'unreachable', message: errorMessage(err) } };
  } finally {
    await lock.release();
  }
}

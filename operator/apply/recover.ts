/**
 * After taking over the stale lock of a run that died (odoops killed, link lost): before
 * anything new is applied, deal with what that run left, from its journal lines. The server
 * has already stopped its commands (the lock script's drain). Per instance it had started on
 * without finishing:
 * - nothing changed yet (it died in its snapshot): start odoo again if the snapshot stopped it;
 * - files, addons or the container changed: finish its rollback from its snapshot;
 * - the database may have changed, or it died inside a rollback that restores the database:
 *   never restored automatically (writes may have happened since): the instance is marked as
 *   needing a manual restore, with the snapshot's path.
 * Whatever fails here marks the instance too. Everything is journaled and reported.
 */
import type { ClientSpec } from '../desired/types.ts';
import type { HostSession } from '../live/ssh.ts';
import type { ActionKind } from '../plan/types.ts';
import type { ResolvedSecrets } from '../reconcile/secrets.ts';
import { errorMessage } from '../util/errors.ts';
import type { ExecContext, Touched } from './context.ts';
import { TOUCHES } from './executors/index.ts';
import type { ApplyProgress } from './index.ts';
import { readRunJournal, type Journal, type JournalEntry } from './journal.ts';
import type { ServerLock } from './lock.ts';
import { writeMarker } from './marker.ts';
import { describeTouched, rollback } from './rollback.ts';
import type { TakeoverReport } from './types.ts';

interface DeadInstance {
  instance: string;
  touched: Set<Touched>;
  /** The dead run's snapshot of it, when that snapshot completed. */
  snapshot: string | null;
  snapshotWithDatabase: boolean;
  snapshotDumped: boolean;
  /** The last step it started. */
  lastStep: string;
  inRollback: boolean;
}

/** What the dead run had started and not finished, per instance, from its journal lines. */
export function unfinishedInstances(entries: JournalEntry[]): DeadInstance[] {
  const byInstance = new Map<string, JournalEntry[]>();
  for (const e of entries) if (e.instance !== '-') byInstance.set(e.instance, [...(byInstance.get(e.instance) ?? []), e]);
  const out: DeadInstance[] = [];
  for (const [instance, lines] of byInstance) {
    // It finished this one: an instance outcome, or a rollback that ended (a failed one left its marker).
    if (lines.some((l) => l.step === 'instance' || (l.step === 'rollback' && l.outcome !== 'start'))) continue;
    const d: DeadInstance = { instance, touched: new Set(), snapshot: null, snapshotWithDatabase: false, snapshotDumped: false, lastStep: lines.at(-1)?.step ?? '?', inRollback: false };
    for (const l of lines) {
      if (l.step === 'snapshot' && l.outcome === 'start' && l.database) {
        // Its snapshot may have stopped odoo before it died.
        d.touched.add('odoo-stopped');
        d.snapshotWithDatabase = true;
      }
      if (l.step === 'snapshot' && l.outcome === 'ok' && l.snapshot) {
        d.snapshot = l.snapshot;
        d.snapshotDumped = d.snapshotWithDatabase;
      }
      if (l.outcome === 'start' && l.step in TOUCHES) for (const t of TOUCHES[l.step as ActionKind]) d.touched.add(t);
      if (l.step === 'rollback') d.inRollback = l.outcome === 'start';
    }
    out.push(d);
  }
  return out;
}

export async function recoverDeadRun(
  session: HostSession,
  client: ClientSpec,
  lock: ServerLock,
  o: { runId: string; now: () => Date; secrets: ResolvedSecrets; journal: Journal; progress: (e: Omit<ApplyProgress, 'client'>) => Promise<void>; healthTimeoutMs: number },
): Promise<TakeoverReport> {
  const dead = lock.takenOver!;
  const report: TakeoverReport = { runId: dead.runId, host: dead.host, since: dead.since, stoppedCommands: lock.stoppedCommands, instances: [] };
  const msg = `took over a stale lock of run ${dead.runId} (host ${dead.host}, since ${dead.since}): that run died mid-way${lock.stoppedCommands ? `; ${lock.stoppedCommands} of its commands were still running and were stopped` : ''}`;
  await o.progress({ step: 'lock', status: 'info', message: msg });
  await o.journal.write({ instance: '-', step: 'lock', outcome: 'stale-taken-over', detail: msg });

  let entries: JournalEntry[] = [];
  try {
    entries = await readRunJournal(session, dead.runId);
  } catch (err) {
    await o.progress({ step: 'takeover', status: 'failed', message: `cannot read the journal of run ${dead.runId}: ${errorMessage(err)}` });
  }
  for (const d of unfinishedInstances(entries)) {
    const spec = client.instances.find((i) => i.name === d.instance);
    const found = `run ${dead.runId} died during ${d.lastStep} of ${d.instance}${d.touched.size ? ` (it may have changed: ${describeTouched(d.touched).join(', ')})` : ''}`;
    let done: string;
    let marked = false;
    if (!spec) {
      done = 'nothing done: the instance is no longer in the desired state';
    } else {
      const ctx: ExecContext = {
        session, client, instance: spec, live: null, revision: '-', runId: o.runId, now: o.now,
        snapshot: d.snapshot ? { dir: d.snapshot, withDatabase: d.snapshotWithDatabase, dumped: d.snapshotDumped } : null,
        touched: d.touched, healthTimeoutMs: o.healthTimeoutMs, upgraded: new Set(), secrets: o.secrets, note: () => undefined,
        startedAt: null, served: d.touched.has('container'), healthyAt: null,
      };
      if (d.touched.has('database') || (d.inRollback && d.snapshotWithDatabase && [...d.touched].some((t) => t !== 'odoo-stopped'))) {
        // Its database may have changed, and odoo may have served writes since: a person decides.
        marked = await writeMarker(ctx, { reason: `${found}; its database may have changed since the snapshot`, snapshot: d.snapshot });
        done = marked ? 'marked as needing a manual restore' : 'could not write the needs-manual-restore marker';
      } else if (d.touched.size === 0) {
        done = 'nothing had changed';
      } else {
        await o.progress({ instance: d.instance, step: 'takeover', status: 'start', message: `${found}: finishing its rollback` });
        const rb = await rollback(ctx);
        if (rb.kind === 'failed') {
          marked = rb.markerWritten;
          done = `its rollback failed (${rb.message})${marked ? '; marked as needing a manual restore' : ''}`;
        } else done = rb.kind === 'restored' ? `rolled back: ${rb.what.join(', ')} restored from ${d.snapshot}` : 'odoo started again';
      }
    }
    report.instances.push({ instance: d.instance, found, done, marked });
    await o.progress({ instance: d.instance, step: 'takeover', status: marked ? 'failed' : 'ok', message: `${found}: ${done}` });
    await o.journal.write({ instance: d.instance, step: 'takeover', outcome: marked ? 'marked' : 'ok', detail: `${found}: ${done}`, ...(d.snapshot ? { snapshot: d.snapshot } : {}) });
  }
  return report;
}

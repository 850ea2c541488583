/**
 * Restoring an instance from an off-site backup, through the same path as a rollback
 * (operator/apply/rollback.ts): the snapshot is fetched from a destination into a restore
 * directory laid out like a pre-change snapshot and its dump verified (pg_restore --list)
 * before anything is touched; then a safety copy of what will be replaced is taken (the
 * pre-change snapshot: verified dump and filestore archive); then the dump is restored into
 * a scratch database swapped in (restore-database.sh) and the filestore swapped
 * (restore-filestore.sh). The replaced database is dropped only once the instance is
 * healthy again (its verified dump is in the safety copy). If anything fails after the
 * swap, the rollback puts the safety copy back; if that fails too, a needs-manual-restore
 * marker blocks the instance, naming the safety copy.
 *
 * `into` other than `from` (e.g. production's snapshot into test) neutralizes the copy:
 * `odoo neutralize` on 16.0+, the documented SQL (NEUTRALIZE_SQL) on older series, and the
 * result is read back (no mail server able to send, no active scheduled action but the
 * autovacuum, the neutralized flag).
 */
import { snapshotStamp, DUMP_ATTEMPTS, SNAPSHOT_RETENTION } from '../apply/snapshot.ts';
import { ActionFailure, protocolLines, run, type ExecContext, type SnapshotRef } from '../apply/context.ts';
import { instanceHealth, startOdoo } from '../apply/health.ts';
import { newRunId, tryLock } from '../apply/lock.ts';
import { rollback } from '../apply/rollback.ts';
import type { ClientSpec, InstanceSpec } from '../desired/types.ts';
import { backupFetch, discardRestore, odooNeutralize, psqlNeutralize, psqlNeutralized } from '../host/backup.ts';
import { composeStop, composeUp, dropAside, filestoreAside, guarded, restoreDatabase, restoreFilestore, snapshot as snapshotCommand } from '../host/commands.ts';
import { RESTORES_DIR, snapshotsDir } from '../host/paths.ts';
import type { HostSession } from '../live/ssh.ts';
import type { ResolvedSecrets } from '../reconcile/secrets.ts';
import { NO_SECRETS } from '../reconcile/secrets.ts';
import { redact } from '../secrets/index.ts';
import { errorMessage, OdoopsError } from '../util/errors.ts';
import { BackupError, resultOf } from './run.ts';

export interface RestoreRequest {
  spec: ClientSpec;
  /** The instance whose snapshot is restored. */
  from: string;
  /** The instance restored into (= from, or "test" for a neutralized copy of production). */
  into: string;
  /** A snapshot ID (or its prefix) or "latest". */
  snapshot: string;
  /** Only this destination; default: each in the desired order until one has the snapshot. */
  destination?: string;
  runId?: string;
  now?: () => Date;
  healthTimeoutMs?: number;
  lockWaitMs?: number;
  secrets?: ResolvedSecrets;
  /** Values to redact from messages (backup secrets). */
  redactValues?: string[];
  onStep?: (label: string) => void;
  /** The caller already holds the server lock under this run (reinstall): no lock is taken. */
  lockHeldBy?: string;
}

export interface FetchedSnapshot {
  snapshot: string;
  time: string;
  tags: string[];
  entries: number;
  instance: string;
  destination: string;
  dir: string;
}

export interface RestoreResult {
  client: string;
  instance: string;
  from: string;
  fetched: FetchedSnapshot;
  /** Destinations tried before the one restored from, and why they were passed over. */
  passedOver: { destination: string; code: string; error: string }[];
  /** The pre-restore copy of what was replaced (verified dump, filestore archive). */
  safetyCopy: string;
  /** True when the instance had no database before (nothing was replaced). */
  wasAbsent: boolean;
  neutralized: boolean;
}

export class RestoreError extends OdoopsError {
  readonly transient: boolean;
  constructor(
    readonly code: string,
    message: string,
    /** The safety copy, when one was taken before the failure. */
    readonly safetyCopy: string | null = null,
    readonly markerWritten = false,
  ) {
    super(message);
    this.name = 'RestoreError';
    this.transient = code === 'locked' || code === 'unreachable' || code === 'timeout';
  }
}

/** Series with `odoo neutralize` (it came in 16.0). */
export const hasNeutralizeCommand = (series: string): boolean => Number.parseFloat(series) >= 16;

function instanceOf(spec: ClientSpec, name: string): InstanceSpec {
  const i = spec.instances.find((x) => x.name === name);
  if (!i) throw new RestoreError('usage', `unknown instance "${name}" of ${spec.name} (known: ${spec.instances.map((x) => x.name).join(', ')})`);
  return i;
}

/** Scratch names of this restore's swap, distinct from a rollback's (which may follow it in the same run). */
function restoreNames(instance: string, runId: string): { restoreInto: string; aside: string; tag: string } {
  const tag = `${instance.slice(0, 20)}_${runId.replace(/[^A-Za-z0-9]/g, '_').slice(0, 24)}`.toLowerCase();
  return { restoreInto: `odoops_bkrestore_${tag}`, aside: `odoops_bkaside_${tag}`, tag: `bk-${tag}` };
}

/** Fetch the snapshot from the first destination that has it (or from `destination` only). Under the lock's fence. */
export async function fetchSnapshot(
  session: HostSession,
  spec: ClientSpec,
  r: { from: string; into: string; snapshot: string; destination?: string; runId: string; now: Date },
  passedOver: RestoreResult['passedOver'],
): Promise<FetchedSnapshot> {
  const b = spec.backups;
  if (!b) throw new RestoreError('usage', `${spec.name} has no backups declared`);
  const names = r.destination ? [r.destination] : b.destinations.map((d) => d.name);
  for (const n of names) {
    if (!b.destinations.some((d) => d.name === n)) {
      throw new RestoreError('usage', `unknown backup destination "${n}" of ${spec.name} (known: ${b.destinations.map((d) => d.name).join(', ')})`);
    }
  }
  for (const destination of names) {
    const dir = `${RESTORES_DIR}/${snapshotStamp(r.now, r.runId)}-${destination}`;
    const res = await session.exec(guarded(backupFetch({ destination, snapshot: r.snapshot, from: r.from, into: r.into, dir }), r.runId));
    try {
      return resultOf<FetchedSnapshot>(res);
    } catch (e) {
      if (!(e instanceof BackupError)) throw e;
      passedOver.push({ destination, code: e.code, error: e.message });
      // A half-fetched directory is removed; nothing of the instance was touched.
      await session.exec(guarded(discardRestore(dir), r.runId)).catch(() => undefined);
      if (e.code === 'not-installed' || e.code === 'usage') break;
    }
  }
  const why = passedOver.map((p) => `${p.destination}: ${p.error}`).join('; ');
  const code = passedOver.every((p) => p.code === 'wrong-password') ? 'wrong-password' : passedOver.some((p) => p.code === 'no-snapshot') ? 'no-snapshot' : passedOver[0]?.code ?? 'failed';
  throw new RestoreError(code, `no destination could provide snapshot ${r.snapshot} of ${spec.name}/${r.from}: ${why}; nothing was changed`);
}

export async function restoreInstance(session: HostSession, req: RestoreRequest): Promise<RestoreResult> {
  const runId = req.lockHeldBy ?? req.runId ?? newRunId();
  const now = req.now ?? (() => new Date());
  const secrets = req.secrets ?? NO_SECRETS;
  const hide = (t: string) => redact(redact(t, secrets.values), req.redactValues ?? []);
  const step = req.onStep ?? (() => undefined);
  const inst = instanceOf(req.spec, req.into);
  instanceOf(req.spec, req.from);
  const lock = req.lockHeldBy
    ? { release: async () => undefined }
    : await tryLock(session, req.spec.name, { runId, command: `restore ${req.into}`, waitMs: req.lockWaitMs ?? 0, now: now() });
  if ('acquired' in lock && !lock.acquired) throw new RestoreError(lock.reason.code === 'locked' ? 'locked' : 'unreachable', lock.reason.message);
  const ctx: ExecContext = {
    session, client: req.spec, instance: inst, live: null, revision: '-', runId, now, snapshot: null, touched: new Set(),
    healthTimeoutMs: req.healthTimeoutMs ?? 120_000, upgraded: new Set(), secrets, note: () => undefined, startedAt: null, served: false, healthyAt: null,
  };
  let safety: SnapshotRef | null = null;
  try {
    step(`start db of ${inst.name}`);
    await run(ctx, composeUp(inst.name, 'db'));
    const passedOver: RestoreResult['passedOver'] = [];
    step(`fetch snapshot ${req.snapshot} of ${req.from}`);
    const fetched = await fetchSnapshot(session, req.spec, { from: req.from, into: req.into, snapshot: req.snapshot, destination: req.destination, runId, now: now() }, passedOver);

    // The safety copy: what is about to be replaced, dumped and verified (odoo stopped for it).
    step(`safety copy of ${inst.name}`);
    const dir = `${snapshotsDir(inst.name)}/${snapshotStamp(now(), runId)}`;
    const snap = await session.exec(guarded(snapshotCommand({ instance: inst.name, dir, database: inst.database, withDatabase: true, keep: SNAPSHOT_RETENTION, attempts: DUMP_ATTEMPTS }), runId));
    const lines = protocolLines(snap.stdout);
    if (lines.has('STOPPED')) ctx.touched.add('odoo-stopped');
    if (snap.code !== 0) {
      await session.exec(guarded(discardRestore(fetched.dir), runId)).catch(() => undefined);
      throw new RestoreError('safety-copy-failed', `the safety copy of ${inst.name} failed, nothing was restored: ${hide(snap.stderr.trim().split('\n').pop() ?? `exit ${snap.code}`)}`);
    }
    const wasAbsent = lines.has('ABSENT');
    safety = { dir, withDatabase: true, dumped: !wasAbsent };
    ctx.snapshot = safety;

    const names = restoreNames(inst.name, runId);
    step(`stop odoo of ${inst.name}`);
    await run(ctx, composeStop(inst.name, 'odoo'));
    ctx.touched.add('database');
    step(`restore database ${inst.database}`);
    const res = await run(ctx, restoreDatabase({ instance: inst.name, database: inst.database, dir: fetched.dir, dumped: true, restoreInto: names.restoreInto, aside: names.aside }));
    const asideDatabase = protocolLines(res.stdout).get('ASIDE')?.[0] ?? null;
    const fsAside = filestoreAside(inst.name, names.tag);
    step(`restore filestore of ${inst.name}`);
    await run(ctx, restoreFilestore(inst.name, fetched.dir, fsAside));

    const neutralize = req.into !== req.from;
    if (neutralize) {
      step(`neutralize ${inst.database}`);
      await run(ctx, hasNeutralizeCommand(inst.series) ? odooNeutralize(inst.name, inst.database) : psqlNeutralize(inst.name, inst.database));
      const check = await run(ctx, psqlNeutralized(inst.name, inst.database));
      const got = Object.fromEntries(check.stdout.trim().split('\n').map((l) => l.split('\t') as [string, string]));
      if (got.mail_servers !== '0' || got.crons !== '0' || got.flag !== '1') {
        throw new ActionFailure(`neutralization of ${inst.database} did not hold: ${JSON.stringify(got)}`);
      }
    }
    step(`start ${inst.name}`);
    await startOdoo(ctx);
    step(`health check of ${inst.name}`);
    // The login page of the restored database (the restored data served before: its own startup log is not judged).
    ctx.healthyAt = await instanceHealth(ctx, { scanLog: false });
    // Healthy on the restored data: what it replaced has its verified dump in the safety copy.
    step('drop what was replaced (kept in the safety copy)');
    await run(ctx, dropAside(inst.name, asideDatabase, fsAside));
    await session.exec(guarded(discardRestore(fetched.dir), runId)).catch(() => undefined);
    return { client: req.spec.name, instance: inst.name, from: req.from, fetched, passedOver, safetyCopy: dir, wasAbsent, neutralized: neutralize };
  } catch (e) {
    if (e instanceof RestoreError) throw e;
    const message = hide(errorMessage(e));
    if (ctx.touched.size === 0) throw new RestoreError(e instanceof BackupError ? e.code : 'failed', `${message}; nothing was changed`);
    // After the swap started: back to the safety copy, as a failed apply would be.
    step('put the safety copy back');
    const back = await rollback(ctx, step);
    if (back.kind === 'failed') {
      throw new RestoreError('failed', `restore failed (${message}) and putting the safety copy back failed too (${back.message}): ${inst.name} is blocked (needs manual restore from ${safety?.dir ?? 'no snapshot'})`, safety?.dir ?? null, back.markerWritten);
    }
    throw new RestoreError('failed', `restore failed, ${inst.name} is back as it was (safety copy ${safety?.dir}): ${message}`, safety?.dir ?? null);
  } finally {
    await lock.release();
  }
}

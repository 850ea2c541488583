/**
 * reconcile(client, revision): probe live -> plan -> (apply). Every trigger (CLI, webhook,
 * schedule) ends here. Apply takes the server lock, deals with a dead run's leftovers if it
 * took over a stale lock, then re-reads the server under the lock before changing anything,
 * so a plan made before another run finished is never applied blindly (level-triggered).
 * In apply mode the outcome always carries an ApplyResult: blocked and unchanged instances
 * say so with their reason, so exit codes never have to guess.
 */
import type { ClientSpec, FleetSpec } from '../desired/types.ts';
import { applyObservedManaged, observeManaged, type ManagedState } from '../managed/index.ts';
import { observeBackups } from '../backup/observe.ts';
import { connectSsh, HostKeyMismatchError, type ConnectOptions, type HostSession } from '../live/ssh.ts';
import { probeLive } from '../live/probe.ts';
import type { LiveState } from '../live/types.ts';
import { planClient, planHasActions } from '../plan/plan.ts';
import type { Plan, Reason } from '../plan/types.ts';
import { applyPlan, type ApplyProgress } from '../apply/index.ts';
import { journalFor } from '../apply/journal.ts';
import { newRunId, tryLock } from '../apply/lock.ts';
import { recoverDeadRun } from '../apply/recover.ts';
import type { ApplyResult } from '../apply/types.ts';
import { redact } from '../secrets/index.ts';
import { errorMessage } from '../util/errors.ts';
import { redactDeep, resolveClientSecrets } from './secrets.ts';

export interface ReconcileOptions {
  mode: 'plan' | 'apply';
  now?: () => Date;
  ssh?: ConnectOptions;
  ignoreWindows?: boolean;
  lockWaitMs?: number;
  /** Server drops the lock after this long without a ping from odoops; default 60 s. */
  lockIdleMs?: number;
  healthTimeoutMs?: number;
  runId?: string;
  onProgress?: (e: ApplyProgress) => void | Promise<void>;
  /** Where secret references are resolved from; default process.env. */
  env?: NodeJS.ProcessEnv;
  /** The fleet settings: with them, the files odoops keeps on the server (operator/managed/) are planned and applied too. */
  fleet?: FleetSpec;
  /** Seconds after which a server reverts a guarded managed change (sshd, firewall) by itself; default 120. */
  managedRevertAfterS?: number;
}

export interface ClientOutcome {
  client: string;
  live: LiveState;
  plan: Plan;
  /** In apply mode, always (nothing to do, blocked, unreachable included). */
  apply?: ApplyResult;
  durationMs: number;
}

export async function reconcile(spec: ClientSpec, revision: string, opts: ReconcileOptions): Promise<ClientOutcome> {
  const started = Date.now();
  const now = opts.now ?? (() => new Date());
  const secrets = resolveClientSecrets(spec, opts.env);
  const planOpts = () => ({ revision, now: now(), unresolvedSecrets: secrets.missing });
  const progress = async (step: string, status: ApplyProgress['status'], message: string) =>
    opts.onProgress?.({ client: spec.name, step, status, message: redact(message, secrets.values) });
  const onProgress = opts.onProgress ? (e: ApplyProgress) => opts.onProgress!({ ...e, message: redact(e.message, secrets.values) }) : undefined;
  // Nothing of a secret leaves this function in clear, whatever a command printed.
  const finish = (live: LiveState, plan: Plan, apply?: ApplyResult): ClientOutcome =>
    redactDeep({ client: spec.name, live, plan, ...(apply ? { apply } : {}), durationMs: Date.now() - started }, secrets.values);
  const nothingRun = (error: Reason): ApplyResult => ({ client: spec.name, revision, error, instances: [], durationMs: Date.now() - started });

  await progress('connect', 'start', `connecting to ${spec.server.host}:${spec.server.port}`);
  let session: HostSession;
  try {
    session = await connectSsh(spec.name, spec.server, opts.ssh);
  } catch (err) {
    const code = err instanceof HostKeyMismatchError ? 'host-key-mismatch' : 'unreachable';
    const live: LiveState = { client: spec.name, reachable: false, code, reason: errorMessage(err) };
    await progress('connect', 'failed', live.reason);
    const plan = planClient(spec, live, planOpts());
    return finish(live, plan, opts.mode === 'apply' ? nothingRun({ code, message: live.reason }) : undefined);
  }
  try {
    await progress('probe', 'start', 'reading live state');
    const observe = async (): Promise<{ live: LiveState; plan: Plan; managed: ManagedState | null }> => {
      // Three independent readings, one channel each on the same connection, at once (a
      // server answers them in parallel; in turn they cost a round trip and a process start
      // each). The others count only when the probe reached the server, as before.
      const [l, managedReading, backupReading] = await Promise.all([
        probeLive(session, spec, { secrets }),
        opts.fleet ? settled(observeManaged(session, spec, opts.fleet, { ...(opts.env ? { env: opts.env } : {}) })) : null,
        settled(observeBackups(session, spec, now())),
      ]);
      const m = l.reachable && managedReading ? valueOf(managedReading) : null;
      const b = l.reachable ? valueOf(backupReading) : undefined;
      const p = planClient(spec, l, planOpts());
      return { live: l, plan: { ...p, ...(m ? { managed: m.plan } : {}), ...(b ? { backups: b } : {}) }, managed: m };
    };
    let { live, plan, managed } = await observe();
    // A partial reading (PostgreSQL down, ...) is not "ok": the plan blocks those instances.
    const partial = live.reachable && Object.values(live.instances).some((i) => (i.errors?.length ?? 0) > 0);
    await progress('probe', live.reachable && !partial ? 'ok' : 'failed', !live.reachable ? live.reason : partial ? 'live state read in part (see the plan)' : 'live state read');
    if (opts.mode === 'plan') return finish(live, plan);
    if (!live.reachable) return finish(live, plan, nothingRun({ code: live.code, message: live.reason }));
    // Nothing to run (all unchanged, blocked or waiting): the result says which, no lock taken.
    if (!planHasActions(plan)) return finish(live, plan, await applyPlan(session, spec, plan, { now, secrets }));

    const runId = opts.runId ?? newRunId();
    await progress('lock', 'start', 'taking the server lock');
    const lock = await tryLock(session, spec.name, { runId, waitMs: opts.lockWaitMs ?? 0, now: now(), ...(opts.lockIdleMs ? { idleMs: opts.lockIdleMs } : {}) });
    if (!lock.acquired) {
      await progress('lock', 'failed', lock.reason.message);
      return finish(live, plan, await applyPlan(session, spec, plan, { now, secrets, lockRefused: lock.reason }));
    }
    try {
      const takeover = lock.takenOver
        ? await recoverDeadRun(session, spec, lock, {
            runId, now, secrets, healthTimeoutMs: opts.healthTimeoutMs ?? 60_000,
            journal: journalFor(session, { runId, client: spec.name, revision, now, secrets: secrets.values }),
            progress: async (e) => onProgress?.({ client: spec.name, ...e }),
          })
        : undefined;
      // Under the lock: read again, plan again; another run may have changed the server.
      ({ live, plan, managed } = await observe());
      const apply = await applyPlan(session, spec, plan, {
        lock, live, runId, now, secrets,
        ...(takeover ? { takeover } : {}),
        ...(opts.ignoreWindows !== undefined ? { ignoreWindows: opts.ignoreWindows } : {}),
        ...(opts.healthTimeoutMs !== undefined ? { healthTimeoutMs: opts.healthTimeoutMs } : {}),
        ...(onProgress ? { onProgress } : {}),
      });
      if (managed && managed.plan.actions.length > 0) {
        apply.managed = await applyObservedManaged(session, managed, {
          runId,
          reconnect: () => connectSsh(spec.name, spec.server, opts.ssh),
          ...(opts.managedRevertAfterS !== undefined ? { revertAfterS: opts.managedRevertAfterS } : {}),
          onProgress: (unit, status, message) => progress(`managed ${unit}`, status, message),
        });
      }
      return finish(live, plan, apply);
    } finally {
      await lock.release();
    }
  } finally {
    await session.close();
  }
}

/** Many clients, at most `concurrency` servers at once (default 20); results in input order. */
export async function reconcileFleet(
  clients: ClientSpec[],
  revision: string,
  opts: ReconcileOptions & { concurrency?: number },
): Promise<ClientOutcome[]> {
  const limit = Math.max(1, opts.concurrency ?? 20);
  const out: ClientOutcome[] = new Array(clients.length);
  let next = 0;
  const worker = async () => {
    while (next < clients.length) {
      const i = next++;
      const spec = clients[i]!;
      const t0 = Date.now();
      try {
        out[i] = await reconcile(spec, revision, opts);
      } catch (err) {
        // One server's surprise must not stop the others.
        const reason: Reason = { code: 'internal', message: `internal error: ${errorMessage(err)}` };
        const live: LiveState = { client: spec.name, reachable: false, code: 'internal', reason: reason.message };
        out[i] = {
          client: spec.name,
          live,
          plan: { client: spec.name, revision, unreachable: reason, instances: [] },
          ...(opts.mode === 'apply' ? { apply: { client: spec.name, revision, error: reason, instances: [], durationMs: Date.now() - t0 } } : {}),
          durationMs: Date.now() - t0,
        };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, clients.length) }, worker));
  return out;
}

type Settled<T> = { ok: true; value: T } | { ok: false; error: unknown };

/** A promise's outcome as a value, so one failing reading does not abandon the others mid-flight. */
function settled<T>(p: Promise<T>): Promise<Settled<T>> {
  return p.then(
    (value) => ({ ok: true as const, value }),
    (error: unknown) => ({ ok: false as const, error }),
  );
}

function valueOf<T>(r: Settled<T>): T {
  if (!r.ok) throw r.error;
  return r.value;
}

/**
 * reconcile(client, revision): probe live -> plan -> (apply). Every trigger (CLI, webhook,
 * schedule) ends here. Apply re-reads the server under its lock before changing anything,
 * so a plan made before another run finished is never applied blindly.
 */
import type { ClientSpec } from '../desired/types.ts';
import { connectSsh, type ConnectOptions, type HostSession } from '../live/ssh.ts';
import { probeLive } from '../live/probe.ts';
import type { LiveState } from '../live/types.ts';
import { planClient, planHasActions } from '../plan/plan.ts';
import type { Plan } from '../plan/types.ts';
import { applyPlan, type ApplyProgress } from '../apply/index.ts';
import { acquireLock, newRunId } from '../apply/lock.ts';
import type { ApplyResult } from '../apply/types.ts';
import { errorMessage } from '../util/errors.ts';

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
}

export interface ClientOutcome {
  client: string;
  live: LiveState;
  plan: Plan;
  /** In apply mode, whenever the plan had actions (or the server could not be read). */
  apply?: ApplyResult;
  durationMs: number;
}

export async function reconcile(spec: ClientSpec, revision: string, opts: ReconcileOptions): Promise<ClientOutcome> {
  const started = Date.now();
  const now = opts.now ?? (() => new Date());
  const progress = (step: string, status: ApplyProgress['status'], message: string) =>
    void opts.onProgress?.({ client: spec.name, step, status, message });
  const finish = (live: LiveState, plan: Plan, apply?: ApplyResult): ClientOutcome => ({
    client: spec.name, live, plan, ...(apply ? { apply } : {}), durationMs: Date.now() - started,
  });

  progress('connect', 'start', `connecting to ${spec.server.host}:${spec.server.port}`);
  let session: HostSession;
  try {
    session = await connectSsh(spec.name, spec.server, opts.ssh);
  } catch (err) {
    const live: LiveState = { client: spec.name, reachable: false, reason: errorMessage(err) };
    progress('connect', 'failed', live.reason);
    const plan = planClient(spec, live, { revision, now: now() });
    return finish(live, plan, opts.mode === 'apply' ? { client: spec.name, revision, error: live.reason, instances: [], durationMs: Date.now() - started } : undefined);
  }
  try {
    progress('probe', 'start', 'reading live state');
    let live = await probeLive(session, spec);
    let plan = planClient(spec, live, { revision, now: now() });
    progress('probe', live.reachable ? 'ok' : 'failed', live.reachable ? 'live state read' : live.reason);
    if (opts.mode === 'plan' || !live.reachable) {
      return finish(live, plan, opts.mode === 'apply' && !live.reachable ? { client: spec.name, revision, error: live.reason, instances: [], durationMs: Date.now() - started } : undefined);
    }
    if (!planHasActions(plan)) return finish(live, plan);
    const runId = opts.runId ?? newRunId();
    progress('lock', 'start', 'taking the server lock');
    let lock;
    try {
      lock = await acquireLock(session, spec.name, { runId, waitMs: opts.lockWaitMs ?? 0, now: now(), ...(opts.lockIdleMs ? { idleMs: opts.lockIdleMs } : {}) });
    } catch (err) {
      const message = errorMessage(err);
      progress('lock', 'failed', message);
      return finish(live, plan, { client: spec.name, revision, error: message, instances: [], durationMs: Date.now() - started });
    }
    try {
      // Under the lock: read again, plan again; another run may have changed the server.
      live = await probeLive(session, spec);
      plan = planClient(spec, live, { revision, now: now() });
      const apply = await applyPlan(session, spec, plan, {
        lock, live, runId, now,
        ...(opts.ignoreWindows !== undefined ? { ignoreWindows: opts.ignoreWindows } : {}),
        ...(opts.healthTimeoutMs !== undefined ? { healthTimeoutMs: opts.healthTimeoutMs } : {}),
        ...(opts.onProgress ? { onProgress: opts.onProgress } : {}),
      });
      return finish(live, plan, apply);
    } finally {
      await lock.release().catch(() => undefined);
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
        const reason = `internal error: ${errorMessage(err)}`;
        const live: LiveState = { client: spec.name, reachable: false, reason };
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

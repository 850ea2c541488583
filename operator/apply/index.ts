/**
 * Applies one client's plan on its server: window check, server lock, pre-change snapshot,
 * actions in plan order, health check + read-back, and on failure the rollback of what the
 * run touched. Instances go in plan order (test before production); once one fails, the
 * following ones are not touched in this run.
 *
 * The order of an instance's steps is the plan's (operator/plan/plan.ts); this file only
 * runs them, records what each may touch before it starts, and undoes that on failure.
 */
import type { ClientSpec, InstanceSpec } from '../desired/types.ts';
import type { HostSession } from '../live/ssh.ts';
import type { LiveState } from '../live/types.ts';
import type { Action, InstancePlan, Plan, Reason } from '../plan/types.ts';
import { sequenceInstances } from '../plan/plan.ts';
import { windowStatus } from '../plan/windows.ts';
import { NO_SECRETS, type ResolvedSecrets } from '../reconcile/secrets.ts';
import { redact } from '../secrets/index.ts';
import { errorMessage } from '../util/errors.ts';
import { ActionFailure, trimOutput, type ExecContext } from './context.ts';
import { DATABASE_KINDS, execute, MUTATING, TOUCHES } from './executors/index.ts';
import { provisionFailureResult } from './executors/provision/failure.ts';
import { isProvisionAction } from '../provision/types.ts';
import { describeProvisionAction } from '../provision/describe.ts';
import { journalFor, type Journal } from './journal.ts';
import { newRunId, tryLock, type ServerLock } from './lock.ts';
import { recoverDeadRun } from './recover.ts';
import { describeTouched, rollback } from './rollback.ts';
import type { ActionResult, ApplyResult, Downtime, InstanceResult, TakeoverReport } from './types.ts';

export interface ApplyProgress {
  client: string;
  instance?: string;
  /** e.g. "install-modules", "rollback", "lock". */
  step: string;
  status: 'start' | 'ok' | 'failed' | 'info';
  message: string;
}

export interface ApplyOptions {
  /** Apply outside closed windows when every window involved allows manual sync. */
  ignoreWindows?: boolean;
  now?: () => Date;
  /** Awaited before each action starts (tests use it to inject faults at a precise step). */
  onProgress?: (event: ApplyProgress) => void | Promise<void>;
  runId?: string;
  /** How long to wait for a lock held by another run; default 0 (fail at once). */
  lockWaitMs?: number;
  /**
   * A lock the caller already holds (reconcile takes it, deals with a dead run's leftovers and
   * probes again before planning). Without it applyPlan takes its own; a stale lock is then
   * recovered too, but the plan it was given is not made again: use reconcile.
   */
  lock?: ServerLock;
  /** What the probe read (rollback decisions, notes). */
  live?: LiveState;
  /** How long /web/health may take to pass after a change; default 60 s. */
  healthTimeoutMs?: number;
  /** Secrets of this client, resolved on the operator side (values go on stdin, reports are redacted of them). */
  secrets?: ResolvedSecrets;
  /** Set by the caller that took the lock over from a dead run and dealt with it. */
  takeover?: TakeoverReport;
  /** The caller could not take the lock: report every instance that would run as skipped, with this reason. */
  lockRefused?: Reason;
}

type Decision = { run: true } | { run: false; result: InstanceResult };

const notRun = (ip: InstancePlan, outcome: InstanceResult['outcome'], reason: Reason): InstanceResult => ({
  instance: ip.instance, outcome, detail: reason.message, reason, actions: ip.actions.map((action) => ({ action, outcome: 'skipped', durationMs: 0 })),
});

/** Whether an instance runs now; if not, its typed result. Pure apart from the clock it is given. */
export function decide(ip: InstancePlan, spec: InstanceSpec | undefined, opts: Pick<ApplyOptions, 'ignoreWindows'>, now: Date): Decision {
  if (ip.blocked) return { run: false, result: notRun(ip, 'blocked', ip.blocked) };
  if (ip.actions.length === 0) return { run: false, result: { instance: ip.instance, outcome: 'unchanged', actions: [] } };
  if (!spec) return { run: false, result: notRun(ip, 'blocked', { code: 'not-desired', message: `instance ${ip.instance} is not in the desired state` }) };
  // Windows are evaluated at apply time: a plan may be older than this run.
  const w = windowStatus(spec.windows, now);
  if (w.open) return { run: true };
  if (opts.ignoreWindows && w.overrideAllowed) return { run: true };
  // w.description reads "closed; next opening Sun 2026-11-29 02:00 Europe/Paris".
  const why = opts.ignoreWindows ? `window ${w.description} (manualSync is off: --ignore-windows refused)` : `window ${w.description}`;
  return { run: false, result: notRun(ip, 'waiting', { code: 'window-closed', message: why }) };
}

/**
 * A snapshot must exist before the first change, dumping the database when a step may change it.
 * Stopping odoo changes no file and no data: it need not come after the snapshot.
 */
export function withSnapshot(actions: Action[], instance: string): Action[] {
  const firstMutation = actions.findIndex((a) => MUTATING.has(a.kind) && a.kind !== 'stop');
  if (firstMutation < 0) return actions;
  const database = actions.some((a) => DATABASE_KINDS.has(a.kind));
  const at = actions.findIndex((a) => a.kind === 'snapshot');
  const existing = at >= 0 ? actions[at] : undefined;
  if (existing?.kind === 'snapshot' && at < firstMutation && (existing.database || !database)) return actions;
  return [{ kind: 'snapshot', instance, database }, ...actions.filter((a) => a.kind !== 'snapshot')];
}

export async function applyPlan(session: HostSession, client: ClientSpec, plan: Plan, opts: ApplyOptions = {}): Promise<ApplyResult> {
  const started = Date.now();
  const now = opts.now ?? (() => new Date());
  const runId = opts.runId ?? newRunId();
  const secrets = opts.secrets ?? NO_SECRETS;
  const progress = async (e: Omit<ApplyProgress, 'client'>) => opts.onProgress?.({ client: client.name, ...e, message: redact(e.message, secrets.values) });
  const result: ApplyResult = { client: client.name, revision: plan.revision, instances: [], durationMs: 0, ...(opts.takeover ? { takeover: opts.takeover } : {}) };
  const done = () => ({ ...result, durationMs: Date.now() - started });

  if (plan.unreachable) return { ...done(), error: plan.unreachable };

  const specs = new Map(client.instances.map((i) => [i.name, i]));
  const decisions = sequenceInstances(plan).map((ip) => ({ ip, d: decide(ip, specs.get(ip.instance), opts, now()) }));
  if (!decisions.some((x) => x.d.run)) {
    result.instances = decisions.map((x) => (x.d.run ? never() : x.d.result));
    return done();
  }

  const refusedWith = (reason: Reason): ApplyResult => {
    result.instances = decisions.map((x) => (x.d.run ? notRun(x.ip, 'skipped', reason) : x.d.result));
    return { ...done(), error: reason };
  };
  if (opts.lockRefused) return refusedWith(opts.lockRefused);
  const journal = journalFor(session, { runId, client: client.name, revision: plan.revision, now, secrets: secrets.values });
  let lock: ServerLock | undefined = opts.lock;
  if (!lock) {
    await progress({ step: 'lock', status: 'start', message: 'taking the server lock' });
    const attempt = await tryLock(session, client.name, { runId, waitMs: opts.lockWaitMs ?? 0, now: now() });
    if (!attempt.acquired) {
      await progress({ step: 'lock', status: 'failed', message: attempt.reason.message });
      return refusedWith(attempt.reason);
    }
    lock = attempt;
    if (lock.takenOver) result.takeover = await recoverDeadRun(session, client, lock, { runId, now, secrets, journal, progress, healthTimeoutMs: opts.healthTimeoutMs ?? 60_000 });
  }
  const ownLock = !opts.lock;
  try {
    let failedBefore: string | null = null;
    for (const { ip, d } of decisions) {
      if (!d.run) {
        result.instances.push(d.result);
        continue;
      }
      const dep = ip.dependsOn ? result.instances.find((r) => r.instance === ip.dependsOn) : undefined;
      if (dep && dep.outcome !== 'applied' && dep.outcome !== 'unchanged') {
        // Production goes only after test succeeded in this same run.
        const reason: Reason = { code: 'dependency-failed', message: `not touched: ${dep.instance} must succeed first in the same run (it is ${dep.outcome}${dep.detail ? `: ${dep.detail}` : ''})` };
        result.instances.push(notRun(ip, 'skipped', reason));
        await progress({ instance: ip.instance, step: 'instance', status: 'info', message: reason.message });
        continue;
      }
      if (failedBefore) {
        const reason: Reason = { code: 'earlier-failure', message: `not touched: instance ${failedBefore} failed earlier in this run` };
        result.instances.push(notRun(ip, 'skipped', reason));
        await progress({ instance: ip.instance, step: 'instance', status: 'info', message: `skipped: ${failedBefore} failed` });
        continue;
      }
      const ctx: ExecContext = {
        session,
        client,
        instance: specs.get(ip.instance)!,
        live: opts.live?.reachable ? (opts.live.instances[ip.instance] ?? null) : null,
        revision: plan.revision,
        runId,
        now,
        snapshot: null,
        touched: new Set(),
        healthTimeoutMs: opts.healthTimeoutMs ?? 60_000,
        upgraded: new Set(),
        secrets,
        note: () => undefined,
        startedAt: null,
        served: false,
        healthyAt: null,
      };
      const ir = await applyInstance(ctx, ip, journal, progress);
      result.instances.push(ir);
      if (ir.outcome === 'failed' || ir.outcome === 'rolled-back') failedBefore = ip.instance;
    }
  } finally {
    if (ownLock) await lock.release();
  }
  return done();
}

/** The downtime window, when odoo was stopped in this run. */
function downtimeOf(from: Date | null, to: Date | null): Downtime | undefined {
  if (from === null) return undefined;
  const end = to !== null && to >= from ? to : null;
  return { from: from.toISOString(), to: end ? end.toISOString() : null, ms: end ? end.getTime() - from.getTime() : null };
}

function never(): never {
  throw new Error('unreachable');
}

async function applyInstance(ctx: ExecContext, ip: InstancePlan, journal: Journal, progress: (e: Omit<ApplyProgress, 'client'>) => Promise<void>): Promise<InstanceResult> {
  const notes: string[] = [];
  ctx.note = (line) => notes.push(line);
  const actions = withSnapshot(ip.actions, ip.instance);
  const results: ActionResult[] = [];
  let failure: { action: Action; err: ActionFailure } | null = null;
  // The downtime starts just before odoo is stopped: by the plan's stop, or by the snapshot's dump.
  let downFrom: Date | null = null;
  for (const action of actions) {
    if (failure) {
      results.push({ action, outcome: 'skipped', durationMs: 0 });
      continue;
    }
    await progress({ instance: ip.instance, step: action.kind, status: 'start', message: describe(action) });
    if (downFrom === null && (action.kind === 'stop' || (action.kind === 'snapshot' && action.database))) downFrom = ctx.now();
    const t0 = Date.now();
    notes.length = 0;
    // Recorded before the step starts: a step that dies half-way still counts as a change.
    for (const t of TOUCHES[action.kind]) ctx.touched.add(t);
    if (MUTATING.has(action.kind) || action.kind === 'snapshot') {
      await journal.write({ instance: ip.instance, step: action.kind, outcome: 'start', ...(action.kind === 'snapshot' ? { database: action.database } : {}) });
    }
    try {
      await execute(action, ctx);
      const r: ActionResult = { action, outcome: 'ok', durationMs: Date.now() - t0, ...(notes.length ? { output: notes.join('\n') } : {}) };
      results.push(r);
      await progress({ instance: ip.instance, step: action.kind, status: 'ok', message: `${describe(action)} (${r.durationMs} ms)` });
      await journal.write({ instance: ip.instance, step: action.kind, outcome: 'ok', durationMs: r.durationMs, ...(action.kind === 'snapshot' && ctx.snapshot ? { snapshot: ctx.snapshot.dir } : {}) });
    } catch (e) {
      const err = e instanceof ActionFailure ? e : new ActionFailure(errorMessage(e));
      failure = { action, err };
      const r: ActionResult = {
        action,
        outcome: 'failed',
        durationMs: Date.now() - t0,
        ...(err.command ? { command: err.command } : {}),
        output: trimOutput([err.message, err.output, ...notes].filter(Boolean).join('\n')),
      };
      results.push(r);
      await progress({ instance: ip.instance, step: action.kind, status: 'failed', message: err.message });
      await journal.write({ instance: ip.instance, step: action.kind, outcome: 'failed', durationMs: r.durationMs, ...(err.command ? { command: err.command } : {}), detail: err.message });
    }
  }
  const snapshot = ctx.snapshot ? { snapshot: ctx.snapshot.dir } : {};
  const finish = async (ir: InstanceResult): Promise<InstanceResult> => {
    const downtime = downtimeOf(downFrom, ctx.healthyAt);
    await journal.write({ instance: ip.instance, step: 'instance', outcome: ir.outcome, ...(ir.detail ? { detail: ir.detail } : {}), ...snapshot, ...(downtime?.ms != null ? { durationMs: downtime.ms } : {}) });
    return { ...ir, ...snapshot, ...(downtime ? { downtime } : {}) };
  };
  if (!failure) return finish({ instance: ip.instance, outcome: 'applied', actions: results });

  // Provisioning rolls nothing back: its marker says what exists (operator/provision/).
  if (ip.actions.some(isProvisionAction)) return finish(await provisionFailureResult(ctx, failure.action, failure.err, results));
  const what = `${failure.action.kind} failed: ${failure.err.message}`;
  if (ctx.touched.size === 0) return finish({ instance: ip.instance, outcome: 'failed', detail: `${what}; nothing was changed`, actions: results });
  // Undo exactly what this run touched.
  const scope = describeTouched(ctx.touched).join(', ');
  await progress({ instance: ip.instance, step: 'rollback', status: 'start', message: `restoring ${scope}${ctx.snapshot ? ` from ${ctx.snapshot.dir}` : ''}` });
  await journal.write({ instance: ip.instance, step: 'rollback', outcome: 'start', detail: scope, ...snapshot });
  const t0 = Date.now();
  const rb = await rollback(ctx, (label) => void progress({ instance: ip.instance, step: 'rollback', status: 'info', message: label }));
  const durationMs = Date.now() - t0;
  if (rb.kind === 'failed') {
    const where = ctx.snapshot ? `; snapshot kept at ${ctx.snapshot.dir}` : '';
    const marked = rb.markerWritten ? `; marked as needing a manual restore: after restoring, run odoops resolve ${ctx.client.name} ${ip.instance}` : '; the needs-manual-restore marker could not be written either';
    const detail = `${what}; ROLLBACK FAILED (${rb.message})${where}${marked}`;
    await progress({ instance: ip.instance, step: 'rollback', status: 'failed', message: detail });
    await journal.write({ instance: ip.instance, step: 'rollback', outcome: 'failed', durationMs, detail, ...snapshot });
    return finish({ instance: ip.instance, outcome: 'failed', detail, reason: { code: 'needs-manual-restore', message: detail }, actions: results });
  }
  await journal.write({ instance: ip.instance, step: 'rollback', outcome: 'ok', durationMs, detail: scope, ...snapshot });
  if (rb.kind === 'restarted' || rb.kind === 'nothing-changed') {
    await progress({ instance: ip.instance, step: 'rollback', status: 'ok', message: 'odoo started again' });
    return finish({ instance: ip.instance, outcome: 'failed', detail: `${what}; nothing was changed (odoo, stopped for the snapshot, started again)`, actions: results });
  }
  await progress({ instance: ip.instance, step: 'rollback', status: 'ok', message: `restored ${rb.what.join(', ')} (${durationMs} ms)` });
  const kept = rb.keptAside
    ? `; the changed instance had served users, so what it left is kept: ${[rb.keptAside.database && `database ${rb.keptAside.database}`, rb.keptAside.filestore && `filestore ${rb.keptAside.filestore}`].filter(Boolean).join(', ')}`
    : '';
  return finish({ instance: ip.instance, outcome: 'rolled-back', detail: `${what}; restored ${rb.what.join(', ')} from the pre-change snapshot ${ctx.snapshot!.dir}${kept}`, actions: results });
}

export function describe(a: Action): string {
  switch (a.kind) {
    case 'snapshot': return `snapshot ${a.instance}${a.database ? ' (database, filestore, files)' : ' (files)'}`;
    case 'pull-image': return `pull ${a.image}`;
    case 'fetch-addons': return `fetch ${a.repo.name} ${a.repo.ref}${a.toCommit ? ` (${a.toCommit.slice(0, 12)})` : ''}`;
    case 'stop': return `stop ${a.instance}`;
    case 'checkout-addons': return `checkout ${a.repo.name} ${a.repo.ref}${a.toCommit ? ` (${a.toCommit.slice(0, 12)})` : ''}`;
    case 'write-config': return `write odoo.conf ${Object.keys(a.set).join(', ')}`;
    case 'switch-image': return `switch image ${a.from ?? '(none)'} -> ${a.to}`;
    case 'start': return `start ${a.instance}`;
    case 'install-modules': return `install ${a.modules.join(', ')}`;
    case 'upgrade-modules': return `upgrade ${a.modules.join(', ')}`;
    case 'uninstall-modules': return `uninstall ${a.modules.join(', ')}`;
    case 'health-check': return `health check ${a.instance}`;
    case 'record-revision': return `record revision ${a.revision.slice(0, 12)}`;
    default: return describeProvisionAction(a);
  }
}

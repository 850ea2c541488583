/**
 * Applies one client's plan on its server: window check, server lock, pre-change backup,
 * actions in plan order, health check + read-back, and on failure the rollback to the
 * backup. Instances go in plan order (test before production); once one fails, the
 * following ones are not touched in this run.
 */
import type { ClientSpec, InstanceSpec } from '../desired/types.ts';
import type { HostSession } from '../live/ssh.ts';
import type { LiveState } from '../live/types.ts';
import type { Action, InstancePlan, Plan } from '../plan/types.ts';
import { sequenceInstances } from '../plan/plan.ts';
import { windowStatus } from '../plan/windows.ts';
import { errorMessage } from '../util/errors.ts';
import { restoreBackup } from './backup.ts';
import { ActionFailure, trimOutput, type ExecContext } from './context.ts';
import { execute, MUTATING } from './executors/index.ts';
import { httpHealth } from './executors/health-check.ts';
import { journal } from './journal.ts';
import { acquireLock, newRunId, type ServerLock } from './lock.ts';
import type { ActionResult, ApplyResult, InstanceResult } from './types.ts';

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
  /** A lock the caller already holds (reconcile takes it before probing). */
  lock?: ServerLock;
  /** What the probe read (rollback decisions, notes). */
  live?: LiveState;
  /** How long /web/health may take to pass after a change; default 60 s. */
  healthTimeoutMs?: number;
}

type Decision = { run: true } | { run: false; result: InstanceResult };

function decide(ip: InstancePlan, spec: InstanceSpec | undefined, opts: ApplyOptions, now: Date): Decision {
  const skip = (outcome: InstanceResult['outcome'], detail: string): Decision => ({
    run: false,
    result: { instance: ip.instance, outcome, detail, actions: ip.actions.map((action) => ({ action, outcome: 'skipped', durationMs: 0 })) },
  });
  if (ip.blocked) return skip('blocked', ip.blocked);
  if (ip.actions.length === 0) return { run: false, result: { instance: ip.instance, outcome: 'unchanged', actions: [] } };
  if (!spec) return skip('failed', `instance ${ip.instance} is not in the desired state`);
  // Windows are evaluated at apply time: a plan may be older than this run.
  const w = windowStatus(spec.windows, now);
  if (w.open) return { run: true };
  if (opts.ignoreWindows && w.overrideAllowed) return { run: true };
  // w.description reads "closed; next opening Sun 2026-11-29 02:00 Europe/Paris".
  const why = opts.ignoreWindows ? `window ${w.description} (manualSync is off: --ignore-windows refused)` : `window ${w.description}`;
  return skip('waiting', why);
}

/** A backup must exist before the first change: prepend one when the plan has none. */
function withBackup(actions: Action[], instance: string): Action[] {
  const firstMutation = actions.findIndex((a) => MUTATING.has(a.kind));
  if (firstMutation < 0) return actions;
  const backupAt = actions.findIndex((a) => a.kind === 'backup');
  if (backupAt >= 0 && backupAt < firstMutation) return actions;
  return [{ kind: 'backup', instance }, ...actions.filter((a) => a.kind !== 'backup')];
}

export async function applyPlan(session: HostSession, client: ClientSpec, plan: Plan, opts: ApplyOptions = {}): Promise<ApplyResult> {
  const started = Date.now();
  const now = opts.now ?? (() => new Date());
  const runId = opts.runId ?? newRunId();
  const progress = async (e: Omit<ApplyProgress, 'client'>) => opts.onProgress?.({ client: client.name, ...e });
  const result: ApplyResult = { client: client.name, revision: plan.revision, instances: [], durationMs: 0 };
  const done = () => ({ ...result, durationMs: Date.now() - started });

  if (plan.unreachable) return { ...done(), error: plan.unreachable };

  const specs = new Map(client.instances.map((i) => [i.name, i]));
  const decisions = sequenceInstances(plan).map((ip) => ({ ip, d: decide(ip, specs.get(ip.instance), opts, now()) }));
  if (!decisions.some((x) => x.d.run)) {
    result.instances = decisions.map((x) => (x.d.run ? never() : x.d.result));
    return done();
  }

  let lock: ServerLock | undefined = opts.lock;
  if (!lock) {
    progress({ step: 'lock', status: 'start', message: 'taking the server lock' });
    try {
      lock = await acquireLock(session, client.name, { runId, waitMs: opts.lockWaitMs ?? 0, now: now() });
    } catch (err) {
      const message = errorMessage(err);
      progress({ step: 'lock', status: 'failed', message });
      result.instances = decisions.map((x) =>
        x.d.run ? { instance: x.ip.instance, outcome: 'skipped', detail: message, actions: x.ip.actions.map((action) => ({ action, outcome: 'skipped', durationMs: 0 })) } : x.d.result,
      );
      return { ...done(), error: message };
    }
  }
  const ownLock = !opts.lock;
  try {
    if (lock.takenOver) {
      const t = lock.takenOver;
      const msg = `took over a stale lock of run ${t.runId} (host ${t.host}, since ${t.since}): that run died mid-way`;
      progress({ step: 'lock', status: 'info', message: msg });
      await journal(session, { at: now().toISOString(), runId, client: client.name, revision: plan.revision, instance: '-', step: 'lock', outcome: 'stale-taken-over', detail: msg });
    }
    let failedBefore: string | null = null;
    for (const { ip, d } of decisions) {
      if (!d.run) {
        result.instances.push(d.result);
        continue;
      }
      const dep = ip.dependsOn ? result.instances.find((r) => r.instance === ip.dependsOn) : undefined;
      if (dep && dep.outcome !== 'applied' && dep.outcome !== 'unchanged') {
        // Production goes only after test succeeded in this same run.
        const detail = `not touched: ${dep.instance} must succeed first in the same run (it is ${dep.outcome}${dep.detail ? `: ${dep.detail}` : ''})`;
        result.instances.push({ instance: ip.instance, outcome: 'skipped', detail, actions: ip.actions.map((action) => ({ action, outcome: 'skipped', durationMs: 0 })) });
        progress({ instance: ip.instance, step: 'instance', status: 'info', message: detail });
        continue;
      }
      if (failedBefore) {
        result.instances.push({
          instance: ip.instance,
          outcome: 'skipped',
          detail: `not touched: instance ${failedBefore} failed earlier in this run`,
          actions: ip.actions.map((action) => ({ action, outcome: 'skipped', durationMs: 0 })),
        });
        progress({ instance: ip.instance, step: 'instance', status: 'info', message: `skipped: ${failedBefore} failed` });
        continue;
      }
      const ir = await applyInstance(session, client, specs.get(ip.instance)!, ip, plan.revision, runId, opts, now, progress);
      result.instances.push(ir);
      if (ir.outcome === 'failed' || ir.outcome === 'rolled-back') failedBefore = ip.instance;
    }
  } finally {
    if (ownLock) await lock.release().catch(() => undefined);
  }
  return done();
}

function never(): never {
  throw new Error('unreachable');
}

async function applyInstance(
  session: HostSession,
  client: ClientSpec,
  spec: InstanceSpec,
  ip: InstancePlan,
  revision: string,
  runId: string,
  opts: ApplyOptions,
  now: () => Date,
  progress: (e: Omit<ApplyProgress, 'client'>) => Promise<void>,
): Promise<InstanceResult> {
  const notes: string[] = [];
  const ctx: ExecContext = {
    session,
    client,
    instance: spec,
    live: opts.live?.reachable ? (opts.live.instances[spec.name] ?? null) : null,
    revision,
    runId,
    now,
    backup: null,
    healthTimeoutMs: opts.healthTimeoutMs ?? 60_000,
    upgraded: new Set(),
    note: (line) => notes.push(line),
  };
  const actions = withBackup(ip.actions, ip.instance);
  const results: ActionResult[] = [];
  let failure: { action: Action; err: ActionFailure } | null = null;
  let mutated = false;
  for (const action of actions) {
    if (failure) {
      results.push({ action, outcome: 'skipped', durationMs: 0 });
      continue;
    }
    await progress({ instance: ip.instance, step: action.kind, status: 'start', message: describe(action) });
    const t0 = Date.now();
    notes.length = 0;
    if (MUTATING.has(action.kind)) mutated = true;
    try {
      await execute(action, ctx);
      const r: ActionResult = { action, outcome: 'ok', durationMs: Date.now() - t0, ...(notes.length ? { output: notes.join('\n') } : {}) };
      results.push(r);
      progress({ instance: ip.instance, step: action.kind, status: 'ok', message: `${describe(action)} (${r.durationMs} ms)` });
      await journal(session, { at: now().toISOString(), runId, client: client.name, revision, instance: ip.instance, step: action.kind, outcome: 'ok', durationMs: r.durationMs });
    } catch (e) {
      const err = e instanceof ActionFailure ? e : new ActionFailure(errorMessage(e));
      failure = { action, err };
      const r: ActionResult = {
        action,
        outcome: 'failed',
        durationMs: Date.now() - t0,
        ...(err.command ? { command: err.command } : {}),
        output: trimOutput([err.message, err.output].filter(Boolean).join('\n')),
      };
      results.push(r);
      progress({ instance: ip.instance, step: action.kind, status: 'failed', message: err.message });
      await journal(session, { at: now().toISOString(), runId, client: client.name, revision, instance: ip.instance, step: action.kind, outcome: 'failed', durationMs: r.durationMs, ...(err.command ? { command: err.command } : {}), detail: err.message });
    }
  }
  if (!failure) return { instance: ip.instance, outcome: 'applied', actions: results };

  const what = `${failure.action.kind} failed: ${failure.err.message}`;
  if (!mutated || !ctx.backup) {
    const detail = mutated ? `${what}; no backup to restore (${ctx.backup ? '' : 'backup missing'})` : `${what}; nothing was changed`;
    return { instance: ip.instance, outcome: 'failed', detail, actions: results };
  }
  // Restore the pre-change state: image, config, addons commits, database, filestore.
  progress({ instance: ip.instance, step: 'rollback', status: 'start', message: `restoring ${ctx.backup.dir}` });
  const t0 = Date.now();
  try {
    await restoreBackup(ctx, ctx.backup);
    await httpHealth(ctx, spec.httpPort);
    progress({ instance: ip.instance, step: 'rollback', status: 'ok', message: `restored ${ctx.backup.dir} (${Date.now() - t0} ms)` });
    await journal(session, { at: now().toISOString(), runId, client: client.name, revision, instance: ip.instance, step: 'rollback', outcome: 'ok', durationMs: Date.now() - t0, detail: ctx.backup.dir });
    return { instance: ip.instance, outcome: 'rolled-back', detail: `${what}; restored the pre-change backup ${ctx.backup.dir}`, actions: results };
  } catch (e) {
    const err = e instanceof ActionFailure ? e : new ActionFailure(errorMessage(e));
    const detail = `${what}; ROLLBACK FAILED (${err.message}); backup kept at ${ctx.backup.dir}: restore by hand`;
    progress({ instance: ip.instance, step: 'rollback', status: 'failed', message: detail });
    await journal(session, { at: now().toISOString(), runId, client: client.name, revision, instance: ip.instance, step: 'rollback', outcome: 'failed', durationMs: Date.now() - t0, ...(err.command ? { command: err.command } : {}), detail });
    return { instance: ip.instance, outcome: 'failed', detail, actions: results };
  }
}

export function describe(a: Action): string {
  switch (a.kind) {
    case 'backup': return `backup ${a.instance}`;
    case 'pull-image': return `pull ${a.image}`;
    case 'checkout-addons': return `checkout ${a.repo.name} ${a.repo.ref}${a.toCommit ? ` (${a.toCommit.slice(0, 12)})` : ''}`;
    case 'write-config': return `write odoo.conf ${Object.keys(a.set).join(', ')}`;
    case 'switch-image': return `switch image ${a.from ?? '(none)'} -> ${a.to}`;
    case 'restart': return `restart ${a.instance}`;
    case 'install-modules': return `install ${a.modules.join(', ')}`;
    case 'upgrade-modules': return `upgrade ${a.modules.join(', ')}`;
    case 'uninstall-modules': return `uninstall ${a.modules.join(', ')}`;
    case 'health-check': return `health check ${a.instance}`;
    case 'record-revision': return `record revision ${a.revision.slice(0, 12)}`;
  }
}

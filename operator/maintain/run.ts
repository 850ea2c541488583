/**
 * `odoops maintain` for one client: OS updates inside the kind's own window.
 *
 *   window? -> connect -> OS state -> lock -> snapshot every deployed instance (verified dump;
 *   Odoo stopped) -> hold Odoo's packages (for good) and Docker's (for the update) -> apt-get
 *   update -> upgrade (unattended-upgrade for security, apt-get upgrade for os) -> Docker's
 *   holds put back as they were -> reboot if required -> reconnect -> start and health-check
 *   every deployed instance
 *
 * Before each step the window is asked again (the injected clock): once it has closed, the
 * run stops before that step. Whatever happens, instances the snapshot stopped are started
 * again and health-checked, and Docker's packages get back the hold state they had: a run
 * leaves the server serving. The sources are never touched,
 * so updates stay within the OS release; the Odoo images are never touched either.
 */
import type { ClientSpec } from '../desired/types.ts';
import { composeUp, guarded } from '../host/commands.ts';
import { aptHold, aptHoldDuring, aptReleaseHolds, aptUpdate, aptUpgrade, connectionCheck, reboot, unattendedUpgrade } from '../host/maintenance.ts';
import { instanceHealth } from '../apply/health.ts';
import { journalFor, type Journal } from '../apply/journal.ts';
import { newRunId, tryLock, type LockAttempt } from '../apply/lock.ts';
import { takeSnapshot } from '../apply/snapshot.ts';
import { ActionFailure, failureOf, protocolLines, type ExecContext } from '../apply/context.ts';
import { connectSsh, HostKeyMismatchError, type ConnectOptions, type HostSession } from '../live/ssh.ts';
import { NO_SECRETS } from '../reconcile/secrets.ts';
import { APT_CONF_DIR, UNATTENDED_NAME, unattendedUpgradesFiles } from '../render/unattended-upgrades.ts';
import { errorMessage } from '../util/errors.ts';
import { DOCKER_PACKAGES } from './holds.ts';
import { readOsState } from './os-state.ts';
import type { MaintenanceKind, MaintenanceReason, MaintenanceRun, OsState, StepName, StepResult } from './types.ts';
import { mayContinue, windowDecision } from './window.ts';

export interface StepEvent {
  client: string;
  step: StepName;
  instance?: string;
  phase: 'start' | 'end';
  result?: StepResult;
}

export interface MaintainOptions {
  kind: MaintenanceKind;
  ignoreWindows?: boolean;
  /** The one source of "now" (tests move it to close the window mid-way). */
  now?: () => Date;
  ssh?: ConnectOptions;
  /** How long an instance's /web/health may take to pass after the maintenance. Default 2 min. */
  healthTimeoutMs?: number;
  /** How long the server may take to come back after the reboot. Default 10 min. */
  rebootTimeoutMs?: number;
  onStep?: (e: StepEvent) => void;
}

/** The run stops before `step`: the window closed. */
class WindowClosed extends Error {
  constructor(readonly step: StepName) {
    super(`the window closed before ${step}`);
  }
}

/** A step failed: the run goes no further (instances are still started again). */
class StepFailed extends Error {
  constructor(readonly reason: MaintenanceReason) {
    super(reason.message);
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function maintainClient(spec: ClientSpec, opts: MaintainOptions): Promise<MaintenanceRun> {
  const now = opts.now ?? (() => new Date());
  const kind = opts.kind;
  const ignore = !!opts.ignoreWindows;
  const started = now();
  const t0 = Date.now();
  const runId = newRunId();
  const run: MaintenanceRun = {
    client: spec.name, kind, runId, startedAt: started.toISOString(), result: 'done', windowIgnored: false, steps: [], upgraded: [], held: [], heldDuring: [], keptHeld: [], released: [],
    rebooted: false, rebootRequired: false, before: null, after: null, snapshots: {}, durationMs: 0,
  };
  const finish = (): MaintenanceRun => ({ ...run, durationMs: Date.now() - t0 });

  const decision = windowDecision(spec, kind, started, ignore);
  if (!decision.go) {
    run.result = 'outside-window';
    run.reason = decision.reason;
    return finish();
  }
  run.windowIgnored = decision.ignored;

  let session: HostSession;
  try {
    session = await connectSsh(spec.name, spec.server, opts.ssh);
  } catch (err) {
    run.result = 'unreachable';
    run.reason = { code: err instanceof HostKeyMismatchError ? 'host-key-mismatch' : 'unreachable', message: errorMessage(err) };
    return finish();
  }
  let lock: LockAttempt | null = null;
  try {
    run.before = await readOsState(session, spec);
    run.rebootRequired = run.before.rebootRequired;
    lock = await tryLock(session, spec.name, { runId, command: `maintain --kind ${kind}`, now: now() });
    if (!lock.acquired) {
      run.result = lock.reason.code === 'locked' ? 'locked' : 'unreachable';
      run.reason = { code: lock.reason.code === 'locked' ? 'locked' : 'unreachable', message: lock.reason.message };
      return finish();
    }
    const state: RunState = { spec, kind, runId, now, session, journal: journalOf(session, spec, kind, runId, now), opts, run, stopped: [] };
    try {
      await state.journal.write({ instance: '-', step: 'maintain', outcome: 'start', detail: `${kind}${run.windowIgnored ? ' (--ignore-windows)' : ''}` });
      await maintenanceSteps(state, ignore);
    } catch (err) {
      if (err instanceof WindowClosed) {
        run.result = 'window-closed';
        run.stoppedBefore = err.step;
        run.reason = { code: 'window-closed', message: `${spec.name}: the maintenance.${kind} window closed; stopped before ${err.step}` };
      } else {
        run.result = 'failed';
        run.reason = err instanceof StepFailed ? err.reason : { code: 'internal', message: errorMessage(err) };
      }
    }
    // Whatever happened: Docker's holds as they were, and instances stopped for the snapshot, or
    // taken down by the reboot, serve again.
    if (!state.released) await releaseHolds(state).catch((err) => failRun(run, err));
    await restartInstances(state);
    session = state.session;
    lock = state.lock ?? lock;
    run.after = await readOsState(session, spec).catch(() => null);
    if (run.after) {
      run.rebootRequired = run.after.rebootRequired;
      run.upgraded = upgradedBetween(state.pendingBefore ?? null, run.after, kind);
    }
    await state.journal.write({ instance: '-', step: 'maintain', outcome: run.result, detail: run.reason?.message ?? `${run.upgraded.length} package(s) upgraded${run.rebooted ? ', rebooted' : ''}` });
    return finish();
  } catch (err) {
    run.result = 'failed';
    run.reason = { code: 'internal', message: errorMessage(err) };
    return finish();
  } finally {
    await lock?.release().catch(() => undefined);
    await session.close().catch(() => undefined);
  }
}

interface RunState {
  spec: ClientSpec;
  kind: MaintenanceKind;
  runId: string;
  now: () => Date;
  session: HostSession;
  journal: Journal;
  opts: MaintainOptions;
  run: MaintenanceRun;
  /** Instances whose Odoo the snapshot stopped (started again at the end). */
  stopped: string[];
  /** The OS state just before the upgrade (fresh lists). */
  pendingBefore?: OsState;
  /** The lock taken again after a reboot. */
  lock?: LockAttempt;
  /** Docker's holds were put back (release-holds ran). */
  released?: boolean;
}

function journalOf(session: HostSession, spec: ClientSpec, kind: MaintenanceKind, runId: string, now: () => Date): Journal {
  return journalFor(session, { runId, client: spec.name, revision: `maintenance-${kind}`, now, secrets: [] });
}

/** Runs one step, recorded and reported; a thrown error fails the run with the step named. */
async function step<T>(s: RunState, name: StepName, instance: string | undefined, body: () => Promise<{ value: T; detail?: string }>): Promise<T> {
  s.opts.onStep?.({ client: s.spec.name, step: name, instance, phase: 'start' });
  const t = Date.now();
  let result: StepResult;
  try {
    const { value, detail } = await body();
    result = { step: name, ...(instance ? { instance } : {}), outcome: 'ok', ...(detail ? { detail } : {}), durationMs: Date.now() - t };
    s.run.steps.push(result);
    s.opts.onStep?.({ client: s.spec.name, step: name, instance, phase: 'end', result });
    await s.journal.write({ instance: instance ?? '-', step: `maintain:${name}`, outcome: 'ok', durationMs: result.durationMs, ...(detail ? { detail } : {}) });
    return value;
  } catch (err) {
    const message = err instanceof ActionFailure && err.output ? `${err.message}` : errorMessage(err);
    result = { step: name, ...(instance ? { instance } : {}), outcome: 'failed', detail: message, durationMs: Date.now() - t };
    s.run.steps.push(result);
    s.opts.onStep?.({ client: s.spec.name, step: name, instance, phase: 'end', result });
    await s.journal.write({ instance: instance ?? '-', step: `maintain:${name}`, outcome: 'failed', durationMs: result.durationMs, detail: message });
    if (err instanceof StepFailed) throw err;
    throw new StepFailed({ code: name === 'health-check' ? 'unhealthy' : name === 'reconnect' ? 'reboot-timeout' : 'step-failed', message: `${s.spec.name}: ${name}${instance ? ` of ${instance}` : ''} failed: ${message}` });
  }
}

function skipped(s: RunState, name: StepName, detail: string): void {
  const result: StepResult = { step: name, outcome: 'skipped', detail, durationMs: 0 };
  s.run.steps.push(result);
  s.opts.onStep?.({ client: s.spec.name, step: name, phase: 'end', result });
}

async function exec(s: RunState, command: Parameters<typeof guarded>[0]): Promise<{ stdout: string }> {
  const res = await s.session.exec(guarded(command, s.runId));
  if (res.code !== 0) throw failureOf(res);
  return res;
}

async function maintenanceSteps(s: RunState, ignore: boolean): Promise<void> {
  const { spec, kind, run } = s;
  const checkpoint = (next: StepName): void => {
    if (!mayContinue(spec, kind, s.now(), ignore)) throw new WindowClosed(next);
  };
  const deployed = run.before!.deployed;

  // 1. A verified snapshot of every deployed instance (its database dumped and read back).
  checkpoint('snapshot');
  if (deployed.length === 0) skipped(s, 'snapshot', 'no instance is deployed on this server');
  for (const name of deployed) {
    const instance = spec.instances.find((i) => i.name === name)!;
    await step(s, 'snapshot', name, async () => {
      const ctx = execContext(s, instance);
      try {
        const ref = await takeSnapshot({ kind: 'snapshot', instance: name, database: true }, ctx);
        run.snapshots[name] = ref.dir;
        return { value: undefined, detail: ref.dir };
      } finally {
        if (ctx.touched.has('odoo-stopped')) s.stopped.push(name);
      }
    });
  }

  // 2. Odoo's packages held: maintenance never changes the Odoo series. Docker's held for the
  //    update: upgrading the engine would restart it and stop both instances mid-way.
  checkpoint('hold');
  const heldPackages = spec.security.heldPackages;
  await step(s, 'hold', undefined, async () => {
    const out = protocolLines((await exec(s, aptHold(heldPackages))).stdout.replace(/\t/g, ' '));
    run.held = out.get('HELD') ?? [];
    const docker = protocolLines((await exec(s, aptHoldDuring([...DOCKER_PACKAGES]))).stdout.replace(/\t/g, ' '));
    run.heldDuring = docker.get('HELD') ?? [];
    run.keptHeld = docker.get('KEPT') ?? [];
    const details = [
      run.held.length ? `held: ${run.held.join(', ')}` : `none of ${heldPackages.join(', ')} is installed`,
      ...(run.heldDuring.length ? [`held for the update: ${run.heldDuring.join(', ')}`] : []),
      ...(run.keptHeld.length ? [`already held: ${run.keptHeld.join(', ')}`] : []),
    ];
    return { value: undefined, detail: details.join('; ') };
  });

  // 3. Fresh package lists.
  checkpoint('update-lists');
  await step(s, 'update-lists', undefined, async () => {
    await exec(s, aptUpdate());
    return { value: undefined };
  });

  // 4. The updates: security only (unattended-upgrade, odoops' configuration), or everything within the release.
  checkpoint('upgrade');
  // Pending as the fresh lists say: what this run upgrades is what is no longer pending after it.
  s.pendingBefore = await readOsState(s.session, spec);
  await step(s, 'upgrade', undefined, async () => {
    if (kind === 'security') {
      const conf = unattendedUpgradesFiles(spec).find((f) => f.path === `${APT_CONF_DIR}/${UNATTENDED_NAME}`)!;
      const out = await exec(s, unattendedUpgrade(conf.path, conf.content));
      const wrote = out.stdout.split('\n').includes('WROTE');
      return { value: undefined, detail: wrote ? `unattended-upgrade (wrote ${conf.path} first)` : 'unattended-upgrade' };
    }
    await exec(s, aptUpgrade());
    return { value: undefined, detail: 'apt-get upgrade --with-new-pkgs' };
  });

  // 5. Docker's packages get their hold state back (not a window step: it only undoes step 2).
  await releaseHolds(s);

  // 6. Reboot only when a package asks for it, and only while the window is still open.
  const mid = await readOsState(s.session, spec);
  run.rebootRequired = mid.rebootRequired;
  if (!mid.rebootRequired) {
    skipped(s, 'reboot', 'no reboot required');
    return;
  }
  checkpoint('reboot');
  await step(s, 'reboot', undefined, async () => {
    await rebootAndReconnect(s);
    run.rebooted = true;
    return { value: undefined, detail: mid.rebootPackages.length ? `required by ${mid.rebootPackages.join(', ')}` : undefined };
  });
}

/** Unholds what this run (or one that died) held for the update only; the admin's holds stay. */
async function releaseHolds(s: RunState): Promise<void> {
  await step(s, 'release-holds', undefined, async () => {
    const out = protocolLines((await exec(s, aptReleaseHolds())).stdout.replace(/\t/g, ' '));
    s.run.released = out.get('UNHELD') ?? [];
    s.released = true;
    return { value: undefined, detail: s.run.released.length ? `unheld: ${s.run.released.join(', ')}` : 'nothing to unhold' };
  });
}

/** The first failure is the run's reason (a window closing mid-way is overridden by a failure). */
function failRun(run: MaintenanceRun, err: unknown): void {
  if (run.result === 'done' || run.result === 'window-closed') {
    run.result = 'failed';
    run.reason = err instanceof StepFailed ? err.reason : { code: 'internal', message: errorMessage(err) };
  }
}

/** An ExecContext for the snapshot executor shared with apply. */
function execContext(s: RunState, instance: ClientSpec['instances'][number]): ExecContext {
  return {
    session: s.session, client: s.spec, instance, live: null, revision: `maintenance-${s.kind}`, runId: s.runId, now: s.now, snapshot: null,
    touched: new Set(), healthTimeoutMs: s.opts.healthTimeoutMs ?? 120_000, upgraded: new Set(), secrets: NO_SECRETS, note: () => undefined,
    startedAt: null, served: false, healthyAt: null,
  };
}

/**
 * `systemctl reboot`, then: the old connection must stop answering (the server went down),
 * then a new connection (same pinned host key) and the lock again, within the deadline.
 */
async function rebootAndReconnect(s: RunState): Promise<void> {
  const deadline = Date.now() + (s.opts.rebootTimeoutMs ?? 10 * 60_000);
  const res = await s.session.exec(guarded(reboot(), s.runId));
  // The link may drop while `systemctl reboot` returns: that is the reboot too.
  if (res.code !== 0 && res.failure !== 'connection-lost') throw failureOf(res);
  for (;;) {
    const alive = await s.session.exec(connectionCheck()).catch(() => null);
    if (!alive || alive.failure === 'connection-lost' || alive.code !== 0) break;
    if (Date.now() > deadline) throw new StepFailed({ code: 'reboot-timeout', message: `${s.spec.name}: the server still answered on the old connection after the reboot was asked` });
    await sleep(500);
  }
  await s.session.close().catch(() => undefined);
  await step(s, 'reconnect', undefined, async () => {
    let last = '';
    for (;;) {
      try {
        s.session = await connectSsh(s.spec.name, s.spec.server, { ...s.opts.ssh, readyTimeoutMs: s.opts.ssh?.readyTimeoutMs ?? 10_000 });
        break;
      } catch (err) {
        if (err instanceof HostKeyMismatchError) throw err;
        last = errorMessage(err);
      }
      if (Date.now() > deadline) throw new StepFailed({ code: 'reboot-timeout', message: `${s.spec.name}: not back after the reboot: ${last}` });
      await sleep(1000);
    }
    s.journal = journalOf(s.session, s.spec, s.kind, s.runId, s.now);
    const lock = await tryLock(s.session, s.spec.name, { runId: s.runId, command: `maintain --kind ${s.kind}`, now: s.now(), waitMs: 30_000 });
    if (!lock.acquired) throw new StepFailed({ code: lock.reason.code === 'locked' ? 'step-failed' : 'reboot-timeout', message: `${s.spec.name}: after the reboot: ${lock.reason.message}` });
    s.lock = lock;
    return { value: undefined, detail: s.session.label };
  });
}

/** Starts every deployed instance (idempotent: `up -d`) and waits for /web/health. */
async function restartInstances(s: RunState): Promise<void> {
  const deployed = s.run.before?.deployed ?? [];
  if (deployed.length === 0) {
    skipped(s, 'health-check', 'no instance is deployed on this server');
    return;
  }
  for (const name of deployed) {
    const instance = s.spec.instances.find((i) => i.name === name)!;
    try {
      await step(s, 'start-instances', name, async () => {
        await exec(s, composeUp(name));
        return { value: undefined };
      });
      await step(s, 'health-check', name, async () => {
        await instanceHealth(execContext(s, instance), { scanLog: false });
        return { value: undefined, detail: `GET /web/login?db=${instance.database} on port ${instance.httpPort}: login form` };
      });
    } catch (err) {
      // The first failure is the run's reason; the other instances are still started.
      failRun(s.run, err);
    }
  }
}

/** Packages of this kind pending before and no longer pending after, with their versions. */
export function upgradedBetween(before: OsState | null, after: OsState, kind: MaintenanceKind): MaintenanceRun['upgraded'] {
  if (!before) return [];
  const candidates = kind === 'security' ? before.pending.security : [...before.pending.security, ...before.pending.other];
  const still = new Set([...after.pending.security, ...after.pending.other].map((p) => `${p.name}\u0000${p.to}`));
  return candidates.filter((p) => !still.has(`${p.name}\u0000${p.to}`)).map((p) => ({ name: p.name, from: p.from, to: p.to }));
}

/**
 * Level-triggered scheduling with an injected clock: scheduled drift at the cron time in the
 * fleet's zone (across DST changes), applies queued until their window opens, both across
 * a restart on the same state directory. Real config repos, the real operator; only the
 * drift and apply actions are the test's own (they are injected in the product too).
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fs from 'node:fs';
import path from 'node:path';
import { loadDesiredState } from '../../operator/desired/load.ts';
import { ConfigSource } from '../../operator/server/config-source.ts';
import { operatorDue } from '../../operator/server/due.ts';
import { latestFire, type RunDrift } from '../../operator/server/drift-schedule.ts';
import { startOperator, type RunningOperator } from '../../operator/server/index.ts';
import type { PendingApplyResult, RunPendingApply } from '../../operator/server/pending-applies.ts';
import { STATE_FILE, type DriftResult, type PendingApply } from '../../operator/server/state.ts';
import { commit, exampleRepo, readExample } from '../desired/helpers.ts';
import { FakeClock, captureLog, deferred, tempDir, testDecoder, until } from './helpers.ts';

const CLIENTS = ['acme', 'boreal', 'cobalt'];

interface Harness {
  op: RunningOperator;
  clock: FakeClock;
  drifts: { client: string; fire: string; revision: string }[];
  applies: { client: string; pending: PendingApply }[];
  log: ReturnType<typeof captureLog>;
}

async function start(opts: {
  stateDir: string;
  repoDir: string;
  clock: FakeClock;
  driftResult?: (client: string) => DriftResult | Promise<DriftResult | null> | null;
  applyResult?: (client: string, pending: PendingApply) => PendingApplyResult | Promise<PendingApplyResult | null> | null;
  onFireComplete?: (fire: string) => Promise<void>;
}): Promise<Harness> {
  const drifts: Harness['drifts'] = [];
  const applies: Harness['applies'] = [];
  const runDrift: RunDrift = async (client, config) => {
    const fire = latestFire(config.desired.fleet.operator.driftSchedule, config.desired.fleet.timezone, opts.clock.now())!;
    drifts.push({ client: client.name, fire: fire.toISOString(), revision: config.revision });
    return opts.driftResult ? opts.driftResult(client.name) : 'in-sync';
  };
  const runApply: RunPendingApply = async (client, pending) => {
    applies.push({ client, pending });
    return opts.applyResult ? opts.applyResult(client, pending) : { waiting: {} };
  };
  const log = captureLog();
  const op = await startOperator({
    listen: { host: '127.0.0.1', port: 0 },
    stateDir: opts.stateDir,
    concurrency: 4,
    intervalMs: 3_600_000,
    autoTick: false,
    log: log.log,
    clock: opts.clock,
    loadConfig: () => loadDesiredState({ repo: opts.repoDir }),
    decoders: { gitlab: testDecoder('t'), github: testDecoder('t') },
    wire: (core) => ({ onDelivery: () => undefined, due: operatorDue({ store: core.store, clock: core.clock, runDrift, runApply, ...(opts.onFireComplete ? { onDriftFireComplete: (fire) => opts.onFireComplete!(fire) } : {}) }) }),
  });
  return { op, clock: opts.clock, drifts, applies, log };
}

/** One pass, then wait for what it queued to finish. */
async function pass(h: Harness) {
  const r = await h.op.tick();
  await h.op.queue.idle();
  return r;
}

function repoWithSchedule(schedule: string): string {
  const { dir } = exampleRepo();
  commit(dir, { 'fleet.yaml': readExample('fleet.yaml').replace('driftSchedule: "0 6 * * *"', `driftSchedule: "${schedule}"`) }, 'drift schedule');
  return dir;
}

test('scheduled drift fires at 06:00 Europe/Paris on both sides of the spring DST change, once per client', async () => {
  const { dir } = exampleRepo();
  const clock = new FakeClock('2025-03-28T12:00:00Z');
  const h = await start({ stateDir: tempDir(), repoDir: dir, clock });
  try {
    // A fresh state starts counting now: no burst of checks at install time.
    assert.equal((await pass(h)).queued, []);
    clock.set('2025-03-29T04:59:59Z'); // 05:59:59 CET
    assert.equal((await pass(h)).queued, []);
    clock.set('2025-03-29T05:00:00Z'); // 06:00 CET (UTC+1)
    const r1 = await pass(h);
    assert.equal(r1.queued.sort(), CLIENTS.map((c) => `drift:${c}@2025-03-29T05:00:00.000Z`));
    assert.equal(h.drifts.map((d) => d.client).sort(), CLIENTS);
    clock.set('2025-03-29T18:00:00Z');
    assert.equal((await pass(h)).queued, [], 'answered fires are not run again');
    // The night of 29-30 March 2025 the clocks go from 02:00 CET to 03:00 CEST.
    clock.set('2025-03-30T03:59:59Z'); // 05:59:59 CEST
    assert.equal((await pass(h)).queued, []);
    clock.set('2025-03-30T04:00:00Z'); // 06:00 CEST (UTC+2): one hour earlier in UTC
    const r2 = await pass(h);
    assert.equal(r2.queued.sort(), CLIENTS.map((c) => `drift:${c}@2025-03-30T04:00:00.000Z`));
    assert.is(h.drifts.length, 6);
    assert.is(h.op.store.state.drift.lastSuccessAt, '2025-03-30T04:00:00.000Z');
    assert.equal(Object.values(h.op.store.state.drift.clients).map((c) => c.fire), CLIENTS.map(() => '2025-03-30T04:00:00.000Z'));
  } finally {
    await h.op.stop();
  }
});

test('a fire is reported complete once, after its last client answered (a failing check included)', async () => {
  const { dir } = exampleRepo();
  const clock = new FakeClock('2025-03-28T12:00:00Z');
  const completed: { fire: string; answered: number }[] = [];
  let h!: Harness;
  h = await start({
    stateDir: tempDir(), repoDir: dir, clock,
    driftResult: (client) => {
      if (client === 'boreal') throw new Error('boom');
      return 'drifted';
    },
    onFireComplete: async (fire) => {
      completed.push({ fire, answered: Object.values(h.op.store.state.drift.clients).filter((c) => c.fire === fire).length });
    },
  });
  try {
    await pass(h);
    clock.set('2025-03-29T05:00:00Z');
    await pass(h);
    assert.equal(completed, [{ fire: '2025-03-29T05:00:00.000Z', answered: CLIENTS.length }]);
    clock.set('2025-03-29T18:00:00Z');
    await pass(h);
    assert.is(completed.length, 1, 'not again without a new fire');
    clock.set('2025-03-30T04:00:00Z');
    await pass(h);
    assert.equal(completed.map((c) => c.fire), ['2025-03-29T05:00:00.000Z', '2025-03-30T04:00:00.000Z']);
  } finally {
    await h.op.stop();
  }
});

test('a schedule inside the DST gap or overlap fires once: 02:30 Paris on the spring and autumn change days', async () => {
  const dir = repoWithSchedule('30 2 * * *');
  const clock = new FakeClock('2025-03-29T12:00:00Z');
  const h = await start({ stateDir: tempDir(), repoDir: dir, clock });
  try {
    await pass(h);
    // 30 March 2025: 02:30 does not exist; the run happens at the first instant after the gap, 03:00 CEST.
    clock.set('2025-03-30T00:59:59Z');
    assert.equal((await pass(h)).queued, []);
    clock.set('2025-03-30T01:00:00Z');
    assert.is((await pass(h)).queued.length, 3);
    // 26 October 2025: 02:30 happens twice (CEST, then CET); the schedule fires on the first only.
    clock.set('2025-10-26T00:29:59Z');
    await pass(h);
    const before = h.drifts.length;
    clock.set('2025-10-26T00:30:00Z'); // 02:30 CEST
    assert.is((await pass(h)).queued.length, 3);
    clock.set('2025-10-26T01:30:00Z'); // 02:30 CET, the repeated hour
    assert.equal((await pass(h)).queued, []);
    assert.is(h.drifts.length, before + 3);
  } finally {
    await h.op.stop();
  }
});

test('fires missed while stopped are caught up once after a restart; drift results survive it', async () => {
  const { dir } = exampleRepo();
  const stateDir = tempDir();
  const clock = new FakeClock('2025-05-01T12:00:00Z');
  let h = await start({ stateDir, repoDir: dir, clock, driftResult: (c) => (c === 'boreal' ? 'drifted' : 'in-sync') });
  await pass(h);
  clock.set('2025-05-02T04:00:00Z'); // 06:00 CEST
  await pass(h);
  assert.is(h.drifts.length, 3);
  await h.op.stop();
  // Down for three days: three fires missed.
  clock.set('2025-05-05T09:00:00Z');
  h = await start({ stateDir, repoDir: dir, clock });
  try {
    assert.is(h.op.store.state.drift.clients.boreal!.result, 'drifted', 'the last result is remembered');
    const r = await pass(h);
    assert.equal(r.queued.sort(), CLIENTS.map((c) => `drift:${c}@2025-05-05T04:00:00.000Z`), 'only the latest fire, once');
    assert.is(h.drifts.length, 3);
    assert.is(h.op.store.state.drift.clients.boreal!.result, 'in-sync');
  } finally {
    await h.op.stop();
  }
});

test('a failed check keeps the run from counting as successful; a check stopped by shutdown runs again after the restart', async () => {
  const { dir } = exampleRepo();
  const stateDir = tempDir();
  const clock = new FakeClock('2025-06-01T12:00:00Z');
  let h = await start({ stateDir, repoDir: dir, clock, driftResult: (c) => { if (c === 'cobalt') throw new Error('probe crashed'); return 'in-sync'; } });
  try {
    await pass(h);
    clock.set('2025-06-02T04:00:00Z');
    await pass(h);
    assert.is(h.op.store.state.drift.clients.cobalt!.result, 'failed');
    assert.is(h.op.store.state.drift.lastSuccessAt, null);
  } finally {
    await h.op.stop();
  }
  // Next fire: acme's check is running when the operator stops, and stops at its safe point.
  clock.set('2025-06-03T04:00:00Z');
  const inside = deferred();
  const release = deferred();
  h = await start({
    stateDir, repoDir: dir, clock,
    driftResult: async (c) => {
      if (c !== 'acme') return 'in-sync';
      inside.resolve();
      await release.promise;
      return null; // stopped before answering
    },
  });
  await h.op.tick();
  await inside.promise;
  const stopping = h.op.stop();
  release.resolve();
  await stopping;
  assert.is(h.op.store.state.drift.clients.acme!.fire, '2025-06-02T04:00:00.000Z', 'not recorded as answered');
  h = await start({ stateDir, repoDir: dir, clock });
  try {
    const r = await pass(h);
    assert.ok(r.queued.includes('drift:acme@2025-06-03T04:00:00.000Z'), 'acme is checked after the restart');
    assert.is(h.op.store.state.drift.lastSuccessAt, '2025-06-03T04:00:00.000Z');
  } finally {
    await h.op.stop();
  }
});

test('a queued apply waits for its window, survives a restart, and runs when the clock reaches the opening', async () => {
  const { dir, head } = exampleRepo();
  const stateDir = tempDir();
  const clock = new FakeClock('2025-03-05T10:00:00Z');
  const mr = { platform: 'gitlab' as const, project: 'integrator/fleet-config', number: 12 };
  let h = await start({ stateDir, repoDir: dir, clock });
  h.op.store.queueApply('acme', { revision: head, mr, instances: { production: { nextOpening: '2025-03-09T01:00:00.000Z' } } });
  assert.equal((await pass(h)).queued, []);
  await h.op.stop();
  assert.ok(JSON.parse(fs.readFileSync(path.join(stateDir, STATE_FILE), 'utf8')).pendingApplies.acme, 'on disk');
  clock.set('2025-03-09T01:00:00Z');
  h = await start({ stateDir, repoDir: dir, clock, applyResult: () => ({ waiting: {} }) });
  try {
    assert.is(h.op.health().pendingApplies, 1);
    const r = await pass(h);
    assert.ok(r.queued.includes(`apply:acme@${head}`));
    assert.is(h.applies.length, 1);
    assert.equal(h.applies[0]!.pending.mr, mr);
    assert.is(h.applies[0]!.pending.revision, head);
    assert.equal(h.op.store.state.pendingApplies, {}, 'applied: nothing left waiting');
    assert.ok(h.log.lines.some((l) => l.event === 'job-finished' && l.kind === 'apply' && l.result === 'applied' && l.mr === '!12' && l.revision === head));
  } finally {
    await h.op.stop();
  }
});

test('an apply that leaves an instance waiting is due again at that instance\'s opening only', async () => {
  const { dir, head } = exampleRepo();
  const clock = new FakeClock('2025-03-09T01:00:00Z');
  const h = await start({
    stateDir: tempDir(), repoDir: dir, clock,
    applyResult: (_c, p): PendingApplyResult => (p.instances.test ? { waiting: { test: { nextOpening: '2025-03-10T07:00:00.000Z' } } } : { waiting: {} }),
  });
  try {
    h.op.store.queueApply('acme', { revision: head, mr: null, instances: { production: { nextOpening: '2025-03-09T01:00:00.000Z' }, test: { nextOpening: '2025-03-09T01:00:00.000Z' } } });
    await pass(h);
    assert.equal(h.op.store.state.pendingApplies.acme!.instances, { test: { nextOpening: '2025-03-10T07:00:00.000Z' } });
    const applies = (r: { queued: string[] }) => r.queued.filter((k) => k.startsWith('apply:'));
    clock.set('2025-03-10T06:59:00Z');
    assert.equal(applies(await pass(h)), []);
    clock.set('2025-03-10T07:00:00Z');
    assert.equal(applies(await pass(h)), [`apply:acme@${head}`]);
    assert.is(h.applies.length, 2);
  } finally {
    await h.op.stop();
  }
});

test('a newer merge supersedes the queued one; a client held by another MR is not applied until released', async () => {
  const { dir, head } = exampleRepo();
  const newer = commit(dir, { 'clients/acme.yaml': `${readExample('clients/acme.yaml')}\n# newer\n` }, 'newer');
  const clock = new FakeClock('2025-03-09T02:00:00Z');
  const h = await start({ stateDir: tempDir(), repoDir: dir, clock });
  try {
    const mr12 = { platform: 'gitlab' as const, project: 'p', number: 12 };
    const mr13 = { platform: 'gitlab' as const, project: 'p', number: 13 };
    const waiting = { production: { nextOpening: '2025-03-09T01:00:00.000Z' } };
    assert.is(h.op.store.queueApply('acme', { revision: head, mr: mr12, instances: waiting }), null);
    const replaced = h.op.store.queueApply('acme', { revision: newer, mr: mr13, instances: waiting });
    assert.is(replaced?.mr?.number, 12, 'the superseded entry is returned, to tell its MR');
    assert.equal(h.op.store.hold('acme', mr12, 'alice'), { held: true });
    const refused = h.op.store.hold('acme', mr13, 'bob');
    assert.is(refused.held, false);
    assert.equal((await pass(h)).queued, [], 'held by !12: !13\'s apply waits');
    assert.equal(h.op.store.releaseHolds(mr12), ['acme']);
    const r = await pass(h);
    assert.equal(r.queued, [`apply:acme@${newer}`]);
    assert.equal(h.applies.map((a) => a.pending.revision), [newer]);
  } finally {
    await h.op.stop();
  }
});

test('due work already queued or running is not queued again by later ticks', async () => {
  const { dir, head } = exampleRepo();
  const clock = new FakeClock('2025-03-09T02:00:00Z');
  const gate = deferred();
  const h = await start({ stateDir: tempDir(), repoDir: dir, clock, applyResult: async () => { await gate.promise; return { waiting: {} }; } });
  try {
    h.op.store.queueApply('boreal', { revision: head, mr: null, instances: { production: { nextOpening: '2025-03-09T01:00:00.000Z' } } });
    const first = await h.op.tick();
    await until(() => h.applies.length === 1, 'apply running');
    const second = await h.op.tick();
    assert.equal(first.queued, [`apply:boreal@${head}`]);
    assert.equal(second.queued, []);
    assert.equal(second.alreadyInFlight, [`apply:boreal@${head}`]);
    gate.resolve();
    await h.op.queue.idle();
    assert.is(h.applies.length, 1);
  } finally {
    await h.op.stop();
  }
});

test('config refreshes never overlap; a caller arriving during a fetch gets a fetch that started after its call', async () => {
  const clock = new FakeClock('2025-01-01T00:00:00Z');
  const { dir } = exampleRepo();
  let active = 0;
  let maxActive = 0;
  let calls = 0;
  const gates: ReturnType<typeof deferred>[] = [];
  const source = new ConfigSource(async () => {
    calls++;
    active++;
    maxActive = Math.max(maxActive, active);
    const g = deferred();
    gates.push(g);
    await g.promise;
    active--;
    return loadDesiredState({ repo: dir });
  }, clock);
  const a = source.refresh();
  const b = source.refresh();
  const c = source.refresh();
  assert.is(b, c, 'callers arriving during one fetch share the follow-up');
  await until(() => gates.length === 1, 'first fetch started');
  gates[0]!.resolve(undefined);
  await a;
  await until(() => gates.length === 2, 'follow-up started');
  gates[1]!.resolve(undefined);
  await b;
  assert.is(calls, 2);
  assert.is(maxActive, 1);
});

test.run();

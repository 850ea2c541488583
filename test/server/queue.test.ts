import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { WorkQueue, type JobContext, type JobOutcome, type QueueEvent } from '../../operator/server/queue.ts';
import { OdoopsError } from '../../operator/util/errors.ts';
import { FakeClock, deferred, until, type Deferred } from './helpers.ts';

const clock = new FakeClock('2025-01-01T00:00:00Z');

/** Jobs that wait on a barrier each, counting how many run at once overall and per key. */
function harness(concurrency: number) {
  const queue = new WorkQueue({ concurrency, clock });
  const running = new Map<string, number>();
  let now = 0;
  let maxOverall = 0;
  let maxPerKey = 0;
  const started: string[] = [];
  const barriers = new Map<string, Deferred>();
  const job = (key: string, name: string, kind = 'plan', coalesce?: string | null) => {
    const gate = deferred();
    barriers.set(name, gate);
    return queue.enqueue({
      key,
      kind,
      ...(coalesce !== undefined ? { coalesce } : {}),
      context: { client: key },
      run: async () => {
        started.push(name);
        now++;
        running.set(key, (running.get(key) ?? 0) + 1);
        maxOverall = Math.max(maxOverall, now);
        maxPerKey = Math.max(maxPerKey, running.get(key)!);
        await gate.promise;
        running.set(key, running.get(key)! - 1);
        now--;
        return name;
      },
    });
  };
  return {
    queue,
    job,
    started,
    release: (name: string) => barriers.get(name)!.resolve(),
    stats: () => ({ maxOverall, maxPerKey, now }),
  };
}

test('never two jobs on one client at once; at most `concurrency` jobs overall', async () => {
  const h = harness(2);
  const handles = [
    h.job('acme', 'a1'), h.job('acme', 'a2', 'apply'), h.job('acme', 'a3', 'drift'),
    h.job('boreal', 'b1'), h.job('cobalt', 'c1'), h.job('boreal', 'b2', 'apply'),
  ];
  await until(() => h.started.length === 2, 'two jobs started');
  // acme's first and boreal's first run; acme's others wait for a1, cobalt waits for a slot.
  assert.equal(h.started, ['a1', 'b1']);
  assert.equal(h.queue.snapshot().running.map((j) => j.key).sort(), ['acme', 'boreal']);
  assert.equal(h.queue.snapshot().queued.length, 4);
  h.release('a1');
  // The freed slot goes to the first queued job whose client is free: a2 (acme is free again).
  await until(() => h.started.length === 3, 'third job');
  assert.is(h.started[2], 'a2');
  h.release('b1');
  await until(() => h.started.length === 4, 'fourth job');
  assert.is(h.started[3], 'c1', 'a3 waits: acme is busy with a2, so cobalt goes first');
  for (const n of ['a2', 'c1', 'a3', 'b2']) {
    await until(() => h.started.includes(n), `${n} started`);
    h.release(n);
  }
  const outcomes = await Promise.all(handles.map((x) => x.outcome));
  assert.ok(outcomes.every((o) => o.status === 'succeeded'));
  assert.equal(h.stats(), { maxOverall: 2, maxPerKey: 1, now: 0 });
  await h.queue.idle();
});

test('a newer job for the same client and kind supersedes a queued older one, in its place in line', async () => {
  const h = harness(1);
  h.job('acme', 'running');
  await until(() => h.started.length === 1, 'first running');
  const old = h.job('acme', 'apply-old', 'apply');
  const other = h.job('boreal', 'boreal-apply', 'apply');
  const plan = h.job('acme', 'acme-plan', 'plan');
  const newer = h.job('acme', 'apply-new', 'apply');
  const o = await old.outcome;
  assert.equal(o, { status: 'superseded', by: newer.id });
  assert.equal(h.queue.snapshot().queued.map((j) => j.id), [newer.id, other.id, plan.id], 'the newer apply took the old one\'s place');
  for (const n of ['running', 'apply-new', 'boreal-apply', 'acme-plan']) {
    await until(() => h.started.includes(n), `${n} started`);
    h.release(n);
  }
  await h.queue.idle();
  assert.not.ok(h.started.includes('apply-old'), 'the superseded job never ran');
  assert.equal(h.started, ['running', 'apply-new', 'boreal-apply', 'acme-plan']);
});

test('a running job is never superseded; coalesce null keeps both; coalesce keys separate MRs', async () => {
  const h = harness(1);
  const first = h.job('acme', 'r1', 'apply');
  await until(() => h.started.length === 1, 'r1 running');
  const queued = h.job('acme', 'r2', 'apply');
  const keepA = h.job('acme', 'keepA', 'notify', null);
  const keepB = h.job('acme', 'keepB', 'notify', null);
  const mr1 = h.job('acme', 'plan-mr1', 'plan', 'plan:!1');
  const mr2 = h.job('acme', 'plan-mr2', 'plan', 'plan:!2');
  for (const n of ['r1', 'r2', 'keepA', 'keepB', 'plan-mr1', 'plan-mr2']) {
    await until(() => h.started.includes(n), `${n} started`);
    h.release(n);
  }
  for (const x of [first, queued, keepA, keepB, mr1, mr2]) assert.is((await x.outcome).status, 'succeeded');
});

test('failures are typed: code and transience from the error, "internal" otherwise; result words from resultOf', async () => {
  const queue = new WorkQueue({ concurrency: 3, clock });
  class Unreachable extends OdoopsError {
    readonly code = 'unreachable';
    readonly transient = true;
  }
  const a = queue.enqueue({ key: 'a', kind: 'apply', run: async () => { throw new Unreachable('acme: connection refused'); } });
  const b = queue.enqueue({ key: 'b', kind: 'apply', run: async () => { throw new TypeError('bug'); } });
  const c = queue.enqueue({ key: 'c', kind: 'drift', run: async () => ({ drifted: true }), resultOf: (v) => (v.drifted ? 'drifted' : 'in-sync') });
  const oa = await a.outcome;
  const ob = await b.outcome;
  const oc = await c.outcome;
  assert.is(oa.status, 'failed');
  if (oa.status === 'failed') assert.equal(oa.error, { code: 'unreachable', transient: true, message: 'acme: connection refused' });
  if (ob.status === 'failed') assert.equal(ob.error, { code: 'internal', transient: false, message: 'bug' });
  else assert.unreachable('b failed');
  assert.is(oc.status === 'succeeded' && oc.result, 'drifted');
});

test('stop: queued jobs never start, running ones get the abort signal and are waited for', async () => {
  const queue = new WorkQueue({ concurrency: 1, clock });
  const events: QueueEvent[] = [];
  queue.on((e) => events.push(e));
  const entered = deferred<JobContext>();
  const finish = deferred();
  let safePointReached = false;
  const running = queue.enqueue({
    key: 'acme',
    kind: 'apply',
    run: async (ctx) => {
      entered.resolve(ctx);
      await finish.promise;
      // The job's own safe point: it sees the signal and ends cleanly.
      safePointReached = ctx.signal.aborted;
      return 'stopped-at-safe-point';
    },
  });
  let queuedRan = false;
  const queued = queue.enqueue({ key: 'boreal', kind: 'apply', run: async () => { queuedRan = true; } });
  const ctx = await entered.promise;
  let stopped = false;
  const stopping = queue.stop().then(() => (stopped = true));
  assert.ok(ctx.signal.aborted, 'the running job was asked to stop');
  assert.equal(await queued.outcome, { status: 'cancelled', reason: 'stopping' });
  const late = queue.enqueue({ key: 'cobalt', kind: 'plan', run: async () => undefined });
  assert.equal(await late.outcome, { status: 'cancelled', reason: 'stopping' }, 'nothing new is accepted');
  await Promise.resolve();
  assert.not.ok(stopped, 'stop waits for the running job');
  finish.resolve();
  await stopping;
  const o = (await running.outcome) as JobOutcome<string>;
  assert.is(o.status === 'succeeded' && o.value, 'stopped-at-safe-point');
  assert.ok(safePointReached);
  assert.not.ok(queuedRan);
  assert.equal(events.filter((e) => e.type === 'started').map((e) => e.job.key), ['acme']);
});

test('concurrency must be a whole number of at least 1', () => {
  assert.throws(() => new WorkQueue({ concurrency: 0, clock }), /concurrency/);
  assert.throws(() => new WorkQueue({ concurrency: 1.5, clock }), /concurrency/);
});

test.run();

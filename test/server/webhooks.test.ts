/**
 * The webhook, health and metrics endpoints over real HTTP on 127.0.0.1 (random ports),
 * with a real config repo and the operator's real state directory.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { Readable } from 'node:stream';
import { loadDesiredState } from '../../operator/desired/load.ts';
import { startOperator, type RunningOperator } from '../../operator/server/index.ts';
import type { Delivery } from '../../operator/server/webhooks.ts';
import { exampleRepo } from '../desired/helpers.ts';
import { FakeClock, captureLog, deferred, metric, parseMetrics, request, tempDir, testDecoder, until, type TestEvent } from './helpers.ts';

const TOKEN = 'tok-3f9a1c77e2b54d08';
const LIMIT = 64 * 1024;
const repo = exampleRepo();

interface Harness {
  op: RunningOperator;
  delivered: Delivery<TestEvent>[];
  log: ReturnType<typeof captureLog>;
  hook(platform: 'gitlab' | 'github', opts: { token?: string; event?: string; delivery?: string; body?: string }): ReturnType<typeof request>;
}

async function start(stateDir: string, opts: { loadConfig?: () => ReturnType<typeof loadDesiredState>; handler?: (d: Delivery<TestEvent>) => void } = {}): Promise<Harness> {
  const log = captureLog(new Set([TOKEN]));
  const delivered: Delivery<TestEvent>[] = [];
  const op = await startOperator<TestEvent>({
    listen: { host: '127.0.0.1', port: 0 },
    stateDir,
    concurrency: 2,
    intervalMs: 3_600_000,
    autoTick: false,
    log: log.log,
    clock: new FakeClock('2025-03-01T10:00:00Z'),
    maxBodyBytes: LIMIT,
    loadConfig: opts.loadConfig ?? (() => loadDesiredState({ repo: repo.dir })),
    decoders: { gitlab: testDecoder(TOKEN), github: testDecoder(TOKEN) },
    wire: () => ({
      onDelivery: (d) => {
        opts.handler?.(d);
        delivered.push(d);
      },
      due: () => [],
    }),
  });
  const hook: Harness['hook'] = (platform, o) =>
    request(`${op.url}/hooks/${platform}`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        ...(o.token !== undefined ? { 'x-test-token': o.token } : {}),
        'x-test-event': o.event ?? 'merge_request',
        'x-test-delivery': o.delivery ?? 'd-1',
      },
      body: o.body ?? '{"object_kind":"merge_request"}',
    });
  return { op, delivered, log, hook };
}

test('bad or missing token: 401 and the handler never runs; the token never reaches the log', async () => {
  const h = await start(tempDir());
  try {
    const wrong = await h.hook('gitlab', { token: 'wrong' });
    const missing = await h.hook('github', {});
    assert.is(wrong.status, 401);
    assert.is(missing.status, 401);
    assert.equal(wrong.json(), { error: 'unauthorized' });
    assert.is(h.delivered.length, 0);
    const ok = await h.hook('gitlab', { token: TOKEN, delivery: 'after-401' });
    assert.is(ok.status, 202);
    assert.is(h.delivered.length, 1);
    // The log line of the refused delivery says why; neither the token nor a header holding it is logged.
    assert.ok(h.log.lines.some((l) => l.result === 'unauthorized' && l.reason === 'bad token'));
    h.op.log.info({ echoed: `config said ${TOKEN}`, headers: { 'x-gitlab-token': 'in-a-header' } }, `message with ${TOKEN}`);
    assert.not.ok(h.log.raw.some((l) => l.includes(TOKEN) || l.includes('in-a-header')), 'no secret in any line');
    assert.ok(h.log.raw.some((l) => l.includes('config said [secret]')));
  } finally {
    await h.op.stop();
  }
});

test('malformed JSON: 400; unsupported event: 202 ignored and logged; neither runs the handler', async () => {
  const h = await start(tempDir());
  try {
    const bad = await h.hook('gitlab', { token: TOKEN, body: '{"object_kind": ' });
    assert.is(bad.status, 400);
    assert.is(bad.json().error, 'malformed payload');
    const other = await h.hook('github', { token: TOKEN, event: 'star', delivery: 'star-1' });
    assert.is(other.status, 202);
    assert.equal(other.json(), { result: 'ignored', event: 'star' });
    assert.is(h.delivered.length, 0);
    assert.ok(h.log.lines.some((l) => l.event === 'webhook' && l.result === 'unsupported' && l.webhookEvent === 'star'));
  } finally {
    await h.op.stop();
  }
});

test('a body over the limit: 413 at once for a declared length, before the end for a streamed one', async () => {
  const h = await start(tempDir());
  try {
    // Declared too large: the answer comes although not one body byte was sent.
    const declared = await new Promise<number>((resolve, reject) => {
      const req = http.request(`${h.op.url}/hooks/gitlab`, {
        method: 'POST',
        agent: false,
        headers: { 'x-test-token': TOKEN, 'content-length': String(100 * 1024 * 1024) },
      });
      req.on('response', (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
        req.destroy();
      });
      req.on('error', reject);
      req.flushHeaders();
    });
    assert.is(declared, 413);

    // Streamed (chunked, no length): 256 MiB offered, produced only as fast as the server reads.
    const total = 256 * 1024 * 1024;
    const chunk = Buffer.alloc(16 * 1024, 0x61);
    let produced = 0;
    const body = new Readable({
      read() {
        if (produced >= total) return void this.push(null);
        produced += chunk.length;
        this.push(chunk);
      },
    });
    const answer = await new Promise<{ status: number; producedAtAnswer: number }>((resolve, reject) => {
      const req = http.request(`${h.op.url}/hooks/github`, { method: 'POST', agent: false, headers: { 'x-test-token': TOKEN, 'transfer-encoding': 'chunked' } });
      req.on('response', (res) => {
        res.resume();
        resolve({ status: res.statusCode ?? 0, producedAtAnswer: produced });
        body.unpipe(req);
        req.destroy();
      });
      // The server closing the connection mid-upload is expected once the 413 is out.
      req.on('error', (e: NodeJS.ErrnoException) => (['EPIPE', 'ECONNRESET'].includes(e.code ?? '') ? undefined : reject(e)));
      body.pipe(req);
    });
    assert.is(answer.status, 413);
    assert.ok(answer.producedAtAnswer < total / 4, `the answer came after ${answer.producedAtAnswer} of ${total} bytes`);
    const line = h.log.lines.find((l) => l.result === 'too_large' && l.platform === 'github');
    assert.ok(line, 'logged');
    // The server stopped reading just past the limit (one chunk of slack).
    assert.ok((line!.bytesRead as number) <= LIMIT + 64 * 1024, `server read ${line!.bytesRead} bytes`);
    assert.is(h.delivered.length, 0);
  } finally {
    await h.op.stop();
  }
});

test('the same delivery twice is processed once, also when both arrive together and after a restart', async () => {
  const dir = tempDir();
  let h = await start(dir);
  try {
    const first = await h.hook('gitlab', { token: TOKEN, delivery: 'uuid-1' });
    const again = await h.hook('gitlab', { token: TOKEN, delivery: 'uuid-1' });
    assert.is(first.status, 202);
    assert.equal(again.json(), { result: 'duplicate', deliveryId: 'uuid-1' });
    assert.is(again.status, 200);
    // The same id from the other forge is another delivery.
    assert.is((await h.hook('github', { token: TOKEN, delivery: 'uuid-1' })).status, 202);
    const together = await Promise.all([1, 2, 3].map(() => h.hook('github', { token: TOKEN, delivery: 'burst' })));
    assert.equal(together.map((r) => r.status).sort(), [200, 200, 202]);
    assert.equal(h.delivered.map((d) => `${d.platform}:${d.deliveryId}`), ['gitlab:uuid-1', 'github:uuid-1', 'github:burst']);
  } finally {
    await h.op.stop();
  }
  h = await start(dir);
  try {
    assert.is((await h.hook('gitlab', { token: TOKEN, delivery: 'uuid-1' })).status, 200, 'remembered across the restart');
    assert.is((await h.hook('github', { token: TOKEN, delivery: 'burst' })).status, 200);
    assert.is((await h.hook('gitlab', { token: TOKEN, delivery: 'uuid-2' })).status, 202);
    assert.equal(h.delivered.map((d) => d.deliveryId), ['uuid-2']);
    assert.ok(fs.existsSync(path.join(dir, 'deliveries.json')));
  } finally {
    await h.op.stop();
  }
});

test('a handler that throws answers 500 and the retry of that delivery is processed', async () => {
  let fail = true;
  const h = await start(tempDir(), {
    handler: () => {
      if (fail) throw new Error('queue full of surprises');
    },
  });
  try {
    assert.is((await h.hook('gitlab', { token: TOKEN, delivery: 'retry-me' })).status, 500);
    fail = false;
    assert.is((await h.hook('gitlab', { token: TOKEN, delivery: 'retry-me' })).status, 202);
    assert.is(h.delivered.length, 1);
  } finally {
    await h.op.stop();
  }
});

test('healthz: 503 "starting" until the first config read succeeds, then 200 "ready"; 503 while stopping', async () => {
  const gate = deferred();
  let fail = true;
  const h = await start(tempDir(), {
    loadConfig: async () => {
      await gate.promise;
      if (fail) throw new Error('cannot fetch config repo https://git.example.invalid/fleet.git: connection refused');
      return loadDesiredState({ repo: repo.dir });
    },
  });
  try {
    let r = await request(`${h.op.url}/healthz`);
    assert.is(r.status, 503);
    assert.is(r.json().status, 'starting');
    gate.resolve();
    await h.op.tick();
    r = await request(`${h.op.url}/healthz`);
    assert.is(r.status, 503, 'a failed first fetch is not ready');
    assert.match(r.json().config.lastError.message, /connection refused/);
    fail = false;
    const tick = await h.op.tick();
    assert.ok(tick.config.ok);
    r = await request(`${h.op.url}/healthz`);
    assert.is(r.status, 200);
    const body = r.json();
    assert.is(body.status, 'ready');
    assert.is(body.config.revision, repo.head);
    assert.is(body.config.lastError, null);
    assert.equal(body.jobs, { queued: 0, running: 0 });
    // A later failure keeps it ready (the last good state is used) and says so.
    fail = true;
    await h.op.tick();
    r = await request(`${h.op.url}/healthz`);
    assert.is(r.status, 200);
    assert.match(r.json().config.lastError.message, /connection refused/);
    // Unknown routes and methods; the status page slot at / is free for a later route.
    assert.is((await request(`${h.op.url}/`)).status, 404);
    assert.is((await request(`${h.op.url}/hooks/gitlab`)).status, 405);
    h.op.router.add('GET', '/', (_req, res) => void res.end('status page'));
    assert.is((await request(`${h.op.url}/`)).text, 'status page');
  } finally {
    await h.op.stop();
  }
  assert.ok(h.log.lines.some((l) => l.event === 'stopped'));
});

test('metrics: deliveries by result, runs by kind and result, durations, queue and state gauges', async () => {
  const h = await start(tempDir());
  try {
    await h.op.tick();
    await h.hook('gitlab', { token: 'nope' });
    await h.hook('gitlab', { token: TOKEN, delivery: 'm-1' });
    await h.hook('gitlab', { token: TOKEN, delivery: 'm-1' });
    await h.hook('github', { token: TOKEN, event: 'star', delivery: 's' });
    const gate = deferred();
    const running = h.op.queue.enqueue({ key: 'acme', kind: 'apply', run: () => gate.promise, resultOf: () => 'applied' });
    h.op.queue.enqueue({ key: 'acme', kind: 'plan', run: async () => undefined });
    h.op.queue.enqueue({ key: 'boreal', kind: 'drift', run: async () => { throw new Error('unreachable'); } });
    await until(() => h.op.queue.snapshot().running.length === 1 && h.op.queue.snapshot().queued.length === 1, 'acme apply running, plan queued');
    h.op.store.queueApply('acme', { revision: repo.head, mr: { platform: 'gitlab', project: 'g/p', number: 7 }, instances: { production: { nextOpening: '2025-03-02T01:00:00.000Z' } } });
    h.op.store.update((s) => {
      s.drift.lastSuccessAt = '2025-03-01T06:00:00.000Z';
      s.drift.clients.acme = { fire: '2025-03-01T05:00:00.000Z', checkedAt: '2025-03-01T05:01:00.000Z', result: 'drifted' };
      s.drift.clients.boreal = { fire: '2025-03-01T05:00:00.000Z', checkedAt: '2025-03-01T05:01:00.000Z', result: 'pending' };
    });
    let res = await request(`${h.op.url}/metrics`);
    assert.match(String(res.headers['content-type']), /^text\/plain/);
    let m = parseMetrics(res.text);
    assert.is(metric(m, 'odoops_webhook_deliveries_total', { platform: 'gitlab', result: 'unauthorized' }), 1);
    assert.is(metric(m, 'odoops_webhook_deliveries_total', { platform: 'gitlab', result: 'accepted' }), 1);
    assert.is(metric(m, 'odoops_webhook_deliveries_total', { platform: 'gitlab', result: 'duplicate' }), 1);
    assert.is(metric(m, 'odoops_webhook_deliveries_total', { platform: 'github', result: 'unsupported' }), 1);
    assert.is(metric(m, 'odoops_jobs', { state: 'running', kind: 'apply' }), 1);
    assert.is(metric(m, 'odoops_jobs', { state: 'queued', kind: 'plan' }), 1);
    assert.is(metric(m, 'odoops_runs_total', { kind: 'drift', result: 'failed' }), 1);
    assert.is(metric(m, 'odoops_queued_applies'), 1);
    assert.is(metric(m, 'odoops_drifting_clients'), 1);
    assert.is(metric(m, 'odoops_pending_clients'), 1, 'a change waiting for its window is pending, not drift');
    assert.is(metric(m, 'odoops_last_successful_drift_run_timestamp_seconds'), Date.parse('2025-03-01T06:00:00Z') / 1000);
    assert.is(metric(m, 'odoops_config_last_fetch_timestamp_seconds'), Date.parse('2025-03-01T10:00:00Z') / 1000);
    gate.resolve();
    await running.outcome;
    await h.op.queue.idle();
    res = await request(`${h.op.url}/metrics`);
    m = parseMetrics(res.text);
    assert.is(metric(m, 'odoops_runs_total', { kind: 'apply', result: 'applied' }), 1);
    assert.is(metric(m, 'odoops_runs_total', { kind: 'plan', result: 'ok' }), 1);
    assert.is(metric(m, 'odoops_run_duration_seconds_count', { kind: 'apply', result: 'applied' }), 1);
    assert.is(metric(m, 'odoops_run_duration_seconds_bucket', { kind: 'apply', result: 'applied', le: '+Inf' }), 1);
    assert.is(metric(m, 'odoops_jobs', { state: 'running', kind: 'apply' }), 0);
    // Job lines carry the run id, kind, client and result.
    assert.ok(h.log.lines.some((l) => l.event === 'job-finished' && l.kind === 'apply' && l.key === 'acme' && l.result === 'applied' && typeof l.runId === 'string' && typeof l.durationMs === 'number'));
  } finally {
    await h.op.stop();
  }
});

test('a second operator on the same state directory is refused while the first runs', async () => {
  const dir = tempDir();
  const h = await start(dir);
  try {
    const second = await start(dir).then(
      async (x) => {
        await x.op.stop();
        return null;
      },
      (e: Error) => e,
    );
    assert.match(second?.message ?? 'it started', /state directory .* is already in use by this process/);
  } finally {
    await h.op.stop();
  }
  const again = await start(dir);
  await again.op.stop();
});

test.run();

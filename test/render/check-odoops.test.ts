/**
 * check_odoops, the plugin behind the drift and backup-freshness services, run for real
 * (Debian's python3) against status documents on disk and over HTTP (loopback).
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { CHECK_ODOOPS_SCRIPT, STATUS_VERSION } from '../../operator/render/check-odoops.ts';
import { run } from '../../operator/sandbox/proc.ts';
import { tempDir } from './helpers.ts';

const dir = tempDir('check-odoops');
const plugin = path.join(dir, 'check_odoops');
fs.writeFileSync(plugin, CHECK_ODOOPS_SCRIPT, { mode: 0o755 });
const NOW = '2026-12-01T12:00:00Z';

test.after(() => fs.rmSync(dir, { recursive: true, force: true }));

function statusDoc(over: Record<string, unknown> = {}) {
  return {
    version: STATUS_VERSION,
    generatedAt: '2026-12-01T11:00:00Z',
    clients: [
      {
        name: 'acme',
        drift: { state: 'in-sync', items: [] },
        backups: [
          { instance: 'production', destination: 'ovh-gra', newestAt: '2026-12-01T01:05:00Z', check: 'ok' },
          { instance: 'production', destination: 'scaleway-par', newestAt: '2026-12-01T01:09:00Z', check: 'ok' },
          { instance: 'test', destination: 'ovh-gra', newestAt: '2026-11-28T01:05:00Z', check: 'ok' },
          { instance: 'test', destination: 'scaleway-par', newestAt: '2026-12-01T01:09:00Z', check: 'ok' },
        ],
      },
      { name: 'boreal', drift: { state: 'drifted', items: ['production: module crm installed by hand', 'test: image differs'] }, backups: [] },
      { name: 'cobalt', drift: { state: 'unknown' }, backups: [{ instance: 'production', destination: 'ovh-gra', newestAt: null }, { instance: 'production', destination: 'scaleway-par', newestAt: '2026-12-01T01:00:00Z', check: 'failed' }] },
    ],
    ...over,
  };
}

let n = 0;
async function check(doc: unknown, ...args: string[]): Promise<{ code: number; out: string }> {
  const file = path.join(dir, `status-${n++}.json`);
  fs.writeFileSync(file, typeof doc === 'string' ? doc : JSON.stringify(doc));
  return checkSource(file, ...args);
}

async function checkSource(source: string, ...args: string[]): Promise<{ code: number; out: string }> {
  const r = await run([plugin, '--status', source, '--now', NOW, ...args], { timeoutMs: 30000 });
  return { code: r.code, out: (r.stdout + r.stderr).trim() };
}

test('drift: in sync OK, drifted WARNING with the items, unknown state UNKNOWN', async () => {
  let r = await check(statusDoc(), '--client', 'acme', '--drift');
  assert.is(r.code, 0, r.out);
  assert.is(r.out, 'ODOOPS DRIFT OK - acme matches its desired state');
  r = await check(statusDoc(), '--client', 'boreal', '--drift');
  assert.is(r.code, 1, r.out);
  assert.is(r.out, 'ODOOPS DRIFT WARNING - boreal drifted: production: module crm installed by hand; test: image differs | items=2');
  r = await check(statusDoc(), '--client', 'cobalt', '--drift');
  assert.is(r.code, 3, r.out);
});

test('backup: all destinations fresh OK; one stale WARNING (degraded); none fresh CRITICAL', async () => {
  let r = await check(statusDoc(), '--client', 'acme', '--backup', 'production', '--max-age-hours', '26');
  assert.is(r.code, 0, r.out);
  assert.match(r.out, /^ODOOPS BACKUP OK - acme production: ovh-gra 10\.9 h, scaleway-par 10\.8 h \| 'ovh-gra_age'=10\.9h;26 'scaleway-par_age'=10\.8h;26$/);
  r = await check(statusDoc(), '--client', 'acme', '--backup', 'test', '--max-age-hours', '26');
  assert.is(r.code, 1, r.out);
  assert.match(r.out, /degraded: ovh-gra: newest 82\.9 h old \(fresh: scaleway-par 10\.8 h\)/);
  r = await check(statusDoc(), '--client', 'cobalt', '--backup', 'production', '--max-age-hours', '26');
  assert.is(r.code, 2, r.out);
  assert.match(r.out, /no fresh backup: ovh-gra: no snapshot; scaleway-par: repository check failed/);
  r = await check(statusDoc(), '--client', 'boreal', '--backup', 'production', '--max-age-hours', '26');
  assert.is(r.code, 2, r.out);
  assert.match(r.out, /no backup destination reported/);
  r = await check(statusDoc(), '--client', 'acme', '--backup', 'test', '--max-age-hours', '100');
  assert.is(r.code, 0, 'the threshold comes from the command line');
});

test('an old, foreign, unreadable or incomplete status is UNKNOWN, never OK', async () => {
  let r = await check(statusDoc({ generatedAt: '2026-11-29T11:00:00Z' }), '--client', 'acme', '--drift');
  assert.is(r.code, 3);
  assert.match(r.out, /status is 49\.0 h old/);
  r = await check(statusDoc({ version: 99 }), '--client', 'acme', '--drift');
  assert.is(r.code, 3);
  assert.match(r.out, /version 99, expected 1/);
  r = await check('{not json', '--client', 'acme', '--drift');
  assert.is(r.code, 3);
  assert.match(r.out, /cannot read status/);
  r = await checkSource(path.join(dir, 'missing.json'), '--client', 'acme', '--drift');
  assert.is(r.code, 3);
  r = await check(statusDoc(), '--client', 'nobody', '--drift');
  assert.is(r.code, 3);
  assert.match(r.out, /client nobody is not in the status/);
  r = await check(statusDoc(), '--client', 'acme', '--backup', 'production');
  assert.is(r.code, 3, 'a backup check needs its threshold');
  r = await check(statusDoc(), '--client', 'acme');
  assert.is(r.code, 3, 'usage errors are UNKNOWN, not argparse exit 2 (CRITICAL)');
});

test('the status can come from odoops serve over HTTP', async () => {
  const body = JSON.stringify(statusDoc());
  let hits = 0;
  const server = http.createServer((req, res) => {
    hits++;
    if (req.url !== '/status.json') return void res.writeHead(404).end();
    res.writeHead(200, { 'content-type': 'application/json' }).end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    const port = (server.address() as AddressInfo).port;
    let r = await checkSource(`http://127.0.0.1:${port}/status.json`, '--client', 'boreal', '--drift');
    assert.is(r.code, 1, r.out);
    r = await checkSource(`http://127.0.0.1:${port}/nothing`, '--client', 'boreal', '--drift');
    assert.is(r.code, 3, r.out);
    assert.match(r.out, /404/);
    assert.is(hits, 2);
  } finally {
    server.close();
  }
});

test.run();

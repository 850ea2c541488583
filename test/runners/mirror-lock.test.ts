// The config-repo mirror is fetched under a lock: concurrent loads in one process (webhooks
// arriving together) clone once and all read the same state; another process holding the
// flock of the mirror makes a fetch wait until it lets go; a clone never leaves a half-made
// mirror where readers look.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadDesiredState } from '../../operator/desired/load.ts';
import { cacheDir } from '../../operator/desired/repo.ts';
import { withMirrorLock } from '../../operator/desired/mirror-lock.ts';
import { commit, git, readExample } from '../desired/helpers.ts';

function bareRemote(): string {
  const base = fs.mkdtempSync(path.join(os.tmpdir(), 'odoops-mirror-'));
  const src = path.join(base, 'src');
  fs.mkdirSync(src);
  git(src, 'init', '-q', '-b', 'main');
  commit(src, { 'fleet.yaml': readExample('fleet.yaml'), 'clients/acme.yaml': readExample('clients/acme.yaml') }, 'fleet');
  const bare = path.join(base, 'config.git');
  spawnSync('git', ['clone', '-q', '--bare', src, bare]);
  process.env.XDG_CACHE_HOME = path.join(base, 'cache');
  return bare;
}

test('concurrent loads of a remote config repo: one clone, every load succeeds, no temporary directory left', async () => {
  const bare = bareRemote();
  const url = `file://${bare}`;
  const states = await Promise.all(Array.from({ length: 6 }, () => loadDesiredState({ repo: url })));
  assert.is(new Set(states.map((s) => s.revision)).size, 1);
  assert.equal(states[0]!.clients.map((c) => c.name), ['acme']);
  const entries = fs.readdirSync(cacheDir());
  assert.is(entries.filter((e) => e.endsWith('.git')).length, 1, entries.join(', '));
  assert.is(entries.filter((e) => e.includes('.tmp-')).length, 0, 'no half-made clone left');
});

test('in one process, holders of the lock of one directory never overlap', async () => {
  const dir = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'odoops-lock-')), 'mirror.git');
  let inside = 0;
  let most = 0;
  const order: number[] = [];
  await Promise.all(
    Array.from({ length: 5 }, (_, i) =>
      withMirrorLock(dir, async () => {
        inside++;
        most = Math.max(most, inside);
        await new Promise((r) => setImmediate(r));
        order.push(i);
        inside--;
      }),
    ),
  );
  assert.is(most, 1);
  assert.equal(order, [0, 1, 2, 3, 4], 'first come, first served');
});

test('another process holding the flock: the fetch waits for it, then proceeds', async () => {
  const dir = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'odoops-lock-')), 'mirror.git');
  // flock(1) in another process holds <dir>.lock until its stdin closes.
  const other = spawn('flock', ['--exclusive', `${dir}.lock`, 'sh', '-c', 'echo held; exec cat >/dev/null'], { stdio: ['pipe', 'pipe', 'inherit'] });
  await new Promise<void>((resolve) => other.stdout!.once('data', () => resolve()));
  let entered = false;
  const waiting = withMirrorLock(dir, async () => {
    entered = true;
  });
  // Bounded by events, not time: the other holder is still there, so nothing may have entered.
  for (let i = 0; i < 20; i++) await new Promise((r) => setImmediate(r));
  assert.is(entered, false, 'waits while the other process holds the lock');
  other.stdin!.end();
  await waiting;
  assert.is(entered, true);
});

test('a lock that cannot be had within the wait is a clear error', async () => {
  const dir = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'odoops-lock-')), 'mirror.git');
  const other = spawn('flock', ['--exclusive', `${dir}.lock`, 'sh', '-c', 'echo held; exec cat >/dev/null'], { stdio: ['pipe', 'pipe', 'inherit'] });
  await new Promise<void>((resolve) => other.stdout!.once('data', () => resolve()));
  try {
    const error = await withMirrorLock(dir, async () => undefined, { waitSeconds: 1 }).then(() => null, (err: Error) => err);
    assert.match(error?.message ?? 'no error', /cannot lock .*mirror\.git\.lock within 1 s/);
  } finally {
    other.stdin!.end();
  }
});

test.run();

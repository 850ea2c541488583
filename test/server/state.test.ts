import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fs from 'node:fs';
import path from 'node:path';
import { DeliveryLog, DELIVERIES_FILE } from '../../operator/server/deliveries.ts';
import { claimStateDir, PID_FILE } from '../../operator/server/state-dir.ts';
import { StateStore, STATE_FILE, type OperatorState } from '../../operator/server/state.ts';
import { FakeClock, tempDir } from './helpers.ts';

const SHA = 'a'.repeat(40);

test('the state file round-trips every field, is written atomically (no temp file left) and private', () => {
  const dir = tempDir();
  const clock = new FakeClock('2025-03-01T10:00:00Z');
  const store = new StateStore(dir, clock);
  const full: OperatorState = {
    version: 1,
    pendingApplies: {
      acme: { revision: SHA, mr: { platform: 'github', project: 'o/r', number: 4, url: 'https://github.com/o/r/pull/4' }, queuedAt: '2025-03-01T10:00:00.000Z', instances: { production: { nextOpening: '2025-03-02T01:00:00.000Z' }, test: { nextOpening: null } } },
      boreal: { revision: SHA, mr: null, queuedAt: '2025-03-01T10:00:00.000Z', instances: {} },
    },
    holds: { cobalt: { mr: { platform: 'gitlab', project: 'g/p', number: 9 }, since: '2025-03-01T09:00:00.000Z', by: 'alice' } },
    drift: { baseline: '2025-02-01T00:00:00.000Z', lastSuccessAt: null, clients: { acme: { fire: '2025-03-01T05:00:00.000Z', checkedAt: '2025-03-01T05:00:03.120Z', result: 'unreachable' } } },
  };
  store.update((s) => Object.assign(s, structuredClone(full)));
  assert.equal(new StateStore(dir, clock).state, full);
  assert.equal(fs.readdirSync(dir), [STATE_FILE]);
  assert.is(fs.statSync(path.join(dir, STATE_FILE)).mode & 0o777, 0o600);
});

test('a damaged, foreign or newer state file is refused with a message naming it', () => {
  const clock = new FakeClock('2025-03-01T10:00:00Z');
  const write = (content: string) => {
    const dir = tempDir();
    fs.writeFileSync(path.join(dir, STATE_FILE), content);
    return dir;
  };
  const err = (dir: string) => {
    try {
      new StateStore(dir, clock);
      return 'no error';
    } catch (e) {
      return (e as Error).message;
    }
  };
  assert.match(err(write('{"version": 1, "pendingApplies": {')), /state\.json is not valid JSON .*repair it or move it away/);
  assert.match(err(write('{"version": 2, "pendingApplies": {}}')), /written by a newer odoops \(state version 2, this one reads 1\)/);
  assert.match(
    err(write(JSON.stringify({ version: 1, pendingApplies: { acme: { revision: 'main', mr: null, queuedAt: '2025-03-01T10:00:00.000Z', instances: {} } }, holds: {}, drift: { baseline: null, clients: {}, lastSuccessAt: null } }))),
    /invalid operator state at \/pendingApplies\/acme\/revision: must match pattern/,
  );
});

test('a change whose write fails is not kept in memory', () => {
  const dir = tempDir();
  const store = new StateStore(dir, new FakeClock('2025-03-01T10:00:00Z'));
  store.queueApply('acme', { revision: SHA, mr: null, instances: {} });
  // The file's place taken by a non-empty directory: the rename over it fails.
  fs.rmSync(path.join(dir, STATE_FILE));
  fs.mkdirSync(path.join(dir, STATE_FILE, 'x'), { recursive: true });
  assert.throws(() => store.queueApply('boreal', { revision: SHA, mr: null, instances: {} }));
  assert.equal(Object.keys(store.state.pendingApplies), ['acme']);
});

test('settleApply leaves a newer merge queued meanwhile alone', () => {
  const store = new StateStore(tempDir(), new FakeClock('2025-03-01T10:00:00Z'));
  const newer = 'b'.repeat(40);
  store.queueApply('acme', { revision: SHA, mr: null, instances: { production: { nextOpening: null } } });
  store.queueApply('acme', { revision: newer, mr: null, instances: { production: { nextOpening: null } } });
  store.settleApply('acme', SHA, {});
  assert.is(store.state.pendingApplies.acme?.revision, newer);
  store.settleApply('acme', newer, {});
  assert.equal(store.state.pendingApplies, {});
});

test('seen deliveries are kept on disk, forgotten after their age or beyond the count', () => {
  const dir = tempDir();
  const clock = new FakeClock('2025-03-01T10:00:00Z');
  const limits = { maxAgeMs: 3600_000, maxEntries: 3 };
  const log = new DeliveryLog(dir, clock, limits);
  log.record('gitlab:a');
  clock.advance(1000);
  log.record('gitlab:b');
  assert.ok(new DeliveryLog(dir, clock, limits).has('gitlab:a'), 'survives reopening');
  log.record('gitlab:c');
  log.record('github:d');
  assert.is(log.size, 3);
  assert.not.ok(log.has('gitlab:a'), 'the oldest went beyond the count');
  clock.advance(3600_000);
  assert.not.ok(log.has('gitlab:c'), 'older than the age limit');
  log.record('github:e');
  const reopened = new DeliveryLog(dir, clock, limits);
  assert.is(reopened.size, 1);
  assert.ok(reopened.has('github:e'));
  fs.writeFileSync(path.join(dir, DELIVERIES_FILE), '{"version": 7}');
  assert.throws(() => new DeliveryLog(dir, clock, limits), /deliveries\.json: unknown format/);
});

test('the state directory: taken over from a dead process or a previous boot, refused while its holder lives', () => {
  const bootId = fs.readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
  const dir = tempDir();
  const pidFile = path.join(dir, PID_FILE);
  // A live process other than this one (our parent) holds it.
  fs.writeFileSync(pidFile, JSON.stringify({ pid: process.ppid, bootId }));
  assert.throws(() => claimStateDir(dir), new RegExp(`in use by odoops serve pid ${process.ppid}`));
  // The same pid, but from before a reboot: stale.
  fs.writeFileSync(pidFile, JSON.stringify({ pid: process.ppid, bootId: 'another-boot' }));
  let claim = claimStateDir(dir);
  assert.is(JSON.parse(fs.readFileSync(pidFile, 'utf8')).pid, process.pid);
  claim.release();
  assert.not.ok(fs.existsSync(pidFile));
  // A process that has exited: stale.
  fs.writeFileSync(pidFile, JSON.stringify({ pid: 2 ** 22 + 1, bootId }));
  claim = claimStateDir(dir);
  claim.release();
});

test.run();

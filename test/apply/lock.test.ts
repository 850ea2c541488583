import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { connectSsh, type HostSession } from '../../operator/live/ssh.ts';
import { tryLock, type LockAttempt, type ServerLock } from '../../operator/apply/lock.ts';
import { guarded } from '../../operator/host/commands.ts';
import { sandboxExec, sandboxFault } from '../../operator/sandbox/index.ts';
import { serverSpec, startSandbox, stopSandbox, type SandboxInfo } from '../util/sandbox.ts';
import { adhoc } from '../host/adhoc.ts';
import { processes, waitFor } from './server.ts';

let info: SandboxInfo | undefined;
const open: HostSession[] = [];

test.before(async () => {
  info = await startSandbox(1);
});
test.after(async () => {
  for (const s of open) await s.close();
  await stopSandbox(info);
});

const client = () => info!.servers[0]!.client;
async function connect(opts: { keepaliveIntervalMs?: number } = {}): Promise<HostSession> {
  const s = await connectSsh(client(), serverSpec(info!), { privateKeyPath: info!.privateKeyPath, ...opts });
  open.push(s);
  return s;
}
const onServer = async (script: string) => (await sandboxExec(info!, client(), ['sh', '-c', script])).stdout.trim();
const lockJson = () => onServer('cat /var/lib/odoops/lock.json 2>/dev/null || true');
function held(a: LockAttempt): ServerLock {
  if (!a.acquired) throw new Error(`lock refused: ${a.reason.code}: ${a.reason.message}`);
  return a;
}

test('a second run is refused (typed "locked") while the lock is held; clean release removes lock.json', async () => {
  const a = await connect();
  const b = await connect();
  const first = held(await tryLock(a, client(), { runId: 'run-one' }));
  assert.is(first.takenOver, null);
  assert.is(JSON.parse(await lockJson()).runId, 'run-one');
  const second = await tryLock(b, client(), { runId: 'run-two' });
  assert.is(second.acquired, false);
  if (!second.acquired) {
    assert.is(second.reason.code, 'locked');
    assert.is(second.holder?.runId, 'run-one');
    assert.match(second.reason.message, new RegExp(`^${client()} is locked by run run-one on host \\S+ since \\d{4}-\\d\\d-\\d\\dT`));
  }
  await first.release();
  assert.is(await lockJson(), '');
  const third = held(await tryLock(b, client(), { runId: 'run-two' }));
  assert.is(third.takenOver, null, 'a cleanly released lock is not stale');
  await third.release();
});

test('a waiting run gets the lock once the holder releases within --lock-timeout', async () => {
  const a = await connect();
  const b = await connect();
  const first = held(await tryLock(a, client(), { runId: 'holder' }));
  const waiting = tryLock(b, client(), { runId: 'waiter', waitMs: 60_000 });
  // Release only once the waiter is really waiting on the server (its flock -w is running).
  await waitFor('the waiter to wait', async () => ((await processes(info!, 'flock -w 60 9')).length ? true : undefined));
  await first.release();
  const second = held(await waiting);
  assert.is(second.takenOver, null);
  assert.is(JSON.parse(await lockJson()).runId, 'waiter');
  await second.release();
});

test('only the holder\'s commands run: a fenced command of another run refuses to start', async () => {
  const a = await connect();
  const lock = held(await tryLock(a, client(), { runId: 'fence-holder' }));
  try {
    const mine = await a.exec(guarded(adhoc(['true']), 'fence-holder'));
    assert.is(mine.code, 0, mine.stderr);
    const other = await a.exec(guarded(adhoc(['touch', '/tmp/odoops-fence-canary']), 'someone-else'));
    assert.is(other.code, 75);
    assert.match(other.stderr, /run someone-else does not hold the server lock \(holder: fence-holder\)/);
    assert.is(await onServer('test -e /tmp/odoops-fence-canary && echo ran || echo refused'), 'refused');
  } finally {
    await lock.release();
  }
  const after = await a.exec(guarded(adhoc(['true']), 'fence-holder'));
  assert.is(after.code, 75, 'a released lock fences its own run out too');
});

test('a run that dies holding the lock frees it; the next one sees it stale and its running commands are stopped first', async () => {
  const dying = await connect();
  held(await tryLock(dying, client(), { runId: 'dead-run' }));
  // A command of the dead run that would run for a long time (sleep 47.3 s under its fence).
  const long = dying.exec(guarded(adhoc(['sleep', '47.3']), 'dead-run'));
  await waitFor('the dead run\'s command', async () => ((await processes(info!, 'sleep 47.3')).length ? true : undefined));
  // The connection drops without a release (odoops killed): the kernel drops the flock.
  await dying.close();
  await long.catch(() => undefined);
  const b = await connect();
  const lock = held(await tryLock(b, client(), { runId: 'rescuer', waitMs: 30_000 }));
  assert.is(lock.takenOver?.runId, 'dead-run');
  assert.is(lock.stoppedCommands, 1);
  assert.equal(await processes(info!, 'sleep 47.3'), [], 'the dead run\'s command was stopped before the lock was granted');
  assert.is(JSON.parse(await lockJson()).runId, 'rescuer');
  await lock.release();
});

test('link lost while holding: the server drops the silent holder after the idle time', async () => {
  const a = await connect();
  held(await tryLock(a, client(), { runId: 'lost-link', idleMs: 2000 }));
  await sandboxFault({ dir: info!.dir, client: client(), fault: 'link-down' });
  // The holder gives up on its own once it has heard nothing for idleMs: wait for that, not for a time.
  await waitFor('the silent holder to exit', async () => ((await processes(info!, 'odoops-lock')).length === 0 ? true : undefined));
  await sandboxFault({ dir: info!.dir, client: client(), fault: 'link-up' });
  const b = await connect();
  const lock = held(await tryLock(b, client(), { runId: 'after-link', waitMs: 2000 }));
  assert.is(lock.takenOver?.runId, 'lost-link');
  await lock.release();
});

test('a server that never answers: tryLock gives up on its own deadline with a typed reason', async () => {
  // No keepalive: only tryLock's own deadline can end the wait.
  const a = await connect({ keepaliveIntervalMs: 0 });
  await sandboxFault({ dir: info!.dir, client: client(), fault: 'link-down' });
  try {
    const attempt = await tryLock(a, client(), { runId: 'no-answer', answerMs: 1500 });
    assert.is(attempt.acquired, false);
    if (!attempt.acquired) {
      assert.is(attempt.reason.code, 'unreachable');
      assert.match(attempt.reason.message, /the server lock did not answer within 2 s/);
    }
  } finally {
    await sandboxFault({ dir: info!.dir, client: client(), fault: 'link-up' });
  }
});

test.run();

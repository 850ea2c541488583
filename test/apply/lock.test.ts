import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { connectSsh, type HostSession } from '../../operator/live/ssh.ts';
import { acquireLock, LockHeldError } from '../../operator/apply/lock.ts';
import { sandboxExec, sandboxFault } from '../../operator/sandbox/index.ts';
import { serverSpec, startSandbox, stopSandbox, type SandboxInfo } from '../util/sandbox.ts';

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
async function connect(): Promise<HostSession> {
  const s = await connectSsh(client(), serverSpec(info!), { privateKeyPath: info!.privateKeyPath });
  open.push(s);
  return s;
}
const lockJson = async () => (await sandboxExec(info!, client(), ['sh', '-c', 'cat /var/lib/odoops/lock.json 2>/dev/null || true'])).stdout.trim();

test('a second run fails clearly while the lock is held; clean release removes lock.json', async () => {
  const a = await connect();
  const b = await connect();
  const first = await acquireLock(a, client(), { runId: 'run-one' });
  assert.is(first.takenOver, null);
  assert.is(JSON.parse(await lockJson()).runId, 'run-one');
  try {
    await acquireLock(b, client(), { runId: 'run-two' });
    assert.unreachable('second lock must fail');
  } catch (err) {
    assert.instance(err, LockHeldError);
    assert.match((err as Error).message, new RegExp(`^${client()} is locked by run run-one on host \\S+ since \\d{4}-\\d\\d-\\d\\dT`));
  }
  await first.release();
  assert.is(await lockJson(), '');
  const second = await acquireLock(b, client(), { runId: 'run-two' });
  assert.is(second.takenOver, null, 'a cleanly released lock is not stale');
  await second.release();
});

test('a waiting run gets the lock when the holder releases within --lock-timeout', async () => {
  const a = await connect();
  const b = await connect();
  const first = await acquireLock(a, client(), { runId: 'holder' });
  setTimeout(() => void first.release(), 1000);
  const t0 = Date.now();
  const second = await acquireLock(b, client(), { runId: 'waiter', waitMs: 10_000 });
  assert.ok(Date.now() - t0 >= 800, 'it waited');
  assert.is(second.takenOver, null);
  await second.release();
});

test('a run that dies holding the lock frees it; its leftover lock.json is reported as taken over', async () => {
  const dying = await connect();
  await acquireLock(dying, client(), { runId: 'dead-run' });
  // The connection drops without a release (odoops killed): the kernel drops the flock.
  await dying.close();
  const b = await connect();
  let lock = null;
  for (let i = 0; i < 50 && !lock; i++) {
    try {
      lock = await acquireLock(b, client(), { runId: 'rescuer' });
    } catch (err) {
      if (!(err instanceof LockHeldError)) throw err;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  assert.ok(lock, 'lock obtained after the dead run');
  assert.is(lock!.takenOver?.runId, 'dead-run');
  assert.is(JSON.parse(await lockJson()).runId, 'rescuer');
  await lock!.release();
});

test('link lost while holding: the server drops the silent holder after the idle time', async () => {
  const a = await connect();
  await acquireLock(a, client(), { runId: 'lost-link', idleMs: 2000 });
  await sandboxFault({ dir: info!.dir, client: client(), fault: 'link-down' });
  await new Promise((r) => setTimeout(r, 3500));
  await sandboxFault({ dir: info!.dir, client: client(), fault: 'link-up' });
  const b = await connect();
  const lock = await acquireLock(b, client(), { runId: 'after-link', waitMs: 2000 });
  assert.is(lock.takenOver?.runId, 'lost-link');
  await lock.release();
});

test.run();

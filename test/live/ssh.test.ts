import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { connectSsh, HostKeyMismatchError, type HostSession } from '../../operator/live/ssh.ts';
import { probeClient } from '../../operator/live/probe.ts';
import { sandboxExec, sandboxFault } from '../../operator/sandbox/index.ts';
import type { ClientSpec } from '../../operator/desired/types.ts';
import { serverSpec, startSandbox, stopSandbox, type SandboxInfo } from '../util/sandbox.ts';

let info: SandboxInfo | undefined;
let session: HostSession | undefined;

test.before(async () => {
  info = await startSandbox(1);
});
test.after(async () => {
  await session?.close();
  await stopSandbox(info);
});

const client = () => info!.servers[0]!.client;
const minimalSpec = (server = serverSpec(info!)): ClientSpec => ({ name: client(), server, instances: [] }) as unknown as ClientSpec;

test('pinned host key: connects, one session runs many commands, argv arrives intact', async () => {
  session = await connectSsh(client(), serverSpec(info!), { privateKeyPath: info!.privateKeyPath });
  const r = await session.exec(['printf', '%s|', 'a b', '$(id)', "it's", 'x\ny']);
  assert.is(r.code, 0);
  assert.is(r.stdout, "a b|$(id)|it's|x\ny|");
  const host = await session.exec(['hostname']);
  assert.is(host.stdout.trim(), client());
  const stdin = await session.exec(['cat'], { stdin: 'fed on stdin\n' });
  assert.is(stdin.stdout, 'fed on stdin\n');
});

test('wrong host key: refused with both fingerprints, nothing runs', async () => {
  const wrong = { ...serverSpec(info!), hostKey: 'SHA256:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA' };
  const s = info!.servers[0]!;
  try {
    await connectSsh(client(), wrong, { privateKeyPath: info!.privateKeyPath });
    assert.unreachable('should refuse');
  } catch (err) {
    assert.instance(err, HostKeyMismatchError);
    assert.is(
      (err as Error).message,
      `host key mismatch for ${client()} (${s.host}:${s.port}): expected SHA256:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA, got ${s.hostKey}; refusing to connect`,
    );
  }
  const live = await probeClient(minimalSpec(wrong), { privateKeyPath: info!.privateKeyPath });
  assert.is(live.reachable, false);
  assert.match(live.reachable ? '' : live.reason, /host key mismatch/);
});

test('exec timeout: killed on the server, reported with the command', async () => {
  const t0 = Date.now();
  const r = await session!.exec(['sleep', '41.5'], { timeoutMs: 1000 });
  assert.ok(Date.now() - t0 < 5000, `took ${Date.now() - t0} ms`);
  assert.is(r.code, 124);
  assert.ok(r.timedOut);
  assert.match(r.stderr, 'timed out after 1 s: sleep 41.5');
  const left = await sandboxExec(info!, client(), ['sh', '-c', 'pgrep -f "^[s]leep 41.5" || true']);
  assert.is(left.stdout.trim(), '', 'no sleep left running on the server');
});

test('link down: unreachable within the ready timeout, never a throw', async () => {
  await sandboxFault({ dir: info!.dir, client: client(), fault: 'link-down' });
  try {
    const t0 = Date.now();
    const live = await probeClient(minimalSpec(), { privateKeyPath: info!.privateKeyPath, readyTimeoutMs: 2000 });
    const took = Date.now() - t0;
    assert.is(live.reachable, false);
    assert.match(live.reachable ? '' : live.reason, /cannot reach/);
    assert.ok(took < 5000, `took ${took} ms`);
  } finally {
    await sandboxFault({ dir: info!.dir, client: client(), fault: 'link-up' });
  }
  const again = await probeClient(minimalSpec(), { privateKeyPath: info!.privateKeyPath });
  assert.is(again.reachable, true);
});

test('sshd stopped: unreachable (connection refused)', async () => {
  await sandboxFault({ dir: info!.dir, client: client(), fault: 'sshd-stop' });
  try {
    const live = await probeClient(minimalSpec(), { privateKeyPath: info!.privateKeyPath, readyTimeoutMs: 2000 });
    assert.is(live.reachable, false);
    assert.match(live.reachable ? '' : live.reason, /cannot reach .*ECONNREFUSED/);
  } finally {
    await sandboxFault({ dir: info!.dir, client: client(), fault: 'sshd-start' });
  }
});

test.run();

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { connectSsh, HostKeyMismatchError, type HostSession } from '../../operator/live/ssh.ts';
import { probeClient } from '../../operator/live/probe.ts';
import { sandboxExec, sandboxFault } from '../../operator/sandbox/index.ts';
import { adhoc } from '../host/adhoc.ts';
import { processes, waitFor } from '../apply/server.ts';
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
  const r = await session.exec(adhoc(['printf', '%s|', 'a b', '$(id)', "it's", 'x\ny']));
  assert.is(r.code, 0);
  assert.is(r.stdout, "a b|$(id)|it's|x\ny|");
  const host = await session.exec(adhoc(['hostname']));
  assert.is(host.stdout.trim(), client());
  const stdin = await session.exec(adhoc(['cat'], { stdin: 'fed on stdin\n' }));
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
  assert.is(live.reachable ? '' : live.code, 'host-key-mismatch');
  assert.match(live.reachable ? '' : live.reason, /host key mismatch/);
});

test('exec timeout: killed on the server, reported with the command', async () => {
  // The command would run 41.5 s: it ends because the server killed it, not because it finished.
  const r = await session!.exec(adhoc(['sleep', '41.5'], { timeoutMs: 1000, label: 'sleep 41.5' }));
  assert.is(r.code, 124);
  assert.is(r.failure, 'timeout');
  assert.match(r.stderr, 'timed out after 1 s: sleep 41.5');
  assert.equal(await processes(info!, 'sleep 41.5'), [], 'no sleep left running on the server');
});

test('output is read back up to a limit: a runaway command is stopped and fails clearly', async () => {
  const limit = 1024 * 1024;
  // 64 MiB of output would be read in full without the limit.
  const r = await session!.exec(adhoc(['sh', '-c', 'head -c 67108864 /dev/zero; sleep 41.6'], { maxOutputBytes: limit, label: 'flood' }));
  assert.is(r.failure, 'output-limit');
  assert.is.not(r.code, 0);
  assert.ok(r.stdout.length <= limit, `read ${r.stdout.length} bytes`);
  assert.match(r.stderr, /output over the 1 MiB limit: stopped flood/);
  // The server-side command was killed too: nothing of it keeps running.
  await waitFor('the flood to be stopped on the server', async () => ((await processes(info!, 'sleep 41.6')).length === 0 ? true : undefined));
  // The default limit (16 MiB) applies without asking.
  const big = await session!.exec(adhoc(['head', '-c', String(17 * 1024 * 1024), '/dev/zero']));
  assert.is(big.failure, 'output-limit');
});

test('link down: unreachable within the ready timeout, never a throw', async () => {
  await sandboxFault({ dir: info!.dir, client: client(), fault: 'link-down' });
  try {
    // The ready timeout ends the attempt (a dead link never answers): unreachable, typed.
    const live = await probeClient(minimalSpec(), { privateKeyPath: info!.privateKeyPath, readyTimeoutMs: 2000 });
    assert.is(live.reachable, false);
    assert.is(live.reachable ? '' : live.code, 'unreachable');
    assert.match(live.reachable ? '' : live.reason, /^cannot reach /);
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

import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { connectSsh, UnreachableError } from '../../operator/live/ssh.ts';
import { adhoc } from '../host/adhoc.ts';
import { sandboxExec, sandboxFault } from '../../operator/sandbox/index.ts';
import { serverSpec, startSandbox, stopSandbox, type SandboxInfo } from '../util/sandbox.ts';

const t = suite('sandbox faults');
let info: SandboxInfo | undefined;
let client = '';

t.before(async () => {
  info = await startSandbox(1);
  client = info.servers[0]!.client;
});
t.after(async () => {
  await stopSandbox(info);
});

/** Try to connect and run `true`; returns the error (or null) and how long it took. */
async function attempt(readyTimeoutMs: number): Promise<{ err: Error | null; ms: number }> {
  const start = Date.now();
  try {
    const s = await connectSsh(client, serverSpec(info!), { privateKeyPath: info!.privateKeyPath, readyTimeoutMs });
    const r = await s.exec(adhoc(['true']));
    await s.close();
    assert.is(r.code, 0);
    return { err: null, ms: Date.now() - start };
  } catch (err) {
    return { err: err as Error, ms: Date.now() - start };
  }
}

const psql = ['psql', '-h', '/var/run/postgresql', '-U', 'odoo', '-d', 'postgres', '-Atc', 'SELECT 42'];

t('link-down: a connection attempt fails within the ready timeout; link-up restores it', async () => {
  assert.is((await attempt(3000)).err, null);
  await sandboxFault({ dir: info!.dir, client, fault: 'link-down' });
  const down = await attempt(1500);
  assert.instance(down.err, UnreachableError);
  assert.ok(down.ms < 5000, `failed after ${down.ms} ms`);
  await sandboxFault({ dir: info!.dir, client, fault: 'link-up' });
  const up = await attempt(3000);
  assert.is(up.err, null, String(up.err));
});

t('sshd-stop: connections are refused at once; sshd-start brings SSH back with the same host key', async () => {
  await sandboxFault({ dir: info!.dir, client, fault: 'sshd-stop' });
  const stopped = await attempt(3000);
  assert.instance(stopped.err, UnreachableError);
  assert.match(stopped.err!.message, /ECONNREFUSED/);
  await sandboxFault({ dir: info!.dir, client, fault: 'sshd-start' });
  assert.is((await attempt(3000)).err, null, 'same pinned key still matches');
});

t('db-stop: PostgreSQL stops answering inside the server; db-start restarts it with its data', async () => {
  assert.is((await sandboxExec(info!, client, ['createdb', '-h', '/var/run/postgresql', '-U', 'odoo', 'kept'])).code, 0);
  await sandboxFault({ dir: info!.dir, client, fault: 'db-stop' });
  const r = await sandboxExec(info!, client, psql);
  assert.is.not(r.code, 0);
  assert.match(r.stderr, /No such file|could not connect|connection/i);
  await sandboxFault({ dir: info!.dir, client, fault: 'db-start' });
  const again = await sandboxExec(info!, client, ['psql', '-h', '/var/run/postgresql', '-U', 'odoo', '-d', 'kept', '-Atc', 'SELECT 42']);
  assert.is(again.stdout.trim(), '42', again.stderr);
});

t('a fault on an unknown client names the known ones', async () => {
  try {
    await sandboxFault({ dir: info!.dir, client: 'nobody', fault: 'link-down' });
    assert.unreachable();
  } catch (err) {
    assert.match((err as Error).message, `no client "nobody"`);
    assert.match((err as Error).message, client);
  }
});

t.run();

import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { NodeSSH } from 'node-ssh';
import { parse } from 'yaml';
import { connectSsh, fingerprint, HostKeyMismatchError, type HostSession } from '../../operator/live/ssh.ts';
import { loadDesiredState } from '../../operator/desired/index.ts';
import { dbPasswordOf, renderInstance } from '../../operator/render/instance.ts';
import { adhoc } from '../host/adhoc.ts';
import { sandboxExec } from '../../operator/sandbox/index.ts';
import { run } from '../../operator/sandbox/proc.ts';
import { serverSpec, startSandbox, stopSandbox, type SandboxInfo } from '../util/sandbox.ts';

const t = suite('sandbox servers');
let info: SandboxInfo | undefined;
const sessions: HostSession[] = [];

t.before(async () => {
  info = await startSandbox(2);
});
t.after(async () => {
  for (const s of sessions) await s.close().catch(() => {});
  await stopSandbox(info);
});

async function connect(client: string, hostKey?: string): Promise<HostSession> {
  const spec = serverSpec(info!, client);
  const s = await connectSsh(client, hostKey ? { ...spec, hostKey } : spec, { privateKeyPath: info!.privateKeyPath, readyTimeoutMs: 5000 });
  sessions.push(s);
  return s;
}

t('each server answers over SSH with its pinned host key, as root, with its own hostname', async () => {
  for (const s of info!.servers) {
    const ssh = await connect(s.client);
    const r = await ssh.exec(adhoc(['sh', '-c', 'id -u; hostname; cat /etc/hostname']));
    assert.is(r.code, 0, r.stderr);
    assert.equal(r.stdout.trim().split('\n'), ['0', s.client, s.client]);
  }
});

t('host key fingerprints are exactly what ssh-keygen -lf prints', async () => {
  for (const s of info!.servers) {
    const out = await run(['ssh-keygen', '-lf', path.join(info!.dir, 'servers', s.client, 'ssh_host_ed25519_key.pub')]);
    assert.is(out.stdout.split(' ')[1], s.hostKey);
    assert.match(s.hostKey, /^SHA256:[A-Za-z0-9+/]{43}$/);
  }
});

t('a wrong pinned fingerprint is refused before anything runs', async () => {
  const other = info!.servers[1]!.hostKey; // a real key, but another server's
  try {
    await connect(info!.servers[0]!.client, other);
    assert.unreachable('connected with a wrong host key');
  } catch (err) {
    assert.instance(err, HostKeyMismatchError);
    assert.match((err as Error).message, info!.servers[0]!.hostKey);
  }
});

t('raw node-ssh hostVerifier: the presented key hashes to the pinned fingerprint, a mismatch aborts', async () => {
  const s = info!.servers[0]!;
  const privateKey = await readFile(info!.privateKeyPath, 'utf8');
  const seen: string[] = [];
  const ok = new NodeSSH();
  await ok.connect({ host: s.host, port: s.port, username: s.user, privateKey, readyTimeout: 5000, hostVerifier: (key: Buffer) => (seen.push(fingerprint(key)), fingerprint(key) === s.hostKey) });
  assert.is((await ok.execCommand('echo ok')).stdout, 'ok');
  ok.dispose();
  assert.equal(seen, [s.hostKey]);
  const bad = new NodeSSH();
  let refused = false;
  await bad
    .connect({ host: s.host, port: s.port, username: s.user, privateKey, readyTimeout: 5000, hostVerifier: () => false })
    .catch(() => (refused = true));
  bad.dispose();
  assert.ok(refused, 'connection must fail when the verifier says no');
});

t('key-only authentication: a key that is not authorised is rejected', async () => {
  const s = info!.servers[0]!;
  const hostKeyFile = path.join(info!.dir, 'servers', s.client, 'ssh_host_ed25519_key'); // some other ed25519 key
  const ssh = new NodeSSH();
  const err = await ssh
    .connect({ host: s.host, port: s.port, username: 'root', privateKey: await readFile(hostKeyFile, 'utf8'), readyTimeout: 5000, hostVerifier: () => true })
    .then(() => null, (e: Error) => e);
  ssh.dispose();
  assert.ok(err, 'must not log in');
  assert.match(String(err?.message), /authentication/i);
});

t('SSH sessions and sandboxExec put the odoo/docker stand-ins (copied into the sandbox directory) first on PATH', async () => {
  const STANDINS = path.join(info!.dir, 'runtime/standins/bin');
  const ssh = await connect(info!.servers[0]!.client);
  const r = await ssh.exec(adhoc(['sh', '-c', 'echo "$PATH"']));
  assert.is(r.stdout.trim().split(':')[0], STANDINS);
  const e = await sandboxExec(info!, info!.servers[0]!.client, ['sh', '-c', 'echo "$PATH"']);
  assert.is(e.stdout.trim().split(':')[0], STANDINS);
});

t('each server has its own /srv, /var/lib/odoops and /root; the machine has neither file', async () => {
  const [a, b] = info!.servers.map((s) => s.client) as [string, string];
  const w = await sandboxExec(info!, a, ['sh', '-c', 'echo mine > /srv/marker && mkdir -p /var/lib/odoops && echo x > /var/lib/odoops/marker && echo r > /root/marker']);
  assert.is(w.code, 0, w.stderr);
  const ra = await sandboxExec(info!, a, ['cat', '/srv/marker', '/var/lib/odoops/marker', '/root/marker']);
  assert.is(ra.stdout, 'mine\nx\nr\n');
  const rb = await sandboxExec(info!, b, ['sh', '-c', 'ls /srv/marker /var/lib/odoops/marker /root/marker 2>&1; true']);
  assert.is((rb.stdout.match(/No such file/g) ?? []).length, 3, rb.stdout);
  for (const f of ['/srv/marker', '/var/lib/odoops/marker', '/root/marker']) assert.not.ok(existsSync(f), `${f} leaked to the machine`);
  const os = await sandboxExec(info!, a, ['sh', '-c', '. /etc/os-release && echo "$ID $VERSION_ID"']);
  assert.is(os.stdout.trim(), 'ubuntu 22.04');
});

t('PostgreSQL 15 answers inside each server (socket and 127.0.0.1), role odoo may create databases', async () => {
  for (const s of info!.servers) {
    const sock = await sandboxExec(info!, s.client, ['psql', '-h', '/var/run/postgresql', '-U', 'odoo', '-d', 'postgres', '-Atc', 'SHOW server_version_num']);
    assert.is(sock.code, 0, sock.stderr);
    assert.match(sock.stdout, /^15\d{4}/);
    const ssh = await connect(s.client);
    const tcp = await ssh.exec(adhoc(['psql', '-h', '127.0.0.1', '-U', 'odoo', '-d', 'postgres', '-Atc', 'SELECT rolcreatedb FROM pg_roles WHERE rolname = current_user']));
    assert.is(tcp.stdout.trim(), 't', tcp.stderr);
  }
  // Databases are per server: one created on the first server does not exist on the second.
  const [a, b] = info!.servers.map((s) => s.client) as [string, string];
  assert.is((await sandboxExec(info!, a, ['createdb', '-h', '/var/run/postgresql', '-U', 'odoo', 'only_here'])).code, 0);
  const list = await sandboxExec(info!, b, ['psql', '-h', '/var/run/postgresql', '-U', 'odoo', '-d', 'postgres', '-Atc', "SELECT count(*) FROM pg_database WHERE datname = 'only_here'"]);
  assert.is(list.stdout.trim(), '0');
});

t('the config repo is a git repo whose client files carry the real addresses, host keys and addons URLs', async () => {
  const log = await run(['git', '-C', info!.repoDir, 'log', '--oneline']);
  assert.is(log.code, 0);
  assert.is(log.stdout.trim().split('\n').length, 1);
  const status = await run(['git', '-C', info!.repoDir, 'status', '--porcelain']);
  assert.is(status.stdout, '', 'everything committed');
  assert.ok(existsSync(path.join(info!.repoDir, 'fleet.yaml')));
  for (const s of info!.servers) {
    const doc = parse(await readFile(path.join(info!.repoDir, 'clients', `${s.client}.yaml`), 'utf8'));
    assert.is(doc.name, s.client);
    assert.equal({ host: doc.server.host, port: doc.server.port, user: doc.server.user, hostKey: doc.server.hostKey }, { host: s.host, port: 22, user: 'root', hostKey: s.hostKey });
    const urls = Object.values(doc.instances as Record<string, { addons?: { url: string }[] }>).flatMap((i) => (i.addons ?? []).map((a) => a.url));
    for (const u of urls) assert.ok(Object.values(info!.addonsRepos).includes(u), `addons URL ${u} points into the sandbox`);
  }
});

t('servers are pre-installed with exactly what the desired state says (the product resolves it, the product renders the files)', async () => {
  const desired = await loadDesiredState({ repo: info!.repoDir });
  assert.equal(desired.clients.map((c) => c.name).sort(), info!.servers.map((s) => s.client).sort());
  for (const spec of desired.clients) {
    assert.ok(spec.instances.length >= 2);
    for (const inst of spec.instances) {
      // Base only (addons, options and modules are odoops' job), everything else as resolved.
      // The database password is the server's own (random, in .env): read back, never rendered from the config.
      const env = await sandboxExec(info!, spec.name, ['cat', `/srv/odoo/${inst.name}/.env`]);
      const password = dbPasswordOf(env.stdout);
      assert.ok(password, `${spec.name} ${inst.name}: a database password in .env`);
      for (const f of renderInstance({ ...inst, addons: [], options: {} }, password!)) {
        const r = await sandboxExec(info!, spec.name, ['sh', '-c', 'cat "$1"; stat -c %a "$1"', 'sh', f.path]);
        assert.is(r.stdout, `${f.content}${f.mode.toString(8)}\n`, `${spec.name} ${f.path}`);
      }
      const db = await sandboxExec(info!, spec.name, ['psql', '-h', '/var/run/postgresql', '-U', 'odoo', '-d', inst.database, '-Atc', "SELECT state FROM ir_module_module WHERE name = 'base'"]);
      assert.is(db.stdout.trim(), 'installed', `${spec.name}: database ${inst.database} (${db.stderr})`);
      const health = await sandboxExec(info!, spec.name, ['curl', '-fsS', '--max-time', '5', `http://127.0.0.1:${inst.httpPort}/web/health`]);
      assert.is(health.code, 0, `${spec.name} ${inst.name} answers on its desired httpPort ${inst.httpPort}`);
    }
  }
});

t('the integrator-addons fixture repo has branch main, tag v1.0 and real manifests', async () => {
  const url = info!.addonsRepos['integrator-addons'];
  assert.ok(url?.startsWith('file://'));
  const refs = await run(['git', 'ls-remote', url!]);
  assert.match(refs.stdout, /\trefs\/heads\/main\n/);
  assert.match(refs.stdout, /\trefs\/tags\/v1\.0\n/);
  // Cloned from inside a server, exactly as odoops will.
  const c = await sandboxExec(info!, info!.servers[0]!.client, ['sh', '-c', 'git clone -q "$1" /srv/x && git -C /srv/x checkout -q v1.0 && cat /srv/x/integrator_reports/__manifest__.py', 'sh', url!]);
  assert.is(c.code, 0, c.stderr);
  assert.match(c.stdout, /'depends': \['integrator_base', 'sale_management'\]/);
  assert.match(c.stdout, /'version': '1\.0'/);
});

t.run();

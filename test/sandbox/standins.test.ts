// The sandbox's provisioned instances and the odoo/docker stand-ins, driven over SSH
// exactly as odoops drives real servers (issue 2, item 6).
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { connectSsh, type HostSession } from '../../operator/live/ssh.ts';
import { sandboxExec } from '../../operator/sandbox/index.ts';
import { serverSpec, startSandbox, stopSandbox, type SandboxInfo } from '../util/sandbox.ts';

const t = suite('sandbox stand-ins');
let info: SandboxInfo | undefined;
let ssh: HostSession | undefined;
let client = '';
const compose = ['docker', 'compose', '-f', '/srv/odoo/production/compose.yaml'];

t.before(async () => {
  info = await startSandbox(1);
  client = info.servers[0]!.client;
  ssh = await connectSsh(client, serverSpec(info), { privateKeyPath: info.privateKeyPath });
});
t.after(async () => {
  await ssh?.close().catch(() => {});
  await stopSandbox(info);
});

async function database(): Promise<string> {
  const r = await ssh!.exec(['sh', '-c', "sed -n 's/^db_name *= *//p' /srv/odoo/production/odoo.conf"]);
  return r.stdout.trim();
}

async function modules(db: string): Promise<string> {
  const r = await ssh!.exec([...compose, 'exec', '-T', 'db', 'psql', '-U', 'odoo', '-d', db, '-At', '-F', '\t', '-c', 'SELECT name, state, latest_version FROM ir_module_module ORDER BY name']);
  assert.is(r.code, 0, r.stderr);
  return r.stdout;
}

function row(table: string, name: string): string | undefined {
  return table.split('\n').find((l) => l.startsWith(`${name}\t`));
}

t('instances are provisioned like a real server: layout, running containers, health, base only', async () => {
  const files = await ssh!.exec(['sh', '-c', 'cd /srv/odoo && ls -d production/compose.yaml production/.env production/odoo.conf production/addons production/filestore test/compose.yaml']);
  assert.is(files.code, 0, files.stderr);
  const env = await ssh!.exec(['cat', '/srv/odoo/production/.env']);
  assert.match(env.stdout, /^ODOO_IMAGE=\S+:17\.0/m);
  const ps = await ssh!.exec([...compose, 'ps', '--format', 'json']);
  assert.is(ps.code, 0, ps.stderr);
  const services = ps.stdout.trim().split('\n').map((l) => JSON.parse(l) as { Service: string; State: string });
  assert.equal(services.map((s) => `${s.Service}:${s.State}`).sort(), ['db:running', 'odoo:running']);
  const health = await ssh!.exec(['curl', '-fsS', '--max-time', '5', 'http://127.0.0.1:8069/web/health']);
  assert.equal(JSON.parse(health.stdout), { status: 'pass' });
  const table = await modules(await database());
  assert.match(row(table, 'base') ?? '', /^base\tinstalled\t17\.0\./);
  assert.match(row(table, 'contacts') ?? '', /^contacts\tuninstalled\t/);
});

t('odoo -i installs a module from the addons repo with its dependencies first', async () => {
  const url = info!.addonsRepos['integrator-addons']!;
  const prep = await ssh!.exec([
    'sh',
    '-c',
    'git clone -q "$1" /srv/odoo/production/addons/integrator-addons && git -C /srv/odoo/production/addons/integrator-addons checkout -q v1.0 && echo "addons_path = /mnt/extra-addons/integrator-addons" >> /srv/odoo/production/odoo.conf',
    'sh',
    url,
  ]);
  assert.is(prep.code, 0, prep.stderr);
  const db = await database();
  const r = await ssh!.exec([...compose, 'run', '--rm', '-T', 'odoo', 'odoo', '-c', '/etc/odoo/odoo.conf', '-d', db, '-i', 'integrator_base', '--stop-after-init', '--no-http']);
  assert.is(r.code, 0, r.stderr);
  const table = await modules(db);
  assert.is(row(table, 'integrator_base'), 'integrator_base\tinstalled\t17.0.1.0');
  assert.match(row(table, 'contacts') ?? '', /^contacts\tinstalled\t17\.0\./, 'dependency installed too');
  assert.match(row(table, 'integrator_reports') ?? '', /^integrator_reports\tuninstalled\t/);
});

t('odoo -i of an unknown module exits 0, warns, and leaves the database unchanged', async () => {
  const db = await database();
  const before = await modules(db);
  const r = await ssh!.exec([...compose, 'run', '--rm', '-T', 'odoo', 'odoo', '-c', '/etc/odoo/odoo.conf', '-d', db, '-i', 'no_such_module', '--stop-after-init', '--no-http']);
  assert.is(r.code, 0, r.stderr);
  assert.match(r.stderr, /WARNING \S+ odoo\.modules\.loading: invalid module names, ignored: no_such_module/);
  assert.is(await modules(db), before);
});

t('the stand-ins are found through PATH in a non-login SSH shell and in sandboxExec', async () => {
  const r = await ssh!.exec(['sh', '-c', 'command -v docker; command -v odoo']);
  assert.match(r.stdout, /standins\/bin\/docker\n.*standins\/bin\/odoo/);
  const v = await sandboxExec(info!, client, [...compose, 'run', '--rm', '-T', 'odoo', 'odoo', '--version']);
  assert.is(v.stdout.trim(), 'Odoo Server 17.0', v.stderr);
});

t.run();

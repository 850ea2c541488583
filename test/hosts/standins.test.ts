// The odoo and docker stand-ins against a real throwaway PostgreSQL 15: the behaviour
// operator/sandbox/standins/README.md promises (and /work/shared/ODOO-FACTS.md measured on real Odoo).
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startTmpPostgres, type TmpPostgres } from './tmp-postgres.ts';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const STANDINS = path.resolve(HERE, '../../operator/sandbox/standins');
const DOCKER = path.join(STANDINS, 'bin/docker');
const ODOO = path.join(STANDINS, 'bin/odoo');

interface Ctx {
  pg: TmpPostgres;
  dir: string;
  env: Record<string, string>;
  port: number;
  timings: Record<string, number>;
}
const t = suite<Ctx>('host stand-ins');

interface Result { code: number; stdout: string; stderr: string; ms: number }

function run(ctx: Ctx, cmd: string, args: string[], opts: { env?: Record<string, string>; input?: string } = {}): Promise<Result> {
  const t0 = Date.now();
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { env: { ...process.env, ...ctx.env, ...opts.env }, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => { stdout += d; });
    child.stderr.on('data', (d) => { stderr += d; });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr, ms: Date.now() - t0 }));
    child.stdin.end(opts.input ?? '');
  });
}

const compose = (ctx: Ctx, ...args: string[]) => run(ctx, DOCKER, ['compose', '-f', path.join(ctx.dir, 'srv/production/compose.yaml'), ...args]);
const odoo = (ctx: Ctx, ...args: string[]) => compose(ctx, 'run', '--rm', '-T', '--no-deps', 'odoo', 'odoo', '-c', '/etc/odoo/odoo.conf', ...args);

/** name -> "state latest_version" of every module. */
function modules(ctx: Ctx, db: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of ctx.pg.psql(db, 'SELECT name, state, latest_version FROM ir_module_module ORDER BY name').trim().split('\n')) {
    const [name, state, version] = line.split('\t');
    out[name!] = `${state} ${version ?? ''}`.trim();
  }
  return out;
}
const snapshot = (ctx: Ctx, db: string) => ctx.pg.psql(db, 'SELECT name, state, latest_version, demo FROM ir_module_module ORDER BY name') +
  ctx.pg.psql(db, 'SELECT m.name, d.name FROM ir_module_module_dependency d JOIN ir_module_module m ON m.id = d.module_id ORDER BY 1, 2');

function manifest(dir: string, name: string, body: string): void {
  fs.mkdirSync(path.join(dir, name), { recursive: true });
  fs.writeFileSync(path.join(dir, name, '__manifest__.py'), body);
}

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

t.before(async (ctx) => {
  ctx.pg = startTmpPostgres();
  ctx.dir = fs.mkdtempSync(path.join(os.tmpdir(), 'standins-'));
  ctx.port = await freePort();
  ctx.timings = {};
  ctx.env = { ...ctx.pg.env, DOCKER_STANDIN_ROOT: path.join(ctx.dir, 'docker'), DOCKER_STANDIN_PSQL_WAIT: '0' };
  const base = path.join(ctx.dir, 'srv/production');
  const repo = path.join(base, 'addons/integrator-addons');
  manifest(repo, 'integrator_base', "{'name': 'Integrator base', 'version': '1.0', 'depends': ['base', 'contacts'], 'data': ['views/base.xml']}\n");
  fs.mkdirSync(path.join(repo, 'integrator_base/views'));
  fs.writeFileSync(path.join(repo, 'integrator_base/views/base.xml'), '<odoo/>\n');
  manifest(repo, 'integrator_reports', "{'name': 'Integrator reports', 'version': '17.0.2.0', 'depends': ['integrator_base', 'sale_management']}\n");
  // Fails to load like a real broken module: its manifest lists a data file that is missing.
  manifest(repo, 'integrator_broken', "{'name': 'Broken', 'version': '1.0', 'depends': ['crm'], 'data': ['views/missing.xml']}\n");
  fs.mkdirSync(path.join(base, 'filestore'), { recursive: true });
  fs.writeFileSync(path.join(base, 'odoo.conf'), [
    '[options]', 'db_host = db', 'db_port = 5432', 'db_user = odoo', 'db_password = odoo', 'db_name = acme_prod',
    'addons_path = /mnt/extra-addons/integrator-addons', 'data_dir = /var/lib/odoo', 'workers = 2', '',
  ].join('\n'));
  fs.writeFileSync(path.join(base, '.env'), 'ODOO_IMAGE=registry.example.com/odoo:17.0-20261101\n');
  fs.writeFileSync(path.join(base, 'compose.yaml'), `name: odoo-production
services:
  odoo:
    image: \${ODOO_IMAGE}
    depends_on: [db]
    ports: ["127.0.0.1:${ctx.port}:8069"]
    volumes:
      - ${base}/odoo.conf:/etc/odoo/odoo.conf
      - ./addons:/mnt/extra-addons
      - ./filestore:/var/lib/odoo
    restart: unless-stopped
  db:
    image: postgres:15
    environment: { POSTGRES_USER: odoo, POSTGRES_PASSWORD: odoo }
    volumes: ["db-data:/var/lib/postgresql/data"]
volumes:
  db-data: {}
`);
});

t.after(async (ctx) => {
  // Stops the emulated Odoo server this suite started (by its recorded PID, via down).
  if (ctx.dir) await compose(ctx, 'down').catch(() => undefined);
  ctx.pg?.stop();
  if (ctx.dir) fs.rmSync(ctx.dir, { recursive: true, force: true });
  for (const [k, v] of Object.entries(ctx.timings ?? {})) process.stdout.write(`\n  stand-in latency: ${k} ${v} ms`);
});

t('odoo --version prints the series of the image (or ODOO_VERSION)', async (ctx) => {
  const r = await odoo(ctx, '--version');
  assert.is(r.code, 0, r.stderr);
  assert.is(r.stdout, 'Odoo Server 17.0\n');
  ctx.timings['compose run odoo --version'] = r.ms;
  const direct = await run(ctx, ODOO, ['--version'], { env: { ODOO_VERSION: '16.0' } });
  assert.is(direct.stdout, 'Odoo Server 16.0\n');
  ctx.timings['odoo --version'] = direct.ms;
});

t('-i base creates and initialises the database; every module on the addons path is registered', async (ctx) => {
  const r = await odoo(ctx, '-d', 'acme_prod', '-i', 'base', '--without-demo=all', '--stop-after-init', '--no-http');
  assert.is(r.code, 0, r.stderr);
  ctx.timings['odoo -i base (new database)'] = r.ms;
  assert.match(r.stderr, /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} \d+ INFO \? odoo\.modules\.loading: init db $/m);
  const m = modules(ctx, 'acme_prod');
  assert.is(m.base, 'installed 17.0.1.3');
  assert.is(m.web, 'installed 17.0.1.0'); // auto_install, as in real Odoo
  assert.is(m.contacts, 'uninstalled');
  assert.is(m.integrator_base, 'uninstalled');
  assert.is(m.web_studio, 'uninstallable');
  assert.ok(fs.existsSync(path.join(ctx.dir, 'srv/production/filestore/filestore/acme_prod')), 'filestore of the database');
});

t('-i installs a module after its missing dependencies, versions prefixed by the series', async (ctx) => {
  const r = await odoo(ctx, '-d', 'acme_prod', '-i', 'integrator_base', '--stop-after-init', '--no-http');
  assert.is(r.code, 0, r.stderr);
  ctx.timings['odoo -i integrator_base'] = r.ms;
  const m = modules(ctx, 'acme_prod');
  for (const dep of ['mail', 'contacts', 'bus']) assert.ok(m[dep]!.startsWith('installed'), `${dep}: ${m[dep]}`);
  assert.is(m.integrator_base, 'installed 17.0.1.0');
  assert.is(m.sale, 'uninstalled');
  const order = [...r.stderr.matchAll(/Loading module (\w+)/g)].map((x) => x[1]);
  assert.ok(order.indexOf('contacts') < order.indexOf('integrator_base'), order.join(','));
  assert.ok(order.indexOf('mail') < order.indexOf('contacts'), order.join(','));
  const deps = ctx.pg.psql('acme_prod', "SELECT d.name FROM ir_module_module_dependency d JOIN ir_module_module m ON m.id = d.module_id WHERE m.name = 'integrator_base' ORDER BY 1");
  assert.is(deps, 'base\ncontacts\n');
  const r2 = await odoo(ctx, '-d', 'acme_prod', '-i', 'integrator_reports', '--stop-after-init', '--no-http');
  assert.is(r2.code, 0, r2.stderr);
  assert.is(modules(ctx, 'acme_prod').integrator_reports, 'installed 17.0.2.0'); // already series-prefixed: kept
  assert.is(modules(ctx, 'acme_prod').sale_management, 'installed 17.0.1.0');
});

t('-i of an unknown module exits 0, warns, and changes nothing', async (ctx) => {
  const before = snapshot(ctx, 'acme_prod');
  const r = await odoo(ctx, '-d', 'acme_prod', '-i', 'no_such_module', '--stop-after-init', '--no-http');
  assert.is(r.code, 0, r.stderr);
  assert.match(r.stderr, / WARNING acme_prod odoo\.modules\.loading: invalid module names, ignored: no_such_module \n/);
  assert.is(snapshot(ctx, 'acme_prod'), before);
});

t('a module that fails to load exits 255; the output ends like real Odoo 17 with workers: traceback, then Stopping gracefully', async (ctx) => {
  const r = await odoo(ctx, '-d', 'acme_prod', '-i', 'integrator_broken', '--stop-after-init', '--no-http');
  assert.is(r.code, 255);
  assert.match(r.stderr, / ERROR acme_prod odoo\.modules\.registry: Failed to load registry \nTraceback \(most recent call last\):\n/);
  assert.match(r.stderr, / CRITICAL acme_prod odoo\.service\.server: Failed to initialize database `acme_prod`\. \nTraceback/);
  assert.match(r.stderr, /FileNotFoundError: File not found: integrator_broken\/views\/missing\.xml\n[^\n]* INFO acme_prod odoo\.service\.server: Stopping gracefully \n$/);
  const m = modules(ctx, 'acme_prod');
  assert.is(m.integrator_broken, 'uninstalled');
  // Real Odoo commits each module it loads: crm, loaded before the failing module, stays.
  assert.match(m.crm!, /^installed 17\.0\./);
  assert.is(ctx.pg.psql('acme_prod', "SELECT count(*) FROM ir_module_module WHERE state LIKE 'to %'"), '0\n');
});

t('a manifest bump changes nothing until -u; -u of an uninstalled module does nothing', async (ctx) => {
  const file = path.join(ctx.dir, 'srv/production/addons/integrator-addons/integrator_base/__manifest__.py');
  fs.writeFileSync(file, fs.readFileSync(file, 'utf8').replace("'1.0'", "'1.1'"));
  const plain = await odoo(ctx, '-d', 'acme_prod', '--stop-after-init', '--no-http');
  assert.is(plain.code, 0, plain.stderr);
  assert.is(modules(ctx, 'acme_prod').integrator_base, 'installed 17.0.1.0');
  const before = snapshot(ctx, 'acme_prod');
  const noop = await odoo(ctx, '-d', 'acme_prod', '-u', 'project', '--stop-after-init', '--no-http');
  assert.is(noop.code, 0, noop.stderr);
  assert.not.match(noop.stderr, /WARNING/);
  assert.is(snapshot(ctx, 'acme_prod'), before);
  const up = await odoo(ctx, '-d', 'acme_prod', '-u', 'integrator_base', '--stop-after-init', '--no-http');
  assert.is(up.code, 0, up.stderr);
  ctx.timings['odoo -u integrator_base'] = up.ms;
  assert.is(modules(ctx, 'acme_prod').integrator_base, 'installed 17.0.1.1');
  assert.match(up.stderr, /Loading module integrator_reports/); // dependents are upgraded too
  // -i of an installed module re-initialises it (Odoo's graph sets package.init): version follows.
  fs.writeFileSync(file, fs.readFileSync(file, 'utf8').replace("'1.1'", "'1.2'"));
  const reinit = await odoo(ctx, '-d', 'acme_prod', '-i', 'integrator_base', '--stop-after-init', '--no-http');
  assert.is(reinit.code, 0, reinit.stderr);
  assert.is(modules(ctx, 'acme_prod').integrator_base, 'installed 17.0.1.2');
  assert.not.match(reinit.stderr, /Loading module integrator_reports/);
});

t('uninstall through odoo shell also uninstalls installed dependents', async (ctx) => {
  const py = "env['ir.module.module'].search([('name', 'in', ['contacts'])]).button_immediate_uninstall()\nenv.cr.commit()\n";
  const r = await run(ctx, DOCKER, ['compose', '-f', path.join(ctx.dir, 'srv/production/compose.yaml'), 'run', '--rm', '-T', '--no-deps',
    'odoo', 'odoo', 'shell', '-c', '/etc/odoo/odoo.conf', '-d', 'acme_prod', '--no-http'], { input: py });
  assert.is(r.code, 0, r.stderr);
  const m = modules(ctx, 'acme_prod');
  assert.is(m.contacts, 'uninstalled');
  assert.is(m.integrator_base, 'uninstalled');
  assert.is(m.integrator_reports, 'uninstalled');
  assert.is(m.mail, 'installed 17.0.1.15');
  assert.is(m.base, 'installed 17.0.1.3');
  // Real Odoo refuses to uninstall what is not installed (UserError, traceback, exit 1).
  const again = await run(ctx, DOCKER, ['compose', '-f', path.join(ctx.dir, 'srv/production/compose.yaml'), 'run', '--rm', '-T', '--no-deps',
    'odoo', 'odoo', 'shell', '-c', '/etc/odoo/odoo.conf', '-d', 'acme_prod', '--no-http'], { input: py });
  assert.is(again.code, 1);
  assert.match(again.stderr, /odoo\.exceptions\.UserError: One or more of the selected modules have already been uninstalled/);
  const other = await run(ctx, ODOO, ['shell', '-d', 'acme_prod', '--db_host', 'db', '-r', 'odoo', '--no-http'], { input: 'print(env.user)\n' });
  assert.is(other.code, 1);
  assert.match(other.stderr, /NotImplementedError/);
});

t('neutralize logs like Odoo and marks the database', async (ctx) => {
  const ok = await compose(ctx, 'run', '--rm', '-T', '--no-deps', 'odoo', 'odoo', 'neutralize', '-c', '/etc/odoo/odoo.conf', '-d', 'acme_prod');
  assert.is(ok.code, 0, ok.stderr);
  assert.match(ok.stderr, /INFO \? odoo\.cli\.neutralize: Starting acme_prod database neutralization/);
  assert.match(ok.stderr, /Neutralization finished/);
  assert.is(ctx.pg.psql('acme_prod', "SELECT value FROM ir_config_parameter WHERE key = 'database.is_neutralized'"), 'true\n');
});

t('docker pull: known series tags pull, unknown images fail like real docker', async (ctx) => {
  const ok = await run(ctx, DOCKER, ['pull', 'registry.example.com/odoo:16.0-20261101']);
  assert.is(ok.code, 0, ok.stderr);
  assert.match(ok.stdout, /^16\.0-20261101: Pulling from odoo\n/);
  assert.match(ok.stdout, /\nStatus: Downloaded newer image for registry\.example\.com\/odoo:16\.0-20261101\nregistry\.example\.com\/odoo:16\.0-20261101\n$/);
  const again = await run(ctx, DOCKER, ['pull', 'registry.example.com/odoo:16.0-20261101']);
  assert.match(again.stdout, /\nStatus: Image is up to date for registry\.example\.com\/odoo:16\.0-20261101\n/);
  const bad = await run(ctx, DOCKER, ['pull', 'registry.example.com/odoo:99.0']);
  assert.is(bad.code, 1);
  assert.is(bad.stderr, 'Error response from daemon: manifest for registry.example.com/odoo:99.0 not found: manifest unknown: manifest unknown\n');
  const digests = await run(ctx, DOCKER, ['image', 'inspect', '--format', '{{json .RepoDigests}}', 'registry.example.com/odoo:17.0-20261101']);
  assert.is(digests.code, 0, digests.stderr);
  const list = JSON.parse(digests.stdout) as string[];
  assert.match(list[0]!, /^registry\.example\.com\/odoo@sha256:[0-9a-f]{64}$/);
  const first = await run(ctx, DOCKER, ['image', 'inspect', '--format', '{{index .RepoDigests 0}}', 'registry.example.com/odoo:17.0-20261101']);
  assert.is(first.stdout.trim(), list[0]);
  const missing = await run(ctx, DOCKER, ['image', 'inspect', 'registry.example.com/odoo:18.0']);
  assert.is(missing.code, 1);
  assert.is(missing.stdout, '[]\n');
  assert.match(missing.stderr, /^Error response from daemon: No such image: registry\.example\.com\/odoo:18\.0/);
  const flag = await run(ctx, DOCKER, ['pull', '--bogus', 'x']);
  assert.is(flag.code, 125);
  assert.match(flag.stderr, /^unknown flag: --bogus\nSee 'docker pull --help'\./);
});

t('compose up -d serves /web/health; ps --format json has real Docker fields; stop stops it', async (ctx) => {
  const up = await compose(ctx, 'up', '-d');
  assert.is(up.code, 0, up.stderr);
  ctx.timings['compose up -d (db + odoo)'] = up.ms;
  assert.match(up.stderr, / Container odoo-production-odoo-1 {2}Started/);
  const health = await fetch(`http://127.0.0.1:${ctx.port}/web/health`);
  assert.is(health.status, 200);
  assert.is(await health.text(), '{"status": "pass"}');
  assert.is((await fetch(`http://127.0.0.1:${ctx.port}/web/login`)).status, 200);
  const vi = await fetch(`http://127.0.0.1:${ctx.port}/web/webclient/version_info`, {
    method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"jsonrpc":"2.0","method":"call","params":{},"id":7}',
  });
  const body = await vi.json() as { id: number; result: Record<string, unknown> };
  assert.equal(body.result, { server_version: '17.0', server_version_info: [17, 0, 0, 'final', 0, ''], server_serie: '17.0', protocol_version: 1 });

  const ps = await compose(ctx, 'ps', '--format', 'json');
  assert.is(ps.code, 0, ps.stderr);
  ctx.timings['compose ps --format json'] = ps.ms;
  const rows = ps.stdout.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
  assert.is(rows.length, 2);
  const o = rows.find((r) => r.Service === 'odoo')!;
  for (const k of ['Command', 'CreatedAt', 'ExitCode', 'Health', 'ID', 'Image', 'Labels', 'LocalVolumes', 'Mounts', 'Name', 'Names', 'Networks', 'Ports', 'Project', 'Publishers', 'RunningFor', 'Service', 'Size', 'State', 'Status']) {
    assert.ok(k in o, `field ${k}`);
  }
  assert.is(o.Name, 'odoo-production-odoo-1');
  assert.is(o.Project, 'odoo-production');
  assert.is(o.State, 'running');
  assert.is(o.Image, 'registry.example.com/odoo:17.0-20261101');
  assert.match(String(o.Status), /^Up /);
  assert.equal((o.Publishers as unknown[])[0], { URL: '127.0.0.1', TargetPort: 8069, PublishedPort: ctx.port, Protocol: 'tcp' });
  assert.is(rows.find((r) => r.Service === 'db')!.State, 'running');

  const insp = await run(ctx, DOCKER, ['inspect', 'odoo-production-odoo-1']);
  assert.is(insp.code, 0, insp.stderr);
  const [c] = JSON.parse(insp.stdout) as Array<{ Name: string; State: { Status: string; Running: boolean; Pid: number }; Config: { Image: string } }>;
  assert.is(c!.Name, '/odoo-production-odoo-1');
  assert.is(c!.State.Status, 'running');
  assert.ok(c!.State.Pid > 0);
  assert.is(c!.Config.Image, 'registry.example.com/odoo:17.0-20261101');

  const stop = await compose(ctx, 'stop', 'odoo');
  assert.is(stop.code, 0, stop.stderr);
  await assert.not.ok(await fetch(`http://127.0.0.1:${ctx.port}/web/health`).then(() => true, () => false), 'server gone after stop');
  const running = await compose(ctx, 'ps', '--format', 'json');
  assert.equal(running.stdout.trim().split('\n').map((l) => (JSON.parse(l) as { Service: string }).Service), ['db']);
  const all = await compose(ctx, 'ps', '-a', '--format', 'json', 'odoo');
  const stopped = JSON.parse(all.stdout) as { State: string; Status: string };
  assert.is(stopped.State, 'exited');
  assert.match(stopped.Status, /^Exited \(0\) /);
  const exec = await compose(ctx, 'exec', '-T', 'odoo', 'odoo', '--version');
  assert.is(exec.code, 1);
  assert.is(exec.stderr, 'service "odoo" is not running\n');
});

t('up -d recreates on an image change; restart does not apply it (real compose semantics)', async (ctx) => {
  const envFile = path.join(ctx.dir, 'srv/production/.env');
  await compose(ctx, 'up', '-d');
  fs.writeFileSync(envFile, 'ODOO_IMAGE=registry.example.com/odoo:18.0\n');
  const restart = await compose(ctx, 'restart', 'odoo');
  assert.is(restart.code, 0, restart.stderr);
  const vi = async () => ((await (await fetch(`http://127.0.0.1:${ctx.port}/web/webclient/version_info`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' })).json()) as { result: { server_serie: string } }).result.server_serie;
  assert.is(await vi(), '17.0');
  const up = await compose(ctx, 'up', '-d', '--no-deps', 'odoo');
  assert.is(up.code, 0, up.stderr);
  assert.match(up.stderr, / Container odoo-production-odoo-1 {2}Recreate\n/);
  assert.is(await vi(), '18.0');
  const ps = JSON.parse((await compose(ctx, 'ps', '--format', 'json', 'odoo')).stdout) as { Image: string };
  assert.is(ps.Image, 'registry.example.com/odoo:18.0');
  fs.writeFileSync(envFile, 'ODOO_IMAGE=registry.example.com/odoo:99.0\n');
  const bad = await compose(ctx, 'up', '-d', '--no-deps', 'odoo');
  assert.is(bad.code, 1);
  assert.match(bad.stderr, /Error response from daemon: manifest for registry\.example\.com\/odoo:99\.0 not found: manifest unknown: manifest unknown\n$/);
  assert.is(await vi(), '18.0'); // the running container is untouched by a failed pull
  const pull = await compose(ctx, 'pull');
  assert.is(pull.code, 1);
  fs.writeFileSync(envFile, 'ODOO_IMAGE=registry.example.com/odoo:17.0-20261101\n');
});

t('exec -T db runs psql/pg_dump against the server PostgreSQL; unknown service/flag errors', async (ctx) => {
  const q = await compose(ctx, 'exec', '-T', 'db', 'psql', '-U', 'odoo', '-d', 'acme_prod', '-At', '-F', '\t', '-c', "SELECT name, state, latest_version FROM ir_module_module WHERE name = 'base'");
  assert.is(q.code, 0, q.stderr);
  assert.is(q.stdout, 'base\tinstalled\t17.0.1.3\n');
  const dumpFile = path.join(ctx.dir, 'db.dump');
  const dump = await compose(ctx, 'exec', '-T', 'db', 'pg_dump', '-U', 'odoo', '-Fc', '-f', dumpFile, 'acme_prod');
  assert.is(dump.code, 0, dump.stderr);
  assert.is(fs.readFileSync(dumpFile).subarray(0, 5).toString(), 'PGDMP');
  const nos = await compose(ctx, 'exec', '-T', 'nope', 'ls');
  assert.is(nos.code, 1);
  assert.is(nos.stderr, 'no such service: nope\n');
  const flag = await compose(ctx, 'ps', '--bogus');
  assert.is(flag.code, 1);
  assert.match(flag.stderr, /^unknown flag: --bogus/);
  const missingFile = await run(ctx, DOCKER, ['compose', '-f', path.join(ctx.dir, 'nope.yaml'), 'ps']);
  assert.is(missingFile.code, 1);
  assert.match(missingFile.stderr, /no such file or directory/);
});

t('odoo -i base on a new database, direct (latency printed; figures in the README)', async (ctx) => {
  const r = await run(ctx, ODOO, ['-d', 'latency_db', '--db_host', 'db', '-r', 'odoo', '-i', 'base', '--stop-after-init', '--no-http']);
  assert.is(r.code, 0, r.stderr);
  ctx.timings['odoo -i base (direct, new database)'] = r.ms;
  assert.is(ctx.pg.psql('latency_db', "SELECT count(*) FROM ir_module_module WHERE state = 'installed'"), '11\n');
});

t.run();

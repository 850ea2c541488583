// The emulated running Odoo (`docker compose up`) against a real throwaway PostgreSQL:
// startup log and refusal while starting, /web/health vs the login page with PostgreSQL
// stopped, new module code against the old schema (UndefinedColumn until -u), registry
// reloads after other processes change modules, registry failures logged at startup —
// each as real Odoo 17.0 did it (operator/sandbox/standins/README.md).
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { Browser, DOCKER, FIXTURE_ADDONS, makeProject, type Project, waitFor } from './project.ts';
import { startTmpPostgres, type TmpPostgres } from './tmp-postgres.ts';

interface Ctx { pg: TmpPostgres; p: Project }
const t = suite<Ctx>('odoo stand-in: the running server');
const DB = 'acme_prod';

const connects = (port: number): Promise<boolean> => new Promise((resolve) => {
  const s = net.connect(port, '127.0.0.1');
  s.once('connect', () => { s.destroy(); resolve(true); });
  s.once('error', () => resolve(false));
});
const hasColumn = (ctx: Ctx) => ctx.pg.psql(DB, "SELECT count(*) FROM information_schema.columns WHERE table_name = 'res_partner' AND column_name = 'x_integrator_code'") === '1\n';

t.before(async (ctx) => {
  ctx.pg = startTmpPostgres();
  ctx.p = await makeProject(ctx.pg, { db: DB });
  const init = await ctx.p.odoo('-d', DB, '-i', 'base', '--without-demo=all', '--stop-after-init', '--no-http');
  assert.is(init.code, 0, init.stderr);
  const i = await ctx.p.odoo('-d', DB, '-i', 'integrator_base', '--stop-after-init', '--no-http');
  assert.is(i.code, 0, i.stderr);
});

t.after(async (ctx) => {
  await ctx.p?.cleanup();
  ctx.pg?.stop();
});

t('up: Odoo\'s startup log (docker compose logs); connections are refused until the registry is loaded', async (ctx) => {
  // Hold the registry back: a transaction locking ir_module_module until we let it go.
  const locker = spawn('/usr/lib/postgresql/15/bin/psql', ['-h', ctx.pg.socketDir, '-p', String(ctx.pg.port), '-U', 'postgres', '-d', DB, '-At'], { stdio: ['pipe', 'pipe', 'inherit'] });
  let out = '';
  locker.stdout.on('data', (d) => { out += d; });
  locker.stdin.write("BEGIN; LOCK TABLE ir_module_module IN ACCESS EXCLUSIVE MODE; SELECT 'locked';\n");
  await waitFor('the lock', () => out.includes('locked'));
  const up = ctx.p.compose('up', '-d');
  await waitFor('the server to reach its registry', () => /odoo\.service\.server: HTTP service \(werkzeug\) running on/.test(ctx.p.logText()));
  assert.is(await connects(ctx.p.port), false, 'refused while starting');
  locker.stdin.end('ROLLBACK;\n');
  const r = await up;
  assert.is(r.code, 0, r.stderr);
  assert.is((await fetch(`http://127.0.0.1:${ctx.p.port}/web/health`)).status, 200);
  const logs = await ctx.p.compose('logs', 'odoo');
  assert.is(logs.code, 0, logs.stderr);
  const lines = logs.stdout.split('\n');
  const at = (re: RegExp) => lines.findIndex((l) => re.test(l));
  const seq = [
    at(/^odoo-1 {2}\| \S+ \S+ \d+ INFO \? odoo: Odoo version 17\.0 $/),
    at(/ INFO \? odoo: Using configuration file at \/etc\/odoo\/odoo\.conf $/),
    at(/ INFO \? odoo: addons paths: \['\/usr\/lib\/python3\/dist-packages\/odoo\/addons', '\/var\/lib\/odoo\/addons\/17\.0', '\/mnt\/extra-addons\/integrator-addons'\] $/),
    at(/ INFO \? odoo\.service\.server: HTTP service \(werkzeug\) running on 127\.0\.0\.1:\d+ $/),
    at(/ INFO acme_prod odoo\.modules\.loading: loading 25 modules\.\.\. $/), // 25 on real Odoo 17.0 too
    at(/ INFO acme_prod odoo\.modules\.loading: Modules loaded\. $/),
    at(/ INFO acme_prod odoo\.modules\.registry: Registry loaded in [\d.]+s $/),
  ];
  assert.ok(seq.every((i, k) => i >= 0 && (k === 0 || i > seq[k - 1]!)), `${seq}\n${logs.stdout}`);
  assert.not.match(logs.stdout, / (ERROR|CRITICAL) /);
});

t('/web/health passes with PostgreSQL stopped; /web/login?db= answers the form only while the database works', async (ctx) => {
  const b = new Browser(ctx.p.port);
  const ok = await b.request('GET', `/web/login?db=${DB}`);
  assert.is(ok.status, 200);
  assert.match(ok.text, /class="oe_login_form"/);
  // db_name set: an unknown ?db= is ignored and the instance's own database serves (real 17.0).
  const other = await new Browser(ctx.p.port).request('GET', '/web/login?db=unknown');
  assert.is(other.status, 200);
  assert.match(other.text, /oe_login_form/);
  ctx.pg.pause();
  try {
    const health = await fetch(`http://127.0.0.1:${ctx.p.port}/web/health`);
    assert.is(health.status, 200);
    assert.is(await health.text(), '{"status": "pass"}');
    const vi = await fetch(`http://127.0.0.1:${ctx.p.port}/web/webclient/version_info`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    assert.is(vi.status, 200);
    // Real Odoo 17.0 redirects to the same URL (ensure_db), again and again.
    for (const browser of [b, new Browser(ctx.p.port)]) {
      const down = await browser.request('GET', `/web/login?db=${DB}`);
      assert.is(down.status, 302);
      assert.is(down.location, `/web/login?db=${DB}`);
      assert.not.match(down.text, /oe_login_form/);
    }
    assert.match(ctx.p.logText(), / INFO acme_prod odoo\.sql_db: Connection to the database failed \n/);
  } finally {
    ctx.pg.resume();
  }
  const back = await b.request('GET', `/web/login?db=${DB}`);
  assert.is(back.status, 200);
  assert.match(back.text, /oe_login_form/);
});

t('new code against the old schema: requests reading res.partner fail with UndefinedColumn until -u; the login page does not notice', async (ctx) => {
  const b = new Browser(ctx.p.port);
  assert.equal(await b.authenticate(DB), { uid: 2 });
  // The addons checkout moves to integrator_base 1.1 (a new field on res.partner).
  fs.cpSync(path.join(FIXTURE_ADDONS, 'versions/partner-field'), ctx.p.addons, { recursive: true });
  assert.equal(await new Browser(ctx.p.port).authenticate(DB), { uid: 2 }, 'the running server keeps the code it loaded at start');
  const restart = await ctx.p.compose('restart', 'odoo');
  assert.is(restart.code, 0, restart.stderr);
  const startLog = ctx.p.logText().split(/Odoo version 17\.0 \n/).at(-1)!;
  assert.not.match(startLog, / (ERROR|CRITICAL) /, 'real Odoo does not notice at startup either');
  assert.is(hasColumn(ctx), false);

  const login = await new Browser(ctx.p.port).request('GET', `/web/login?db=${DB}`);
  assert.is(login.status, 200, 'the login page reads no partner (as on real Odoo)');
  assert.equal(await new Browser(ctx.p.port).authenticate(DB), { error: 'psycopg2.errors.UndefinedColumn' });
  const form = await new Browser(ctx.p.port).formLogin(DB);
  assert.is(form.status, 500);
  assert.match(form.text, /<title>500 Internal Server Error<\/title>/);
  const log = ctx.p.logText();
  assert.match(log, / ERROR acme_prod odoo\.sql_db: bad query: SELECT .*"res_partner"\."x_integrator_code"/);
  assert.match(log, / ERROR acme_prod odoo\.http: Exception during request handling\. \nTraceback \(most recent call last\):\n/);
  assert.match(log, /\npsycopg2\.errors\.UndefinedColumn: column res_partner\.x_integrator_code does not exist\n/);

  const up = await ctx.p.odoo('-d', DB, '-u', 'integrator_base', '--stop-after-init', '--no-http');
  assert.is(up.code, 0, up.stderr);
  assert.is(hasColumn(ctx), true);
  assert.is(ctx.pg.psql(DB, "SELECT latest_version FROM ir_module_module WHERE name = 'integrator_base'"), '17.0.1.1\n');
  assert.equal(await new Browser(ctx.p.port).authenticate(DB), { uid: 2 });
  const after = await new Browser(ctx.p.port).formLogin(DB);
  assert.is(after.status, 303);
  assert.is(after.location, '/web');
  assert.match(ctx.p.logText(), / INFO acme_prod odoo\.modules\.registry: Reloading the model registry after database signaling\. \n/);
});

t('uninstall while the server runs: the module\'s column is dropped and the server reloads its registry', async (ctx) => {
  const py = "env['ir.module.module'].search([('name', '=', 'integrator_base'), ('state', '=', 'installed')]).button_immediate_uninstall()\nenv.cr.commit()\n";
  const r = await ctx.p.run(DOCKER, ['compose', '-f', path.join(ctx.p.base, 'compose.yaml'), 'run', '--rm', '-T', '--no-deps', 'odoo', 'odoo', 'shell', '-c', '/etc/odoo/odoo.conf', '-d', DB, '--no-http'], { input: py });
  assert.is(r.code, 0, r.stderr);
  assert.is(hasColumn(ctx), false);
  assert.equal(await new Browser(ctx.p.port).authenticate(DB), { uid: 2 });
});

t('a registry that fails to load at startup: CRITICAL in the log, /web/health still passes, requests get 500', async (ctx) => {
  const i = await ctx.p.odoo('-d', DB, '-i', 'integrator_base', '--stop-after-init', '--no-http');
  assert.is(i.code, 0, i.stderr);
  fs.appendFileSync(path.join(ctx.p.addons, 'integrator_base/models/res_partner.py'), '\n    def broken(self:\n');
  const restart = await ctx.p.compose('restart', 'odoo');
  assert.is(restart.code, 0, restart.stderr);
  const startLog = ctx.p.logText().split(/Odoo version 17\.0 \n/).at(-1)!;
  assert.match(startLog, / CRITICAL acme_prod odoo\.service\.server: Failed to initialize database `acme_prod`\. \nTraceback \(most recent call last\):\n[\s\S]*\nSyntaxError: /);
  assert.is((await fetch(`http://127.0.0.1:${ctx.p.port}/web/health`)).status, 200);
  assert.is((await new Browser(ctx.p.port).request('GET', `/web/login?db=${DB}`)).status, 500);
  fs.cpSync(path.join(FIXTURE_ADDONS, 'versions/partner-field'), ctx.p.addons, { recursive: true });
});

t('PostgreSQL down when the server starts: Odoo dies at start, the container ends up exited', async (ctx) => {
  ctx.pg.pause();
  try {
    const r = await ctx.p.compose('up', '-d', '--force-recreate', 'odoo');
    assert.is(r.code, 0, r.stderr); // docker started the container
    await waitFor('the server to exit', async () => {
      const ps = await ctx.p.compose('ps', '-a', '--format', 'json', 'odoo');
      return (JSON.parse(ps.stdout) as { State: string }).State === 'exited';
    });
    assert.match(ctx.p.logText(), / INFO \? odoo\.sql_db: Connection to the database failed \nTraceback[\s\S]*psycopg2\.OperationalError: /);
  } finally {
    ctx.pg.resume();
  }
  const again = await ctx.p.compose('up', '-d', 'odoo');
  assert.is(again.code, 0, again.stderr);
  assert.equal(await new Browser(ctx.p.port).authenticate(DB), { uid: 2 });
});

t.run();

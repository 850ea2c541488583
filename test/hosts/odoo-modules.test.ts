// The odoo stand-in's install behaviour over each series' whole module catalog, against a
// real throwaway PostgreSQL, compared with what real Odoo did on the same steps (figures
// and sequences measured with real Odoo 16.0/17.0/18.0: operator/sandbox/standins/README.md).
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadCatalog } from '../../operator/sandbox/standins/lib/odoo-catalog.mjs';
import { startTmpPostgres, type TmpPostgres } from './tmp-postgres.ts';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const ODOO = path.resolve(HERE, '../../operator/sandbox/standins/bin/odoo');
const FIXTURE = path.resolve(HERE, '../../operator/sandbox/fixtures/integrator-addons');

interface Ctx { pg: TmpPostgres; addons: string; timings: Record<string, number> }
const t = suite<Ctx>('odoo stand-in: module catalog and install behaviour');

interface Result { code: number; stderr: string; ms: number }

function odoo(ctx: Ctx, series: string, db: string, ...args: string[]): Promise<Result> {
  const t0 = Date.now();
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [ODOO, '-d', db, '--db_host', 'db', '-r', 'odoo', '--addons-path', ctx.addons, '--stop-after-init', '--no-http', ...args], {
      env: { ...process.env, ...ctx.pg.env, ODOO_VERSION: series }, stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (d) => { stderr += d; });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, stderr, ms: Date.now() - t0 }));
  });
}

const installed = (ctx: Ctx, db: string): string[] =>
  ctx.pg.psql(db, "SELECT name FROM ir_module_module WHERE state = 'installed' ORDER BY name").trim().split('\n');
const rows = (ctx: Ctx, db: string): Record<string, string> => Object.fromEntries(
  ctx.pg.psql(db, 'SELECT name, state, latest_version FROM ir_module_module ORDER BY name').trim().split('\n').map((l) => {
    const [n, s, v] = l.split('\t');
    return [n!, `${s} ${v ?? ''}`.trim()];
  }));
const loaded = (stderr: string): string[] => [...stderr.matchAll(/Loading module (\w+) \((\d+)\/(\d+)\)/g)].map((m) => `${m[1]} (${m[2]}/${m[3]})`);

t.before((ctx) => {
  ctx.pg = startTmpPostgres();
  ctx.timings = {};
  ctx.addons = fs.mkdtempSync(path.join(os.tmpdir(), 'odoo-modules-'));
  fs.cpSync(path.join(FIXTURE, 'integrator_base'), path.join(ctx.addons, 'integrator_base'), { recursive: true });
  // Fails to load like the module used on real Odoo: a data file listed but missing.
  fs.mkdirSync(path.join(ctx.addons, 'integrator_broken'));
  fs.writeFileSync(path.join(ctx.addons, 'integrator_broken/__init__.py'), '');
  fs.writeFileSync(path.join(ctx.addons, 'integrator_broken/__manifest__.py'),
    "{'name': 'Broken', 'version': '1.0', 'depends': ['crm'], 'data': ['views/missing.xml'], 'license': 'LGPL-3'}\n");
});

t.after((ctx) => {
  ctx.pg?.stop();
  if (ctx.addons) fs.rmSync(ctx.addons, { recursive: true, force: true });
  for (const [k, v] of Object.entries(ctx.timings ?? {})) process.stdout.write(`\n  stand-in latency: ${k} ${v} ms`);
});

// ODOO-FACTS.md: `-i base --without-demo=all` on real Odoo.
const BASE_SET: Record<string, string[]> = {
  '16.0': ['auth_totp', 'base', 'base_import', 'bus', 'web', 'web_editor', 'web_kanban_gauge', 'web_tour'],
  '17.0': ['auth_totp', 'base', 'base_import', 'base_import_module', 'base_setup', 'bus', 'iap', 'web', 'web_editor', 'web_tour', 'web_unsplash'],
  '18.0': ['auth_totp', 'base', 'base_import', 'base_import_module', 'base_setup', 'bus', 'html_editor', 'iap', 'web', 'web_editor', 'web_tour', 'web_unsplash'],
};

for (const series of ['16.0', '17.0', '18.0']) {
  t(`${series}: -i base installs exactly real Odoo's auto_install set; every catalog module and stub is registered`, async (ctx) => {
    const db = `base_${series.replace('.', '')}`;
    const r = await odoo(ctx, series, db, '-i', 'base', '--without-demo=all');
    assert.is(r.code, 0, r.stderr);
    ctx.timings[`-i base on ${series} (new database)`] = r.ms;
    assert.equal(installed(ctx, db), BASE_SET[series]);
    const c = loadCatalog(series);
    const counts = Object.fromEntries(ctx.pg.psql(db, 'SELECT state, count(*) FROM ir_module_module GROUP BY 1').trim().split('\n').map((l) => l.split('\t')));
    const notInstallable = [...c.modules.values()].filter((m) => m.installable === false).length;
    assert.equal(counts, {
      installed: String(BASE_SET[series]!.length),
      uninstallable: String(c.stubs.size + notInstallable), // 26 on 17.0, as on real Odoo
      uninstalled: String(c.modules.size + 2 - BASE_SET[series]!.length - notInstallable), // + integrator_base, integrator_broken
    });
    assert.is(ctx.pg.psql(db, "SELECT state, to_buy FROM ir_module_module WHERE name = 'web_studio'"), 'uninstallable\tt\n');
    assert.is(rows(ctx, db).base, `installed ${series}.${c.modules.get('base')!.version}`);
  });
}

t('17.0: -i contacts,integrator_base loads the same modules in the same order as real Odoo 17.0', async (ctx) => {
  const r = await odoo(ctx, '17.0', 'base_170', '-i', 'contacts,integrator_base');
  assert.is(r.code, 0, r.stderr);
  ctx.timings['-i contacts,integrator_base on 17.0'] = r.ms;
  // Real Odoo 17.0 (Clyde1030/odoo17 @62a16a1), same database state, same command.
  assert.equal(loaded(r.stderr), ['mail (10/25)', 'auth_signup (12/25)', 'auth_totp_mail (13/25)', 'base_install_request (14/25)', 'contacts (15/25)',
    'google_gmail (16/25)', 'iap_mail (17/25)', 'mail_bot (18/25)', 'phone_validation (19/25)', 'privacy_lookup (20/25)', 'integrator_base (22/25)',
    'partner_autocomplete (23/25)', 'sms (24/25)', 'snailmail (25/25)']);
  assert.is(installed(ctx, 'base_170').length, 25);
  assert.is(rows(ctx, 'base_170').mail, 'installed 17.0.1.15');
  assert.match(r.stderr, / INFO base_170 odoo\.modules\.registry: Registry loaded in [\d.]+s \n/);
});

t('17.0: a module failing to load: exit 255, Odoo\'s log sequence, and the dependencies loaded before it stay installed (as real Odoo commits per module)', async (ctx) => {
  const before = rows(ctx, 'base_170');
  const r = await odoo(ctx, '17.0', 'base_170', '-i', 'integrator_broken');
  assert.is(r.code, 255, r.stderr);
  assert.equal(loaded(r.stderr), ['http_routing (8/41)', 'onboarding (9/41)', 'resource (10/41)', 'utm (11/41)', 'calendar (19/41)', 'sales_team (26/41)',
    'portal (30/41)', 'auth_totp_portal (33/41)', 'calendar_sms (34/41)', 'digest (35/41)', 'crm (36/41)', 'crm_sms (37/41)', 'iap_crm (38/41)',
    'integrator_broken (39/41)']);
  const lines = r.stderr.replace(/\n$/, '').split('\n');
  const at = (re: RegExp) => lines.findIndex((l) => re.test(l));
  const order = [
    at(/ WARNING base_170 odoo\.modules\.loading: Transient module states were reset $/),
    at(/ ERROR base_170 odoo\.modules\.registry: Failed to load registry $/),
    at(/^FileNotFoundError: File not found: integrator_broken\/views\/missing\.xml$/),
    at(/ CRITICAL base_170 odoo\.service\.server: Failed to initialize database `base_170`\. $/),
  ];
  assert.ok(order.every((i, k) => i >= 0 && (k === 0 || i > order[k - 1]!)), `${order} in\n${r.stderr}`);
  assert.match(lines.at(-1)!, / INFO base_170 odoo\.sql_db: ConnectionPool\(used=0\/count=0\/max=64\): Closed 1 connections {2}$/);
  // What real Odoo 17.0 left in ir_module_module after the same run.
  const after = rows(ctx, 'base_170');
  const changed = Object.keys(after).filter((n) => after[n] !== before[n]).sort();
  assert.equal(changed, ['auth_totp_portal', 'calendar', 'calendar_sms', 'crm', 'crm_sms', 'digest', 'http_routing', 'onboarding', 'portal', 'resource', 'sales_team', 'utm']);
  for (const n of changed) assert.match(after[n]!, /^installed 17\.0\./);
  assert.is(after.iap_crm, 'uninstalled'); // loaded last before the failure: its state write was not committed
  assert.is(after.integrator_broken, 'uninstalled');
  assert.is(ctx.pg.psql('base_170', "SELECT count(*) FROM ir_module_module WHERE state LIKE 'to %'"), '0\n');
});

t('-u cascades to installed dependents; -u base upgrades everything installed', async (ctx) => {
  const r = await odoo(ctx, '17.0', 'base_170', '-u', 'crm');
  assert.is(r.code, 0, r.stderr);
  const names = loaded(r.stderr).map((x) => x.split(' ')[0]);
  assert.equal(names.sort(), ['crm', 'crm_sms']); // iap_crm is not installed (see above)
  const all = await odoo(ctx, '17.0', 'base_170', '-u', 'base');
  assert.is(all.code, 0, all.stderr);
  assert.is(loaded(all.stderr).length, installed(ctx, 'base_170').length);
});

t('18.0: crm auto-installs sale_crm, crm_sms and iap_crm; uninstalling crm removes them; five-part versions', async (ctx) => {
  const db = 'base_180';
  const sale = await odoo(ctx, '18.0', db, '-i', 'sale');
  assert.is(sale.code, 0, sale.stderr);
  const r = await odoo(ctx, '18.0', db, '-i', 'crm');
  assert.is(r.code, 0, r.stderr);
  ctx.timings['-i crm on 18.0'] = r.ms;
  const m = rows(ctx, db);
  for (const n of ['crm', 'sale_crm', 'crm_sms', 'iap_crm']) assert.match(m[n]!, /^installed 18\.0\./, n);
  const py = "env['ir.module.module'].search([('name', '=', 'crm')]).button_immediate_uninstall()\nenv.cr.commit()\n";
  const un = await new Promise<Result>((resolve) => {
    const child = spawn(process.execPath, [ODOO, 'shell', '-d', db, '--db_host', 'db', '-r', 'odoo', '--addons-path', ctx.addons, '--no-http'], {
      env: { ...process.env, ...ctx.pg.env, ODOO_VERSION: '18.0' }, stdio: ['pipe', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (d) => { stderr += d; });
    child.on('close', (code) => resolve({ code: code ?? -1, stderr, ms: 0 }));
    child.stdin.end(py);
  });
  assert.is(un.code, 0, un.stderr);
  const after = rows(ctx, db);
  for (const n of ['crm', 'sale_crm', 'crm_sms', 'iap_crm']) assert.is(after[n], 'uninstalled', n);
  assert.match(after.sale!, /^installed/);
  assert.match(after.sales_team!, /^installed/); // crm's dependencies stay
  const pos = await odoo(ctx, '18.0', db, '-i', 'point_of_sale');
  assert.is(pos.code, 0, pos.stderr);
  assert.is(rows(ctx, db).point_of_sale, 'installed 18.0.1.0.2');
});

t('a series the stand-in does not support: a clear error, no database created', async (ctx) => {
  const r = await odoo(ctx, '19.0', 'base_190', '-i', 'base');
  assert.is(r.code, 1);
  assert.match(r.stderr, / CRITICAL \? odoo: odoo stand-in: Odoo 19\.0 is not supported \(supported series: 16\.0, 17\.0, 18\.0; /);
  assert.is(ctx.pg.psql('postgres', "SELECT count(*) FROM pg_database WHERE datname = 'base_190'"), '0\n');
});

t.run();

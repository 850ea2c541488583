/**
 * Provisioning bare sandbox servers (`sandbox up --bare`: sshd, python3, git, the docker/odoo
 * stand-ins and PostgreSQL, nothing under /srv/odoo) from the examples' desired state, through
 * the product's reconcile (probe -> plan -> lock -> apply), as any other change:
 * - acme: both instances provisioned; then the plan's and drift's detailed exit codes are 0
 *   for its instances (and the CLI's plan and drift list nothing for them), and the machine's
 *   /etc is unchanged;
 * - boreal: a module that fails to install in production stops its provisioning with a
 *   marker naming what exists, test untouched; with the module removed, the next apply continues;
 * - cobalt: a database left in PostgreSQL without a layout is refused (nothing of it changed,
 *   production not touched), and a filestore without a layout blocks at plan time; `odoops
 *   resolve` shows the refusal, clears it only with --yes and once the layout odoops wrote is
 *   gone, and the next plan provisions the instance afresh.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { loadDesiredState, type ClientSpec, type DesiredState, type InstanceSpec } from '../../operator/desired/index.ts';
import { driftStatusExitCode } from '../../operator/drift/classify.ts';
import { driftStatusOf } from '../../operator/drift/observe.ts';
import { planExitCode } from '../../operator/plan/plan.ts';
import { windowStatus } from '../../operator/plan/windows.ts';
import { reconcile, type ClientOutcome } from '../../operator/reconcile/index.ts';
import { sandboxExec } from '../../operator/sandbox/index.ts';
import type { ProvisionMarker } from '../../operator/provision/types.ts';
import { runOdoops } from '../util/cli.ts';
import { startSandbox, stopSandbox, type SandboxInfo } from '../util/sandbox.ts';
import { differences, etcDigest } from '../util/machine-etc.ts';

const t = suite('provisioning bare sandbox servers');
let info: SandboxInfo | undefined;
let desired: DesiredState;

t.before(async () => {
  info = await startSandbox(3, { bare: true });
  desired = await loadDesiredState({ repo: info.repoDir });
});
t.after(async () => {
  await stopSandbox(info);
});

const clientOf = (name: string): ClientSpec => {
  const c = desired.clients.find((x) => x.name === name);
  if (!c) throw new Error(`no client ${name} in the sandbox repo`);
  return c;
};
const instanceOf = (c: ClientSpec, name: string): InstanceSpec => c.instances.find((i) => i.name === name)!;

const BASE = new Date('2026-12-07T00:00:00Z');
/** An instant when the instance's update window is open (the examples' windows are kept as they are). */
function openAt(inst: InstanceSpec): Date {
  const w = windowStatus(inst.windows, BASE);
  return w.open ? BASE : new Date(Date.parse(w.nextOpening!) + 60_000);
}

function apply(spec: ClientSpec, now: Date): Promise<ClientOutcome> {
  return reconcile(spec, desired.revision, { mode: 'apply', now: () => now, ssh: { privateKeyPath: info!.privateKeyPath }, healthTimeoutMs: 30_000 });
}
function plan(spec: ClientSpec): Promise<ClientOutcome> {
  return reconcile(spec, desired.revision, { mode: 'plan', ssh: { privateKeyPath: info!.privateKeyPath } });
}
const outcomes = (r: ClientOutcome): Record<string, string> => Object.fromEntries((r.apply?.instances ?? []).map((i) => [i.instance, i.outcome]));

async function sh(client: string, script: string, ...args: string[]): Promise<string> {
  const r = await sandboxExec(info!, client, ['sh', '-c', script, 'sh', ...args]);
  if (r.code !== 0) throw new Error(`${client}: ${script}: exit ${r.code}: ${r.stderr}`);
  return r.stdout;
}
const psql = (client: string, database: string, sql: string) => sh(client, 'psql -h /var/run/postgresql -U odoo -d "$1" -At -c "$2"', database, sql);
async function installed(client: string, database: string): Promise<string[]> {
  return (await psql(client, database, "SELECT name FROM ir_module_module WHERE state = 'installed' ORDER BY name")).trim().split('\n');
}
async function databases(client: string): Promise<string[]> {
  return (await psql(client, 'postgres', 'SELECT datname FROM pg_database WHERE NOT datistemplate ORDER BY 1')).trim().split('\n');
}
/** Files of an instance with their mode and digest, and whether its odoo runs: what "untouched" compares. */
async function fingerprint(client: string, inst: InstanceSpec): Promise<string> {
  const files = await sh(client, 'cd "/srv/odoo/$1" && find . -path ./addons/*/.git -prune -o -type f -print | sort | while read -r f; do printf "%s %s %s\\n" "$f" "$(stat -c %a "$f")" "$(sha256sum < "$f" | cut -c1-16)"; done', inst.name);
  const running = await sh(client, 'docker compose -f "/srv/odoo/$1/compose.yaml" ps --format "{{.Service}} {{.State}} {{.ID}}"', inst.name);
  return `${files}\n${running}\n${(await installed(client, inst.database)).join(',')}`;
}
async function marker(client: string, instance: string): Promise<ProvisionMarker | null> {
  const out = await sh(client, 'cat "/var/lib/odoops/provision/$1.json" 2>/dev/null || true', instance);
  return out.trim() ? (JSON.parse(out) as ProvisionMarker) : null;
}

const odoops = (args: string[]) => runOdoops(info!, args);

t('acme from bare to both instances running: plan and drift then report nothing; the machine\'s /etc is unchanged', async () => {
  const etcBefore = await etcDigest();
  const acme = clientOf('acme');
  const first = await plan(acme);
  for (const ip of first.plan.instances) {
    assert.is(ip.blocked, undefined, `${ip.instance}: ${ip.blocked?.message}`);
    assert.is(ip.actions[0]?.kind, 'provision-layout');
    assert.is(ip.actions.at(-1)?.kind, 'provision-done');
  }
  // Test first (its window), then production (its own window): applied like any other change.
  const test = await apply(acme, openAt(instanceOf(acme, 'test')));
  assert.is(outcomes(test).test, 'applied', JSON.stringify(test.apply, null, 1));
  const prod = await apply(acme, openAt(instanceOf(acme, 'production')));
  assert.is(outcomes(prod).production, 'applied', JSON.stringify(prod.apply, null, 1));

  const passwords: string[] = [];
  for (const inst of acme.instances) {
    const modes = await sh('acme', 'cd "/srv/odoo/$1" && stat -c "%n %a" compose.yaml .env odoo.conf addons filestore', inst.name);
    assert.is(modes, 'compose.yaml 644\n.env 600\nodoo.conf 640\naddons 755\nfilestore 755\n');
    // The database password: made on the server, the same in .env and odoo.conf, nowhere in compose.yaml.
    const password = /^DB_PASSWORD=(.+)$/m.exec(await sh('acme', 'cat "/srv/odoo/$1/.env"', inst.name))?.[1] ?? '';
    assert.match(password, /^[A-Za-z0-9_-]{43}$/);
    passwords.push(password);
    assert.match(await sh('acme', 'cat "/srv/odoo/$1/odoo.conf"', inst.name), new RegExp(`^db_password = ${password}$`, 'm'));
    assert.not.ok((await sh('acme', 'cat "/srv/odoo/$1/compose.yaml"', inst.name)).includes(password));
    const have = await installed('acme', inst.database);
    for (const m of inst.modules) assert.ok(have.includes(m), `${inst.name}: ${m} installed (${have.join(', ')})`);
    assert.is(await marker('acme', inst.name), null, 'the provisioning marker is gone');
    const state = JSON.parse(await sh('acme', 'cat /var/lib/odoops/state.json')) as { instances: Record<string, { revision: string }> };
    assert.is(state.instances[inst.name]?.revision, desired.revision);
    assert.match(await sh('acme', 'curl -fsS "http://127.0.0.1:$1/web/health"', String(inst.httpPort)), /"pass"/);
  }
  assert.is(new Set(passwords).size, acme.instances.length, 'one password per instance');
  for (const r of [first, test, prod]) assert.not.ok(JSON.stringify(r).includes(passwords[0]!) || JSON.stringify(r).includes(passwords[1]!), 'no password in plans or results');
  // Nothing left to do: what odoops rendered and installed reads back as the desired state
  // (the exit codes `plan`/`drift --detailed-exitcode` give for the instances).
  const after = await plan(acme);
  assert.is(planExitCode([after.plan]), 0, JSON.stringify(after.plan.instances, null, 1));
  assert.is(driftStatusExitCode(driftStatusOf([acme], [after], after.plan.revision, new Date())), 0);
  // The CLI says the same of the instances. (It also plans the files odoops keeps on the
  // server, operator/managed/, which a bare sandbox server cannot activate: no systemd.)
  const p = await odoops(['plan', '--repo', info!.repoDir, '--client', 'acme', '--json']);
  const plans = (JSON.parse(p.stdout) as { clients: { client: string; instances: { instance: string; actions: unknown[]; blocked?: unknown; changes: unknown[] }[] }[] }).clients;
  for (const ip of plans[0]!.instances) assert.equal([ip.instance, ip.actions, ip.blocked, ip.changes], [ip.instance, [], undefined, []], p.stderr);
  const d = await odoops(['drift', '--repo', info!.repoDir, '--client', 'acme', '--json']);
  // Drift's status (operator/drift/): every instance in sync, nothing differs from what odoops applied.
  const drift = JSON.parse(d.stdout) as { clients: { client: string; instances: { instance: string; state: string; drift: unknown[] }[] }[] };
  assert.equal(drift.clients.flatMap((c) => c.instances.map((i) => [i.instance, i.state, i.drift.length])), [['test', 'in-sync', 0], ['production', 'in-sync', 0]], d.stdout);
  assert.equal(differences(etcBefore, await etcDigest()), [], 'the machine\'s /etc changed');
});

/** A bare repository with one module whose manifest names a data file that is not there: `odoo -i` fails (exit 255). */
function brokenAddonsRepo(): string {
  const bare = path.join(info!.dir, 'git', 'broken-addons.git');
  const work = mkdtempSync(path.join(tmpdir(), 'odoops-broken-'));
  const git = (...a: string[]) => execFileSync('git', ['-C', work, '-c', 'user.name=t', '-c', 'user.email=t@example.com', ...a], { stdio: 'pipe' });
  try {
    mkdirSync(path.join(work, 'broken_module'));
    writeFileSync(path.join(work, 'broken_module', '__init__.py'), '');
    writeFileSync(path.join(work, 'broken_module', '__manifest__.py'), "{'name': 'Broken', 'version': '1.0', 'depends': ['base'], 'data': ['views/missing.xml'], 'license': 'LGPL-3'}\n");
    git('init', '-q', '-b', 'main');
    git('add', '-A');
    git('commit', '-qm', 'a module whose data file is missing');
    execFileSync('git', ['init', '-q', '--bare', '-b', 'main', bare], { stdio: 'pipe' });
    git('push', '-q', bare, 'main');
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  return `file://${bare}`;
}

t('boreal: a module failing mid-provision leaves a marker naming what exists, test untouched; the next apply continues', async () => {
  const boreal = clientOf('boreal');
  const test = await apply(boreal, openAt(instanceOf(boreal, 'test')));
  assert.is(outcomes(test).test, 'applied', JSON.stringify(test.apply, null, 1));
  const testInst = instanceOf(boreal, 'test');
  const before = await fingerprint('boreal', testInst);

  const prodSpec = instanceOf(boreal, 'production');
  const broken: ClientSpec = {
    ...boreal,
    instances: boreal.instances.map((i) => (i.name !== 'production' ? i : {
      ...i,
      modules: [...i.modules, 'broken_module'],
      addons: [...i.addons, { name: 'broken-addons', url: brokenAddonsRepo(), ref: 'main' }],
    })),
  };
  const failed = await apply(broken, openAt(prodSpec));
  const prod = failed.apply!.instances.find((i) => i.instance === 'production')!;
  assert.is(prod.outcome, 'failed', JSON.stringify(prod, null, 1));
  assert.is(prod.reason?.code, 'provision-incomplete');
  assert.match(prod.detail!, /provisioning stopped at provision-modules: .*broken_module/);
  assert.match(prod.detail!, /exists: layout \(compose\.yaml, \.env, odoo\.conf\), addons checkouts \(broken-addons, integrator-addons\), .*database boreal_prod/);
  assert.match(prod.detail!, /marker \/var\/lib\/odoops\/provision\/production\.json; the next apply continues/);
  const m = await marker('boreal', 'production');
  assert.is(m?.status, 'failed');
  assert.is(m?.step, 'provision-modules');
  assert.is(m?.database, 'created');
  assert.ok(m?.exists?.includes('database boreal_prod'), JSON.stringify(m));
  assert.not.ok(m && JSON.stringify(m).includes('broken_module: installed'));
  // Nothing of the other instance was touched.
  assert.is(await fingerprint('boreal', testInst), before);
  assert.is((await installed('boreal', 'boreal_prod')).includes('broken_module'), false);

  // The plan says where provisioning stopped and continues it (the layout is there now).
  const again = await plan(broken);
  const ip = again.plan.instances.find((i) => i.instance === 'production')!;
  assert.is(ip.blocked, undefined);
  assert.is(ip.actions[0]?.kind, 'provision-layout');
  assert.match(String(ip.changes.find((c) => c.path === 'provisioning')?.reason), /provisioning stopped at provision-modules in run .*; the next apply continues/);

  // With the broken module out of the desired state, the next apply finishes the provisioning,
  // keeping the database password the first layout step made (the database was made with it).
  const envOf = () => sh('boreal', 'grep ^DB_PASSWORD= /srv/odoo/production/.env');
  const passwordBefore = await envOf();
  const fixed = await apply(boreal, openAt(prodSpec));
  assert.is(await envOf(), passwordBefore);
  assert.is(outcomes(fixed).production, 'applied', JSON.stringify(fixed.apply, null, 1));
  const dbStep = fixed.apply!.instances.find((i) => i.instance === 'production')!.actions.find((a) => a.action.kind === 'provision-database');
  assert.match(dbStep?.output ?? '', /database boreal_prod was created by an earlier provisioning run: kept/);
  assert.is(await marker('boreal', 'production'), null);
  for (const mod of prodSpec.modules) assert.ok((await installed('boreal', 'boreal_prod')).includes(mod), mod);
  assert.is(await fingerprint('boreal', testInst), before, 'test still untouched');
});

t('cobalt: a leftover database without a layout is refused and kept as it was; a leftover filestore blocks at plan time', async () => {
  const cobalt = clientOf('cobalt');
  const testInst = instanceOf(cobalt, 'test');
  // A database of an earlier installation: odoops must never overwrite it.
  await psql('cobalt', 'postgres', `CREATE DATABASE ${testInst.database}`);
  await psql('cobalt', testInst.database, 'CREATE TABLE invoices (id serial PRIMARY KEY, amount numeric); INSERT INTO invoices (amount) SELECT g * 1.5 FROM generate_series(1, 500) g');
  const checksum = () => psql('cobalt', testInst.database, "SELECT count(*), md5(string_agg(id || ':' || amount, ',' ORDER BY id)) FROM invoices");
  const before = await checksum();

  const r = await apply(cobalt, openAt(testInst));
  const ti = r.apply!.instances.find((i) => i.instance === 'test')!;
  assert.is(ti.outcome, 'blocked', JSON.stringify(ti, null, 1));
  assert.is(ti.reason?.code, 'data-exists');
  assert.match(ti.detail!, /database cobalt_test already exists and odoops did not create it/);
  const pi = r.apply!.instances.find((i) => i.instance === 'production')!;
  assert.is.not(pi.outcome, 'applied');
  assert.is(await sh('cobalt', 'test -e /srv/odoo/production && echo present || echo absent'), 'absent\n', 'production not touched');
  assert.equal(await databases('cobalt'), ['cobalt_test', 'postgres'], 'no database created, none dropped');
  assert.is(await checksum(), before, 'the leftover database is unchanged');
  assert.equal(await psql('cobalt', testInst.database, "SELECT count(*) FROM pg_tables WHERE tablename = 'ir_module_module'"), '0\n', 'Odoo never ran on it');
  const m = await marker('cobalt', 'test');
  assert.is(m?.status, 'refused');
  assert.equal(m?.exists, ['database cobalt_test']);

  // From now on the plan itself says so, before anything runs; so does a filestore without layout.
  await sh('cobalt', 'mkdir -p /srv/odoo/production/filestore/cobalt_prod && echo data > /srv/odoo/production/filestore/cobalt_prod/attachment');
  const p = await plan(cobalt);
  for (const ip of p.plan.instances) {
    assert.is(ip.blocked?.code, 'data-exists', `${ip.instance}: ${JSON.stringify(ip)}`);
    assert.equal(ip.actions, []);
  }
  assert.match(p.plan.instances.find((i) => i.instance === 'test')!.blocked!.message, /remove the marker \/var\/lib\/odoops\/provision\/test\.json/);
  assert.match(p.plan.instances.find((i) => i.instance === 'production')!.blocked!.message, /a filestore \(cobalt_prod\)/);
  const again = await apply(cobalt, openAt(testInst));
  assert.equal(Object.values(outcomes(again)), ['blocked', 'blocked']);
  assert.is(await checksum(), before);
  assert.is(await sh('cobalt', 'cat /srv/odoo/production/filestore/cobalt_prod/attachment'), 'data\n');
});

t('cobalt: odoops resolve shows the refusal, clears it only with --yes once the layout is gone; then the plan provisions afresh', async () => {
  const cobalt = clientOf('cobalt');
  const testInst = instanceOf(cobalt, 'test');
  const resolve = (...extra: string[]) => odoops(['resolve', 'cobalt', 'test', '--repo', info!.repoDir, ...extra]);
  const before = await marker('cobalt', 'test');
  assert.is(before?.status, 'refused');

  // Without --yes: what the marker says, and nothing changed.
  const shown = await resolve();
  assert.is(shown.code, 1, shown.stderr);
  assert.match(shown.stderr, /cobalt\/test: provisioning refused at \S+ \(run /);
  assert.match(shown.stderr, /exists on the server: database cobalt_test/);
  assert.match(shown.stderr, /marker: \/var\/lib\/odoops\/provision\/test\.json/);
  assert.match(shown.stderr, /run again with --yes/);
  assert.equal(await marker('cobalt', 'test'), before);

  // The person deals with the database; odoops' layout is still there: --yes refuses to clear.
  await psql('cobalt', 'postgres', `DROP DATABASE ${testInst.database}`);
  const layoutThere = await resolve('--yes');
  assert.is(layoutThere.code, 1, layoutThere.stderr);
  assert.match(layoutThere.stderr, /the layout odoops wrote is still there \(compose\.yaml, \.env, odoo\.conf in \/srv\/odoo\/test\)/);
  assert.equal(await marker('cobalt', 'test'), before);

  // What odoops wrote removed (layout and addons checkouts): cleared, journalled, and the
  // next plan provisions test from the start.
  await sh('cobalt', 'docker compose -f /srv/odoo/test/compose.yaml down >/dev/null 2>&1 || true; rm -rf /srv/odoo/test');
  const cleared = await resolve('--yes');
  assert.is(cleared.code, 0, cleared.stderr);
  assert.match(cleared.stdout, /^cleared the provisioning marker of cobalt\/test; it said:\ncobalt\/test: provisioning refused/);
  assert.is(await marker('cobalt', 'test'), null);
  assert.match(await sh('cobalt', 'cat /var/lib/odoops/journal.log'), /provisioning marker cleared \(refused at /);
  const p = await plan(cobalt);
  const ip = p.plan!.instances.find((i) => i.instance === 'test')!;
  assert.is(ip.blocked, undefined, JSON.stringify(ip.blocked));
  assert.is(ip.actions[0]?.kind, 'provision-layout');

  // Nothing left to resolve: a clear error, exit 1.
  const none = await resolve('--yes');
  assert.is(none.code, 1);
  assert.match(none.stderr, /no needs-manual-restore marker/);
});

t.run();

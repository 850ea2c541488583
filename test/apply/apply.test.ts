/**
 * Reconcile (probe -> plan -> lock -> apply) against a real sandbox server over SSH.
 * One server; each test changes the desired state and checks the server itself.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { reconcile, type ClientOutcome, type ReconcileOptions } from '../../operator/reconcile/index.ts';
import { connectSsh } from '../../operator/live/ssh.ts';
import { tryLock } from '../../operator/apply/lock.ts';
import type { InstanceSpec } from '../../operator/desired/types.ts';
import { sandboxExec, sandboxFault } from '../../operator/sandbox/index.ts';
import { startSandbox, stopSandbox, type SandboxInfo } from '../util/sandbox.ts';
import { clientSpec, commitToAddons as commitToFixtureAddons, instanceSpec, ssh } from './fixture.ts';
import { resolveMarker } from '../../operator/apply/marker.ts';

const test = suite('apply on the sandbox');
let info: SandboxInfo;
let desired: { test: InstanceSpec; production: InstanceSpec };
let rev = 0;

test.before(async () => {
  info = await startSandbox(1);
  desired = { test: instanceSpec(info, 'test'), production: instanceSpec(info, 'production') };
});
test.after(async () => {
  await stopSandbox(info);
});

const client = () => info.servers[0]!.client;
const sh = async (script: string) => (await sandboxExec(info, client(), ['sh', '-c', script])).stdout;
const spec = () => clientSpec(info, [desired.test, desired.production]);
const apply = (opts: Partial<ReconcileOptions> = {}): Promise<ClientOutcome> =>
  reconcile(spec(), `rev${++rev}`, { mode: 'apply', healthTimeoutMs: 10_000, ...opts, ssh: { ...ssh(info), ...(opts.ssh ?? {}) } });
const outcomes = (r: ClientOutcome) => r.apply?.instances.map((i) => `${i.instance}:${i.outcome}`) ?? [];
async function modules(db: string): Promise<Record<string, string>> {
  const inst = db === 'acme_test' ? 'test' : 'production';
  const out = await sh(`docker compose -f /srv/odoo/${inst}/compose.yaml exec -T db psql -U odoo -d ${db} -At -F ' ' -c "SELECT name, state, coalesce(latest_version, '-') FROM ir_module_module"`);
  const rows: Record<string, string> = {};
  for (const line of out.trim().split('\n')) {
    const [n, s, v] = line.split(' ');
    if (n) rows[n] = `${s} ${v}`;
  }
  return rows;
}

const commitToAddons = (edit: (dir: string) => void, tag: string) => commitToFixtureAddons(info, edit, tag);

test('first apply converges test then production; probe reads modules; state, journal and snapshots on the server', async () => {
  const r = await apply();
  assert.equal(outcomes(r), ['test:applied', 'production:applied'], JSON.stringify(r.apply, null, 1));
  assert.equal(r.apply!.instances.map((i) => i.instance), ['test', 'production']);
  // Read back independently of odoops' probe.
  const m = await modules('acme_test');
  assert.is(m.contacts, 'installed 17.0.1.0');
  assert.is(m.integrator_base, 'installed 17.0.1.0');
  const state = JSON.parse(await sh('cat /var/lib/odoops/state.json'));
  assert.is(state.instances.test.revision, `rev${rev}`);
  assert.is(state.instances.production.revision, `rev${rev}`);
  const journal = (await sh('cat /var/lib/odoops/journal.log')).trim().split('\n').map((l) => JSON.parse(l));
  assert.ok(journal.some((j) => j.step === 'install-modules' && j.instance === 'test' && j.outcome === 'ok'));
  assert.match(await sh('ls /var/lib/odoops/snapshots/test/*/'), /odoo\.conf/);
  assert.is((await sh('cat /var/lib/odoops/lock.json 2>/dev/null; true')).trim(), '', 'lock released cleanly');
  // The next probe sees it all.
  const again = await reconcile(spec(), `rev${rev}`, { mode: 'plan', ssh: ssh(info) });
  assert.ok(again.live.reachable);
  if (again.live.reachable) {
    const t = again.live.instances.test!;
    assert.is(t.modules.integrator_base?.state, 'installed');
    assert.is(t.modules.integrator_base?.manifestVersion, '17.0.1.0');
    assert.is(t.odooVersion, '17.0', 'series read from the image metadata (ODOO_VERSION)');
    assert.is(t.imagePresent, true);
    assert.match(t.imageDigest ?? '', /^sha256:[0-9a-f]{64}$/);
    assert.is(t.lastApplied?.revision, `rev${rev}`);
    assert.is(t.options.workers, '2');
  }
});

test('idempotent: an apply right after a successful one plans nothing and touches nothing', async () => {
  const journalBefore = await sh('wc -l < /var/lib/odoops/journal.log');
  const r = await apply();
  assert.ok(r.plan.instances.every((i) => i.actions.length === 0), JSON.stringify(r.plan.instances.map((i) => i.changes)));
  assert.equal(outcomes(r), ['test:unchanged', 'production:unchanged']);
  assert.is(await sh('wc -l < /var/lib/odoops/journal.log'), journalBefore);
});

test('install a module', async () => {
  desired.test.modules = [...desired.test.modules, 'crm'];
  desired.production.modules = [...desired.production.modules, 'crm'];
  const r = await apply();
  assert.equal(outcomes(r), ['test:applied', 'production:applied']);
  assert.match((await modules('acme_prod')).crm ?? '', /^installed /);
});

test('uninstall a listed module', async () => {
  desired.test.modules = desired.test.modules.filter((m) => m !== 'crm');
  desired.test.removeModules = ['crm'];
  const r = await apply();
  assert.equal(outcomes(r), ['test:applied', 'production:unchanged']);
  assert.match((await modules('acme_test')).crm ?? '', /^uninstalled /);
  assert.match((await modules('acme_prod')).crm ?? '', /^installed /, 'production keeps crm');
});

test('upgrade through an addons ref change: new tag with a bumped manifest', async () => {
  commitToAddons((dir) => {
    const f = path.join(dir, 'integrator_base', '__manifest__.py');
    writeFileSync(f, readFileSync(f, 'utf8').replace("'version': '1.0'", "'version': '1.1'"));
  }, 'v1.1');
  desired.test.addons = [{ ...desired.test.addons[0]!, ref: 'v1.1' }];
  const r = await apply();
  assert.equal(outcomes(r), ['test:applied', 'production:unchanged'], JSON.stringify(r.apply, null, 1));
  const kinds = r.apply!.instances[0]!.actions.map((a) => a.action.kind);
  assert.ok(kinds.includes('checkout-addons') && kinds.includes('upgrade-modules'), kinds.join(','));
  assert.is((await modules('acme_test')).integrator_base, 'installed 17.0.1.1');
  assert.is((await modules('acme_prod')).integrator_base, 'installed 17.0.1.0');
  const head = (await sh('git -C /srv/odoo/test/addons/integrator-addons rev-parse HEAD')).trim();
  assert.is(head, execFileSync('git', ['--git-dir', info.addonsRepos['integrator-addons']!.replace('file://', ''), 'rev-parse', 'v1.1^{commit}'], { encoding: 'utf8' }).trim());
});

test('switch image: .env rewritten and the container recreated on the new image', async () => {
  desired.test.image = 'registry.example.com/odoo:17.0-20261201';
  const r = await apply();
  assert.equal(outcomes(r), ['test:applied', 'production:unchanged']);
  assert.match(await sh('cat /srv/odoo/test/.env'), /^ODOO_IMAGE=registry\.example\.com\/odoo:17\.0-20261201$/m);
  const ps = await sh('docker compose -f /srv/odoo/test/compose.yaml ps --format json');
  assert.ok(ps.split('\n').some((l) => l.includes('"Service":"odoo"') && l.includes('"Image":"registry.example.com/odoo:17.0-20261201"') && l.includes('"State":"running"')));
});

test('window closed: nothing applied, next opening reported', async () => {
  const before = await sh('cat /srv/odoo/production/.env');
  desired.production.image = 'registry.example.com/odoo:17.0-20261201';
  desired.production.windows = [{ kind: 'allow', schedule: '0 2 * * 0', duration: '3h', timeZone: 'Europe/Paris', manualSync: true }];
  const wednesday = new Date('2026-11-25T12:00:00Z');
  const r = await apply({ now: () => wednesday });
  const prod = r.apply!.instances.find((i) => i.instance === 'production')!;
  assert.is(prod.outcome, 'waiting');
  assert.match(prod.detail!, /^window closed; next opening Sun 2026-11-29 02:00 Europe\/Paris/);
  assert.is(await sh('cat /srv/odoo/production/.env'), before);
  desired.production.windows = [];
});

test('lock held by another run: fails clearly, nothing changed', async () => {
  const other = await connectSsh(client(), spec().server, ssh(info));
  const held = await tryLock(other, client(), { runId: 'other-run' });
  assert.ok(held.acquired);
  try {
    const before = await sh('cat /srv/odoo/production/.env');
    const r = await apply();
    assert.is(r.apply?.error?.code, 'locked');
    assert.match(r.apply?.error?.message ?? '', new RegExp(`^${client()} is locked by run other-run on host \\S+ since `));
    assert.equal(outcomes(r), ['test:unchanged', 'production:skipped']);
    assert.is(r.apply?.instances[1]?.reason?.code, 'locked');
    assert.is(await sh('cat /srv/odoo/production/.env'), before);
  } finally {
    await held.release();
    await other.close();
  }
  const r = await apply();
  assert.equal(outcomes(r), ['test:unchanged', 'production:applied'], 'applies once the lock is free');
});

test('a module that fails to load on test: test rolled back, production untouched; the next apply converges', async () => {
  commitToAddons((dir) => {
    mkdirSync(path.join(dir, 'integrator_broken'));
    writeFileSync(path.join(dir, 'integrator_broken', '__init__.py'), '');
    writeFileSync(path.join(dir, 'integrator_broken', '__manifest__.py'),
      "{'name': 'Broken', 'version': '1.0', 'depends': ['base'], 'data': ['views/missing.xml'], 'installable': True}\n");
  }, 'v1.2-broken');
  const goodCommit = (await sh('git -C /srv/odoo/test/addons/integrator-addons rev-parse HEAD')).trim();
  const confBefore = await sh('cat /srv/odoo/test/odoo.conf');
  const prodEnv = await sh('cat /srv/odoo/production/.env');
  const prodBackups = await sh('ls /var/lib/odoops/snapshots/production');
  for (const i of [desired.test, desired.production]) {
    i.addons = [{ ...i.addons[0]!, ref: 'v1.2-broken' }];
    i.modules = [...i.modules, 'integrator_broken'];
    i.options = { ...i.options, workers: 4 };
  }
  const r = await apply();
  const t = r.apply!.instances.find((i) => i.instance === 'test')!;
  assert.is(t.outcome, 'rolled-back', JSON.stringify(t, null, 1));
  const failed = t.actions.find((a) => a.outcome === 'failed')!;
  assert.is(failed.action.kind, 'install-modules');
  assert.match(failed.command!, /odoo -c \/etc\/odoo\/odoo.conf -d acme_test -i /);
  assert.match(failed.output!, /Failed to load registry|Failed to initialize database/);
  // The reason is Odoo's exception line, not its last line ("Stopping gracefully"); the ERROR and CRITICAL lines are kept.
  assert.match(t.detail!, /^install-modules failed: odoo -i integrator_broken: exit 255: FileNotFoundError: File not found: integrator_broken\/views\/missing\.xml;/, t.detail);
  assert.not.match(t.detail!, /Stopping gracefully/);
  assert.match(failed.output!, / ERROR acme_test odoo\.modules\.registry: Failed to load registry/);
  assert.match(failed.output!, / CRITICAL acme_test odoo\.service\.server: Failed to initialize database `acme_test`\./);
  assert.is(r.apply!.instances.find((i) => i.instance === 'production')!.outcome, 'skipped');
  // Test restored: addons commit, odoo.conf, modules; production not touched at all.
  assert.is((await sh('git -C /srv/odoo/test/addons/integrator-addons rev-parse HEAD')).trim(), goodCommit);
  assert.is(await sh('cat /srv/odoo/test/odoo.conf'), confBefore);
  assert.not.match((await modules('acme_test')).integrator_broken ?? '', /^installed/);
  assert.is((await sh('curl -fsS http://127.0.0.1:8070/web/health')).trim(), '{"status": "pass"}');
  assert.is(await sh('cat /srv/odoo/production/.env'), prodEnv);
  assert.is(await sh('ls /var/lib/odoops/snapshots/production'), prodBackups, 'no production snapshot: never started');
  // The fix lands: the broken module is dropped from the desired state.
  for (const i of [desired.test, desired.production]) i.modules = i.modules.filter((m) => m !== 'integrator_broken');
  const fixed = await apply();
  assert.equal(outcomes(fixed), ['test:applied', 'production:applied'], JSON.stringify(fixed.apply, null, 1));
  assert.match(await sh('cat /srv/odoo/production/odoo.conf'), /^workers = 4$/m);
});

test('PostgreSQL stops mid-apply: cleanly reported; after it is back the next apply converges', async () => {
  desired.test.modules = [...desired.test.modules, 'project'];
  let injected = false;
  try {
    const r = await apply({
      onProgress: async (e) => {
        if (e.step === 'install-modules' && e.status === 'start' && !injected) {
          injected = true;
          await sandboxFault({ dir: info.dir, client: client(), fault: 'db-stop' });
        }
      },
    });
    assert.ok(injected);
    const t = r.apply!.instances.find((i) => i.instance === 'test')!;
    assert.ok(t.outcome === 'failed' || t.outcome === 'rolled-back', JSON.stringify(t, null, 1));
    assert.match(t.detail!, /install-modules failed/);
    if (t.outcome === 'failed') {
      assert.match(t.detail!, /ROLLBACK FAILED .*snapshot kept at \/var\/lib\/odoops\/snapshots\/test\//, t.detail);
      // A failed rollback blocks the instance until a person resolves it (here: nothing was lost).
      const session = await connectSsh(client(), spec().server, ssh(info));
      try {
        assert.equal(await resolveMarker(session, client(), 'test').then((x) => x.cleared), true);
      } finally {
        await session.close();
      }
    }
  } finally {
    await sandboxFault({ dir: info.dir, client: client(), fault: 'db-start' });
  }
  const again = await apply();
  assert.ok(again.apply?.instances.find((i) => i.instance === 'test')?.outcome === 'applied', JSON.stringify(again.apply, null, 1));
  assert.match((await modules('acme_test')).project ?? '', /^installed /);
  const idle = await apply();
  assert.ok(idle.apply?.instances.every((i) => i.outcome === 'unchanged'), 'converged');
});

test('link down mid-apply: reported, the server lock expires, the next apply converges', async () => {
  desired.test.modules = [...desired.test.modules, 'hr'];
  let injected = false;
  try {
    const r = await apply({
      ssh: { keepaliveIntervalMs: 500, readyTimeoutMs: 3000 },
      lockIdleMs: 3000,
      onProgress: async (e) => {
        if (e.step === 'install-modules' && e.status === 'start' && !injected) {
          injected = true;
          await sandboxFault({ dir: info.dir, client: client(), fault: 'link-down' });
        }
      },
    });
    assert.ok(injected, JSON.stringify({ plan: r.plan, apply: r.apply, live: r.live.reachable ? undefined : r.live }).slice(0, 3000));
    const t = r.apply!.instances.find((i) => i.instance === 'test')!;
    assert.is(t.outcome, 'failed', JSON.stringify(t, null, 1));
    assert.match(t.detail!, /install-modules failed/);
  } finally {
    await sandboxFault({ dir: info.dir, client: client(), fault: 'link-up' });
  }
  // The server drops the silent holder after lockIdleMs: waiting for the lock is waiting for that.
  const again = await apply({ lockWaitMs: 60_000 });
  assert.is(again.apply?.error, undefined, again.apply?.error?.message);
  assert.match((await modules('acme_test')).hr ?? '', /^installed /);
  const idle = await apply();
  assert.ok(idle.apply?.instances.every((i) => i.outcome === 'unchanged'), 'converged');
});

test.run();

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { compareVersions, diffInstance, imageSeries, odooOptionString } from '../../operator/plan/diff.ts';
import { planClient, planExitCode, planHasActions, sequenceInstances, summarizePlans } from '../../operator/plan/plan.ts';
import { TRANSIENT, type InstancePlan, type Plan } from '../../operator/plan/types.ts';
import { SECRET_DIFFERS, SECRET_MATCHES, type LiveInstance } from '../../operator/live/types.ts';
import { clientSpec, instanceSpec, liveFor, liveState, NOW, REV, SHA_V1, SHA_V2, SUNDAY_WINDOW, URL } from './fixtures.ts';

const opts = { revision: REV, now: NOW };
const kinds = (p: InstancePlan | undefined): string[] => (p?.actions ?? []).map((a) => a.kind);
const inst = (plan: Plan, name: string): InstancePlan => {
  const p = plan.instances.find((i) => i.instance === name);
  assert.ok(p, `instance ${name} planned`);
  return p as InstancePlan;
};

test('helpers: versions, image series, option strings', () => {
  assert.is(compareVersions('17.0.1.10', '17.0.1.9'), 1);
  assert.is(compareVersions('17.0.1.0', '17.0.1'), 0);
  assert.is(compareVersions('16.0.2.0', '17.0.1.0'), -1);
  assert.is(imageSeries('registry.example.com:5000/odoo:17.0-20261101'), '17.0');
  assert.is(imageSeries('odoo:16.0@sha256:' + 'a'.repeat(64)), '16.0');
  assert.is(imageSeries('registry.example.com:5000/odoo'), null);
  assert.is(imageSeries('odoo:latest'), null);
  assert.is(odooOptionString(true), 'True');
  assert.is(odooOptionString(false), 'False');
  assert.is(odooOptionString(2), '2');
});

test('idempotence: live == desired -> no changes, no actions', () => {
  const spec = clientSpec();
  const plan = planClient(spec, liveState(spec), opts);
  assert.equal(plan.instances.map((i) => i.instance), ['test', 'production']);
  for (const i of plan.instances) {
    assert.equal(i.changes, []);
    assert.equal(i.actions, []);
    assert.is(i.blocked, undefined);
  }
  assert.is(planHasActions(plan), false);
  // a different revision with nothing changed still plans nothing
  assert.is(planHasActions(planClient(spec, liveState(spec), { revision: 'f'.repeat(40), now: NOW })), false);
});

test('unreachable server: no instances, reason kept', () => {
  const plan = planClient(clientSpec(), { client: 'acme', reachable: false, code: 'unreachable', reason: 'connect ETIMEDOUT 203.0.113.10:22' }, opts);
  assert.equal(plan, { client: 'acme', revision: REV, unreachable: { code: 'unreachable', message: 'connect ETIMEDOUT 203.0.113.10:22' }, instances: [] });
});

test('instance the probe did not report: blocked; layout missing: provisioning planned (operator/provision/)', () => {
  const spec = clientSpec();
  const plan = planClient(spec, liveState(spec, (l) => { delete l.test; (l.production as { present: boolean }).present = false; }), opts);
  const t = inst(plan, 'test');
  assert.is(t.blocked?.message, 'instance not provisioned on the server (compose.yaml of test missing)');
  assert.is(t.blocked?.code, 'not-provisioned');
  assert.equal(t.actions, []);
  const p = inst(plan, 'production');
  assert.is(p.blocked, undefined);
  assert.is(p.actions[0]?.kind, 'provision-layout');
});

test('series change: blocked, no actions, reported as major upgrade', () => {
  const spec = clientSpec('acme', [instanceSpec('test', { series: '17.0', image: 'registry.example.com/odoo:17.0-20261101', modules: ['contacts', 'crm'] })]);
  const live = liveState(spec, (l) => {
    const t = l.test!;
    t.odooVersion = '16.0';
    t.image = 'registry.example.com/odoo:16.0-20260101';
    t.modules.crm = { state: 'uninstalled', installedVersion: null, manifestVersion: null };
  });
  const p = inst(planClient(spec, live, opts), 'test');
  assert.is(p.blocked?.message, 'major upgrade 16.0 -> 17.0: out of routine scope');
  assert.equal(p.actions, []);
  assert.ok(p.changes.some((c) => c.path === 'series' && c.from === '16.0' && c.to === '17.0'));
  assert.ok(p.changes.some((c) => c.path === 'modules.crm.state'), 'other changes still shown');
  // image tag alone (odoo --version unknown) also reveals the series
  const live2 = liveState(spec, (l) => { l.test!.odooVersion = null; l.test!.image = 'registry.example.com/odoo:18.0'; });
  assert.equal(inst(planClient(spec, live2, opts), 'test').blocked, { code: 'major-upgrade', message: 'major upgrade 18.0 -> 17.0: out of routine scope' });
});

test('image change: pull while serving, stop, snapshot, switch, core modules decided after pull, start, health, record', () => {
  const spec = clientSpec('acme', [instanceSpec('test', { image: 'registry.example.com/odoo:17.0-20261201' })]);
  const live = liveState(spec, (l) => { l.test!.image = 'registry.example.com/odoo:17.0-20261101'; });
  const p = inst(planClient(spec, live, opts), 'test');
  assert.equal(kinds(p), ['pull-image', 'snapshot', 'stop', 'switch-image', 'upgrade-modules', 'start', 'health-check', 'record-revision']);
  assert.equal(p.actions[0], { kind: 'pull-image', instance: 'test', image: 'registry.example.com/odoo:17.0-20261201' });
  assert.equal(p.actions[1], { kind: 'snapshot', instance: 'test', database: true });
  assert.equal(p.actions[3], { kind: 'switch-image', instance: 'test', from: 'registry.example.com/odoo:17.0-20261101', to: 'registry.example.com/odoo:17.0-20261201' });
  assert.equal(p.actions[4], { kind: 'upgrade-modules', instance: 'test', modules: [], why: [], coreAfterPull: true });
  assert.equal(p.actions[7], { kind: 'record-revision', instance: 'test', revision: REV });
  assert.equal(p.changes, [
    { path: 'image', from: 'registry.example.com/odoo:17.0-20261101', to: 'registry.example.com/odoo:17.0-20261201', reason: 'image differs' },
    { path: 'modules.(core)', from: null, to: null, reason: 'core modules: decided after pull' },
  ]);
});

test('addons: missing checkout, other commit, unresolved ref', () => {
  const spec = clientSpec('acme', [instanceSpec('test')]);
  const missing = liveState(spec, (l) => { l.test!.addons = { 'integrator-addons': { url: null, commit: null, desiredCommit: SHA_V1 } }; });
  const p1 = inst(planClient(spec, missing, opts), 'test');
  assert.equal(kinds(p1), ['fetch-addons', 'snapshot', 'stop', 'checkout-addons', 'start', 'health-check', 'record-revision']);
  assert.equal(p1.actions[0], { kind: 'fetch-addons', instance: 'test', repo: { name: 'integrator-addons', url: URL, ref: 'v1.0' }, toCommit: SHA_V1 });
  assert.equal(p1.actions[3], { kind: 'checkout-addons', instance: 'test', repo: { name: 'integrator-addons', url: URL, ref: 'v1.0' }, fromCommit: null, toCommit: SHA_V1 });
  assert.equal(p1.changes.find((c) => c.path === 'addons.integrator-addons.commit')?.reason, 'not checked out (ref v1.0 is 1111111111)');

  const moved = liveState(spec, (l) => { l.test!.addons['integrator-addons']!.desiredCommit = SHA_V2; });
  const p2 = inst(planClient(spec, moved, opts), 'test');
  const co = p2.actions.find((a) => a.kind === 'checkout-addons');
  assert.equal(co && co.kind === 'checkout-addons' ? [co.fromCommit, co.toCommit] : null, [SHA_V1, SHA_V2]);
  assert.equal(p2.changes.find((c) => c.path === 'addons.integrator-addons.commit')?.reason, 'ref v1.0 is 2222222222, checked out 1111111111');
  // without files checksums (the probe read none) and without a version change: nothing to upgrade
  assert.not.ok(p2.actions.some((a) => a.kind === 'upgrade-modules'));

  const gone = liveState(spec, (l) => { l.test!.addons['integrator-addons']!.desiredCommit = null; });
  const p3 = inst(planClient(spec, gone, opts), 'test');
  assert.is(p3.blocked?.message, `ref v1.0 not found in ${URL}`);
  assert.equal(p3.actions, []);
});

test('options: compared as odoo.conf strings; change -> write-config + restart', () => {
  const spec = clientSpec('acme', [instanceSpec('test', { options: { workers: 2, proxy_mode: true, list_db: false } })]);
  const same = liveState(spec, (l) => { l.test!.options = { workers: '2', proxy_mode: 'True', list_db: 'False' }; });
  assert.equal(inst(planClient(spec, same, opts), 'test').actions, []);
  const diff = liveState(spec, (l) => { l.test!.options = { workers: '4', proxy_mode: 'True' }; });
  const p = inst(planClient(spec, diff, opts), 'test');
  assert.equal(kinds(p), ['snapshot', 'stop', 'write-config', 'start', 'health-check', 'record-revision']);
  assert.equal(p.actions[2], { kind: 'write-config', instance: 'test', set: { workers: 2, list_db: false }, previous: { workers: '4', list_db: null } });
  assert.equal(
    p.changes.map((c) => [c.path, c.from, c.to, c.reason]),
    [['options.list_db', null, 'False', 'option not set'], ['options.workers', '4', '2', 'option differs']],
  );
});

test('options + image: switch-image restarts, no separate restart', () => {
  const spec = clientSpec('acme', [instanceSpec('test', { image: 'registry.example.com/odoo:17.0-b', options: { workers: 3 } })]);
  const live = liveState(spec, (l) => { l.test!.image = 'registry.example.com/odoo:17.0-a'; l.test!.options = { workers: '2' }; });
  assert.equal(kinds(inst(planClient(spec, live, opts), 'test')), ['pull-image', 'snapshot', 'stop', 'write-config', 'switch-image', 'upgrade-modules', 'start', 'health-check', 'record-revision']);
});

test('modules: install sorted, upgrade by manifest version, uninstall only listed', () => {
  const spec = clientSpec('acme', [instanceSpec('test', { modules: ['sale_management', 'contacts', 'integrator_base', 'crm'], removeModules: ['website', 'point_of_sale'] })]);
  const live = liveState(spec, (l) => {
    const m = l.test!.modules;
    m.crm = { state: 'uninstalled', installedVersion: null, manifestVersion: null };
    m.contacts = { state: 'to install', installedVersion: null, manifestVersion: null };
    m.integrator_base = { state: 'installed', installedVersion: '17.0.1.0', manifestVersion: '17.0.1.1' };
    m.website = { state: 'installed', installedVersion: '17.0.1.0', manifestVersion: null };
    m.point_of_sale = { state: 'uninstalled', installedVersion: null, manifestVersion: null };
    m.project = { state: 'installed', installedVersion: '17.0.1.0', manifestVersion: null }; // not listed: kept
  });
  const p = inst(planClient(spec, live, opts), 'test');
  // Odoo is stopped before the dump and started only once the schema is migrated.
  assert.equal(kinds(p), ['snapshot', 'stop', 'uninstall-modules', 'install-modules', 'upgrade-modules', 'start', 'health-check', 'record-revision']);
  assert.equal(p.actions[0], { kind: 'snapshot', instance: 'test', database: true });
  assert.equal(p.actions[2], { kind: 'uninstall-modules', instance: 'test', modules: ['website'] });
  assert.equal(p.actions[3], { kind: 'install-modules', instance: 'test', modules: ['contacts', 'crm'] });
  assert.equal(p.actions[4], { kind: 'upgrade-modules', instance: 'test', modules: ['integrator_base'], why: [{ module: 'integrator_base', cause: 'version', from: '17.0.1.0', to: '17.0.1.1' }] });
  const reasons = Object.fromEntries(p.changes.map((c) => [c.path, c.reason]));
  assert.is(reasons['modules.crm.state'], 'module not installed (uninstalled)');
  assert.is(reasons['modules.contacts.state'], 'module not installed (to install)');
  assert.is(reasons['modules.integrator_base.version'], '17.0.1.0 → 17.0.1.1');
  assert.is(reasons['modules.website.state'], 'listed in removeModules, installed');
  assert.not.ok('modules.project.state' in reasons);
});

test('modules unknown to the server: blocked unless a checkout is planned', () => {
  const spec = clientSpec('acme', [instanceSpec('test', { modules: ['contacts', 'integrator_extra'] })]);
  const unknown = (l: Record<string, LiveInstance>): void => { delete l.test!.modules.integrator_extra; };
  const p = inst(planClient(spec, liveState(spec, unknown), opts), 'test');
  assert.is(p.blocked?.message, 'module integrator_extra not found on the server');
  assert.equal(p.actions, []);
  assert.is(p.changes.find((c) => c.path === 'modules.integrator_extra.state')?.reason, 'module unknown to the server');
  const withCheckout = liveState(spec, (l) => { unknown(l); l.test!.addons['integrator-addons']!.desiredCommit = SHA_V2; });
  const p2 = inst(planClient(spec, withCheckout, opts), 'test');
  assert.is(p2.blocked, undefined);
  const ins = p2.actions.find((a) => a.kind === 'install-modules');
  assert.equal(ins && ins.kind === 'install-modules' ? ins.modules : null, ['integrator_extra']);
  const stub = liveState(spec, (l) => { l.test!.modules.integrator_extra = { state: 'uninstallable', installedVersion: null, manifestVersion: null }; });
  assert.match(inst(planClient(spec, stub, opts), 'test').blocked?.message ?? '', /module integrator_extra is uninstallable/);
});

test('stopped instance: start', () => {
  const spec = clientSpec('acme', [instanceSpec('test')]);
  const p = inst(planClient(spec, liveState(spec, (l) => { l.test!.running = false; }), opts), 'test');
  assert.equal(kinds(p), ['snapshot', 'start', 'health-check', 'record-revision']);
  assert.is(p.changes[0]?.reason, 'instance not running');
});

test('full action order on one instance', () => {
  const spec = clientSpec('acme', [instanceSpec('test', { image: 'registry.example.com/odoo:17.0-new', modules: ['crm', 'integrator_base'], removeModules: ['website'], options: { workers: 4 } })]);
  const live = liveState(spec, (l) => {
    const t = l.test!;
    t.image = 'registry.example.com/odoo:17.0-old';
    t.modules.crm = { state: 'uninstalled', installedVersion: null, manifestVersion: null };
    t.addons['integrator-addons']!.desiredCommit = SHA_V2;
    t.options = { workers: '2' };
    t.modules.website = { state: 'installed', installedVersion: '17.0.1.0', manifestVersion: null };
    t.modules.integrator_base = { state: 'installed', installedVersion: '17.0.1.0', manifestVersion: '17.0.1.1' };
  });
  assert.equal(kinds(inst(planClient(spec, live, opts), 'test')), [
    'pull-image', 'fetch-addons', 'snapshot', 'stop', 'checkout-addons', 'write-config', 'switch-image',
    'uninstall-modules', 'install-modules', 'upgrade-modules', 'start', 'health-check', 'record-revision',
  ]);
});

test('instances: test first, production last, others by name; production depends on test', () => {
  const spec = clientSpec('acme', [instanceSpec('production'), instanceSpec('staging'), instanceSpec('test'), instanceSpec('demo')]);
  const live = liveState(spec, (l) => { for (const i of Object.values(l)) i.options.workers = '9'; });
  const plan = planClient(spec, live, opts);
  assert.equal(plan.instances.map((i) => i.instance), ['test', 'demo', 'staging', 'production']);
  assert.is(inst(plan, 'production').dependsOn, 'test');
  assert.is(inst(plan, 'staging').dependsOn, undefined);
  assert.equal(sequenceInstances(plan).map((i) => i.instance), ['test', 'demo', 'staging', 'production']);
  // only production changes: no dependency
  const only = liveState(spec, (l) => { l.production!.options.workers = '9'; });
  assert.is(inst(planClient(spec, only, opts), 'production').dependsOn, undefined);
  // test blocked while production has changes: production waits for test (it cannot succeed)
  const blockedTest = liveState(spec, (l) => { l.production!.options.workers = '9'; l.test!.odooVersion = '16.0'; });
  assert.is(inst(planClient(spec, blockedTest, opts), 'production').dependsOn, 'test');
});

test('window status per instance', () => {
  const spec = clientSpec('acme', [instanceSpec('test'), instanceSpec('production', { windows: [SUNDAY_WINDOW] })]);
  const live = liveState(spec, (l) => { for (const i of Object.values(l)) i.options.workers = '9'; });
  const plan = planClient(spec, live, opts);
  assert.is(inst(plan, 'test').window.open, true);
  const prod = inst(plan, 'production').window;
  assert.is(prod.open, false);
  assert.is(prod.nextOpening, '2026-11-29T01:00:00.000Z');
  const sum = summarizePlans([plan, planClient(clientSpec('beta'), { client: 'beta', reachable: false, code: 'unreachable', reason: 'x' }, opts)]);
  assert.equal(sum, { clients: 2, withChanges: 1, waiting: 1, blocked: 0, unreachable: 1 });
});

test('diffInstance uses the normalised views (no noise from unrelated live data)', () => {
  const spec = instanceSpec('test');
  const live = liveFor(spec);
  live.options.db_host = 'db'; // unmanaged option
  live.modules.hr = { state: 'installed', installedVersion: '17.0.1.0', manifestVersion: null };
  assert.equal(diffInstance(spec, live), []);
});

test('probe errors: blocked as incomplete reading, no misleading module reasons', () => {
  const spec = clientSpec('acme', [instanceSpec('test')]);
  const dbDown = liveState(spec, (l) => {
    l.test!.modules = {};
    l.test!.errors = ['psql ir_module_module: exit 2 could not connect to server'];
  });
  const p = inst(planClient(spec, dbDown, opts), 'test');
  assert.equal(p.blocked, { code: 'live-incomplete', message: 'live state incomplete: psql ir_module_module: exit 2 could not connect to server' });
  assert.equal(p.actions, []);
  // an unresolvable ref is reported once, not twice
  const badRef = liveState(spec, (l) => {
    l.test!.addons['integrator-addons']!.desiredCommit = null;
    l.test!.errors = [`ref v1.0 not found in ${URL}`];
  });
  assert.equal(inst(planClient(spec, badRef, opts), 'test').blocked, { code: 'ref-not-found', message: `ref v1.0 not found in ${URL}` });
  const crashed = liveState(spec, (l) => { l.test = { ...l.test!, present: false, errors: ['probe failed: KeyError'] }; });
  assert.equal(inst(planClient(spec, crashed, opts), 'test').blocked, { code: 'live-incomplete', message: 'live state incomplete: probe failed: KeyError' });
});

test('running container on another image than .env: switch again', () => {
  const spec = clientSpec('acme', [instanceSpec('test')]);
  const stale = liveState(spec, (l) => { l.test!.runningImage = 'registry.example.com/odoo:17.0-20260101'; });
  const p = inst(planClient(spec, stale, opts), 'test');
  assert.equal(kinds(p), ['pull-image', 'snapshot', 'stop', 'switch-image', 'upgrade-modules', 'start', 'health-check', 'record-revision']);
  const sw = p.actions[3];
  assert.equal(sw && sw.kind === 'switch-image' ? sw.from : null, 'registry.example.com/odoo:17.0-20260101');
  const same = liveState(spec, (l) => { l.test!.runningImage = spec.instances[0]!.image; });
  assert.equal(inst(planClient(spec, same, opts), 'test').actions, []);
});

test('detailed exit codes: 0 no changes, 2 changes, 1 unreachable', () => {
  const a = clientSpec('acme');
  const clean = planClient(a, liveState(a), opts);
  const changed = planClient(a, liveState(a, (l) => { l.test!.options.workers = '9'; }), opts);
  const blocked = planClient(a, liveState(a, (l) => { l.test!.odooVersion = '16.0'; }), opts);
  const down = planClient(a, { client: 'acme', reachable: false, code: 'unreachable', reason: 'x' }, opts);
  assert.is(planExitCode([clean]), 0);
  assert.is(planExitCode([clean, changed]), 2);
  assert.is(planExitCode([blocked]), 2);
  assert.is(planExitCode([changed, down]), 1);
});

test('a needs-manual-restore marker blocks the instance with its snapshot and the way out, before anything else', () => {
  const spec = clientSpec('acme', [instanceSpec('test')]);
  const live = liveState(spec, (l) => {
    l.test!.odooVersion = '16.0';
    l.test!.marker = { code: 'needs-manual-restore', reason: 'rollback failed: restore database: exit 1', snapshot: '/var/lib/odoops/snapshots/test/20261101T020000Z-r1', asideDatabase: 'odoops_aside_test_r1' };
  });
  const p = inst(planClient(spec, live, opts), 'test');
  assert.is(p.blocked?.code, 'needs-manual-restore');
  assert.is(p.blocked?.message, 'needs a manual restore: rollback failed: restore database: exit 1; snapshot /var/lib/odoops/snapshots/test/20261101T020000Z-r1; '
    + 'the database the failed change left is kept as odoops_aside_test_r1; after restoring, run: odoops resolve acme test');
  assert.equal(p.actions, []);
});

test('several blockers: the most serious code first, every message kept', () => {
  const spec = clientSpec('acme', [instanceSpec('test')]);
  const live = liveState(spec, (l) => {
    l.test!.odooVersion = '16.0';
    l.test!.errors = ['docker ps: exit 1 Cannot connect to the Docker daemon'];
  });
  const p = inst(planClient(spec, live, opts), 'test');
  assert.is(p.blocked?.code, 'major-upgrade');
  assert.match(p.blocked?.message ?? '', /^major upgrade 16\.0 -> 17\.0: out of routine scope; live state incomplete: docker ps/);
  assert.is(TRANSIENT[p.blocked!.code], false);
  assert.is(TRANSIENT['live-incomplete'], true);
});

test('series: from the image metadata, else the tag; unknown blocks', () => {
  const spec = clientSpec('acme', [instanceSpec('test', { image: 'registry.example.com/odoo:custom-build' })]);
  const unknown = liveState(spec, (l) => { l.test!.odooVersion = null; l.test!.imagePresent = true; });
  const p = inst(planClient(spec, unknown, opts), 'test');
  assert.is(p.blocked?.code, 'series-unknown');
  assert.match(p.blocked?.message ?? '', /the Odoo series of image registry\.example\.com\/odoo:custom-build is unknown/);
  const tagged = clientSpec('acme', [instanceSpec('test')]);
  assert.is(inst(planClient(tagged, liveState(tagged, (l) => { l.test!.odooVersion = null; }), opts), 'test').blocked, undefined, 'the tag says 17.0');
});

test('an image named in .env but absent from the server is a change: apply pulls it, nothing else', () => {
  const spec = clientSpec('acme', [instanceSpec('test')]);
  const live = liveState(spec, (l) => { l.test!.imagePresent = false; });
  const plan = planClient(spec, live, opts);
  const p = inst(plan, 'test');
  assert.equal(kinds(p), ['pull-image', 'snapshot', 'health-check', 'record-revision']);
  assert.equal(p.changes.map((c) => [c.path, c.from, c.to, c.reason]), [['imagePresent', false, true, 'image not on the server (apply pulls it; the probe never does)']]);
});

test('secret options compare through the probe\'s verdict, never a value', () => {
  const spec = clientSpec('acme', [instanceSpec('test', { options: { workers: 2, smtp_password: { secret: 'env:SMTP_PASS' } } })]);
  const same = liveState(spec);
  assert.is(same.reachable && same.instances.test!.options.smtp_password, SECRET_MATCHES);
  assert.equal(inst(planClient(spec, same, opts), 'test').actions, []);
  const differs = liveState(spec, (l) => { l.test!.options.smtp_password = SECRET_DIFFERS; });
  const p = inst(planClient(spec, differs, opts), 'test');
  const write = p.actions.find((a) => a.kind === 'write-config');
  assert.equal(write?.kind === 'write-config' ? write.set : null, { smtp_password: { secret: 'env:SMTP_PASS' } });
  assert.equal(p.changes.map((c) => [c.path, c.from, c.to]), [['options.smtp_password', SECRET_DIFFERS, SECRET_MATCHES]]);
  const missing = inst(planClient(spec, same, { ...opts, unresolvedSecrets: { test: ['secret env:SMTP_PASS: environment variable SMTP_PASS is not set'] } }), 'test');
  assert.equal(missing.blocked, { code: 'secret-unresolved', message: 'secret env:SMTP_PASS: environment variable SMTP_PASS is not set' });
});

test('an origin URL holding credentials on the server is rewritten by a checkout', () => {
  const spec = clientSpec('acme', [instanceSpec('test')]);
  const live = liveState(spec, (l) => { l.test!.addons['integrator-addons']!.urlHasCredentials = true; });
  const p = inst(planClient(spec, live, opts), 'test');
  assert.ok(p.actions.some((a) => a.kind === 'checkout-addons'));
  assert.ok(p.changes.some((c) => c.path === 'addons.integrator-addons.credentials'), JSON.stringify(p.changes));
});

test.run();

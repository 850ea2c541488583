// Planning of provisioning (pure): a bare instance gets the provisioning steps in their one
// order; data odoops did not create blocks it; a provisioning marker makes the plan continue
// (failed, in-progress) or block (refused); a provisioned instance is left to routine planning.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { LiveInstance } from '../../operator/live/types.ts';
import { classifyClient } from '../../operator/drift/classify.ts';
import { planClient, planExitCode } from '../../operator/plan/plan.ts';
import type { InstancePlan, Plan } from '../../operator/plan/types.ts';
import { planProvision, provisionActions } from '../../operator/provision/plan.ts';
import type { ProvisionFacts, ProvisionMarker } from '../../operator/provision/types.ts';
import { describeAction } from '../../operator/report/format.ts';
import { renderPlanText } from '../../operator/report/plan.ts';
import { clientSpec, instanceSpec, liveFor, liveState, NOW, REV, SUNDAY_WINDOW } from '../plan/fixtures.ts';

const opts = { revision: REV, now: NOW };
const MARKER_PATH = '/var/lib/odoops/provision/test.json';

/** What the probe reports for an instance with nothing on the server. */
function bare(name: string, facts: Partial<ProvisionFacts> = {}): LiveInstance {
  return {
    name, present: false, image: null, imageDigest: null, running: false, odooVersion: null, modules: {}, addons: {}, options: {}, lastApplied: null, errors: [],
    provision: { marker: null, markerPath: MARKER_PATH.replace('test', name), files: [], filestore: [], addons: [], ...facts },
  };
}

const marker = (o: Partial<ProvisionMarker>): ProvisionMarker => ({ status: 'failed', runId: 'run-1', revision: REV, at: '2026-11-25T09:00:00Z', step: 'provision-modules', ...o });
const inst = (plan: Plan, name: string): InstancePlan => plan.instances.find((i) => i.instance === name)!;

test('a bare server: every instance gets the provisioning steps in their one order; production after test', () => {
  const spec = clientSpec();
  const live = liveState(spec, (l) => { l.test = bare('test'); l.production = bare('production'); });
  const plan = planClient(spec, live, opts);
  const t = inst(plan, 'test');
  assert.is(t.blocked, undefined);
  assert.equal(t.actions.map((a) => a.kind), [
    'provision-layout', 'provision-addons', 'provision-start-db', 'provision-database', 'provision-modules', 'provision-start', 'health-check', 'record-revision', 'provision-done',
  ]);
  assert.equal(t.actions.find((a) => a.kind === 'provision-modules'), { kind: 'provision-modules', instance: 'test', modules: ['contacts', 'integrator_base', 'sale_management'] });
  assert.equal(t.actions.find((a) => a.kind === 'provision-database'), { kind: 'provision-database', instance: 'test', database: 'acme_test' });
  assert.equal(t.actions.find((a) => a.kind === 'record-revision'), { kind: 'record-revision', instance: 'test', revision: REV });
  assert.equal(t.changes, [{ path: 'instance', from: null, to: 'test', reason: 'not provisioned on the server: provision it from the desired state' }]);
  assert.is(inst(plan, 'production').dependsOn, 'test');
  assert.is(planExitCode([plan]), 2);
  // Drift reads it as the first apply, pending: odoops never provisioned it, so nothing drifted.
  assert.equal(classifyClient({ spec, live, plan }).instances.map((i) => [i.instance, i.state, i.pending?.neverApplied]), [['test', 'pending', true], ['production', 'pending', true]]);
  // Each step reads as what it does.
  assert.match(describeAction(t.actions[3]!), /create database acme_test \(odoo -i base --without-demo=all; refused if it exists\)/);
  const text = renderPlanText([plan], { color: false });
  assert.match(text.replace(/\n +/g, " "), /acme\/test: provision from the desired state: addons integrator-addons@v1.0; database acme_test; modules contacts, integrator_base, sale_management/);
  assert.match(text, /steps: create the layout of test/);
});

test('no addons, base only: no clone and no module step', () => {
  const acts = provisionActions(instanceSpec('test', { addons: [], modules: ['base'] }), REV);
  assert.equal(acts.map((a) => a.kind), ['provision-layout', 'provision-start-db', 'provision-database', 'provision-start', 'health-check', 'record-revision', 'provision-done']);
});

test('provisioning waits for the update window like any other change', () => {
  const spec = clientSpec('acme', [instanceSpec('production', { windows: [SUNDAY_WINDOW] })]);
  const p = inst(planClient(spec, liveState(spec, (l) => { l.production = bare('production'); }), opts), 'production');
  assert.ok(p.actions.length > 0);
  assert.is(p.window.open, false);
});

test('a filestore, layout files or checkouts without a layout: blocked (data-exists), nothing planned', () => {
  const spec = clientSpec('acme', [instanceSpec('test')]);
  const cases: [Partial<ProvisionFacts>, string][] = [
    [{ filestore: ['acme_test'] }, 'a filestore (acme_test)'],
    [{ files: ['.env', 'odoo.conf'] }, 'files of an earlier installation (.env, odoo.conf)'],
    [{ addons: ['integrator-addons'] }, 'addons checkouts (integrator-addons)'],
  ];
  for (const [facts, what] of cases) {
    const p = inst(planClient(spec, liveState(spec, (l) => { l.test = bare('test', facts); }), opts), 'test');
    assert.is(p.blocked?.code, 'data-exists', what);
    assert.ok(p.blocked!.message.includes(what), p.blocked!.message);
    assert.match(p.blocked!.message, /never overwrites data/);
    assert.equal(p.actions, []);
  }
});

test('a refused marker blocks, naming what exists and the marker, even once the layout was written', () => {
  const spec = clientSpec('acme', [instanceSpec('test')]);
  const refused = marker({ status: 'refused', step: 'provision-database', message: 'database acme_test already exists and odoops did not create it', exists: ['database acme_test'] });
  const l = { ...liveFor(instanceSpec('test')), provision: { marker: refused, markerPath: MARKER_PATH, files: ['compose.yaml', '.env', 'odoo.conf'], filestore: [], addons: [] } };
  const p = planProvision(instanceSpec('test'), l, opts, 'acme')!;
  assert.is(p.blocked?.code, 'data-exists');
  assert.match(p.blocked!.message, /database acme_test already exists and odoops did not create it; exists: database acme_test; nothing of it was changed/);
  assert.ok(p.blocked!.message.includes(`remove the marker ${MARKER_PATH} to provision acme/test`), p.blocked!.message);
  assert.equal(p.actions, []);
});

test('a failed marker: the plan continues every step (each is safe to run again) and says where it stopped', () => {
  const spec = clientSpec('acme', [instanceSpec('test')]);
  const failed = marker({ message: 'not installed after odoo -i (exit 0): broken_module: uninstalled', exists: ['layout (compose.yaml, .env, odoo.conf)', 'database acme_test'] });
  // Layout present (compose.yaml written), database half-done: still provisioning's business.
  const l = { ...liveFor(instanceSpec('test')), provision: { marker: failed, markerPath: MARKER_PATH, files: ['compose.yaml'], filestore: ['acme_test'], addons: [] } };
  const p = planProvision(instanceSpec('test'), l, opts)!;
  assert.is(p.blocked, undefined);
  assert.is(p.actions[0]?.kind, 'provision-layout');
  assert.is(p.actions.at(-1)?.kind, 'provision-done');
  assert.equal(p.changes, [{
    path: 'provisioning', from: 'failed', to: 'done',
    reason: 'provisioning stopped at provision-modules in run run-1 (not installed after odoo -i (exit 0): broken_module: uninstalled); exists: layout (compose.yaml, .env, odoo.conf), database acme_test; the next apply continues',
  }]);
  const inProgress = planProvision(instanceSpec('test'), { ...l, provision: { ...l.provision, marker: marker({ status: 'in-progress', step: 'provision-layout' }) } }, opts)!;
  assert.match(inProgress.changes[0]!.reason, /did not finish \(at provision-layout\); the next apply continues/);
});

test('a provisioned instance without marker is routine planning; unresolved secrets block provisioning', () => {
  const spec = clientSpec('acme', [instanceSpec('test')]);
  assert.is(planProvision(instanceSpec('test'), liveFor(instanceSpec('test')), opts), null);
  const p = planProvision(instanceSpec('test'), bare('test'), { ...opts, unresolvedSecrets: { test: ['env:SMTP_PASS is not set'] } })!;
  assert.is(p.blocked?.code, 'secret-unresolved');
  assert.equal(p.actions, []);
});

test.run();

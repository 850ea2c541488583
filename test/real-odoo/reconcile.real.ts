/**
 * The reconcile scenario of issue 11 through odoops against one sandbox server running real
 * Odoo (or the stand-in, for comparison): install contacts + crm + a custom module, upgrade
 * after a manifest bump, uninstall, a failing module rolled back. Same assertions in both
 * modes: the stand-in must give real Odoo's results.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { type Harness, INSTANCES, startHarness, tierFromEnv } from './harness.ts';

const tier = tierFromEnv();
if ('skip' in tier) throw new Error(`run through npm run test:real-odoo (${tier.skip})`);

const t = suite('real-Odoo tier: reconcile');
let h: Harness;

t.before(async () => {
  h = await startHarness(tier);
});
t.after(async () => {
  if (h) {
    process.stdout.write(`\n${h.report()}\n`);
    await h.stop();
  }
});

const outcomes = (r: Awaited<ReturnType<Harness['apply']>>) => r.apply?.instances.map((i) => `${i.instance}:${i.outcome}`) ?? [];
const each = (fn: (i: Harness['desired']['test']) => void) => { for (const n of INSTANCES) fn(h.desired[n]); };

t('install contacts, crm and a custom module (with their dependencies)', async () => {
  each((i) => { i.modules = ['contacts', 'crm', 'integrator_base']; });
  const r = await h.step('apply: install contacts, crm, integrator_base', () => h.apply());
  assert.equal(outcomes(r), ['test:applied', 'production:applied'], JSON.stringify(r.apply, null, 1));
  for (const inst of INSTANCES) {
    const m = await h.modules(inst);
    for (const n of ['contacts', 'crm', 'integrator_base', 'mail', 'calendar', 'crm_sms', 'iap_crm']) assert.match(m[n] ?? '', new RegExp(`^installed ${h.series.replace('.', '\\.')}\\.`), `${inst}: ${n}`);
    assert.is(m.integrator_base, `installed ${h.series}.1.0`);
    assert.is(Object.values(m).filter((v) => /^to /.test(v)).length, 0);
  }
  const again = await h.step('apply again: nothing to do', () => h.apply());
  assert.equal(outcomes(again), [], JSON.stringify(again.plan, null, 1));
});

t('upgrade after a manifest bump (1.0 -> 1.1)', async () => {
  h.commitToAddons((dir) => {
    const f = path.join(dir, 'integrator_base/__manifest__.py');
    writeFileSync(f, readFileSync(f, 'utf8').replace("'version': '1.0'", "'version': '1.1'"));
  }, 'v1.1');
  each((i) => { i.addons = [{ ...i.addons[0]!, ref: 'v1.1' }]; });
  const r = await h.step('apply: integrator_base manifest 1.0 -> 1.1', () => h.apply());
  assert.equal(outcomes(r), ['test:applied', 'production:applied'], JSON.stringify(r.apply, null, 1));
  for (const inst of INSTANCES) assert.is((await h.modules(inst)).integrator_base, `installed ${h.series}.1.1`);
});

t('uninstall crm (its auto-installed companions go with it; its dependencies stay)', async () => {
  each((i) => { i.modules = ['contacts', 'integrator_base']; i.removeModules = ['crm']; });
  const r = await h.step('apply: uninstall crm', () => h.apply());
  assert.equal(outcomes(r), ['test:applied', 'production:applied'], JSON.stringify(r.apply, null, 1));
  for (const inst of INSTANCES) {
    const m = await h.modules(inst);
    for (const n of ['crm', 'crm_sms', 'iap_crm']) assert.match(m[n] ?? '', /^uninstalled/, `${inst}: ${n}`);
    for (const n of ['contacts', 'calendar', 'sales_team', 'integrator_base']) assert.match(m[n] ?? '', /^installed/, `${inst}: ${n}`);
  }
});

t('a module that fails to load: test rolled back with ir_module_module unchanged, production untouched', async () => {
  h.commitToAddons((dir) => {
    mkdirSync(path.join(dir, 'integrator_broken'));
    writeFileSync(path.join(dir, 'integrator_broken', '__init__.py'), '');
    writeFileSync(path.join(dir, 'integrator_broken', '__manifest__.py'),
      "{'name': 'Broken', 'version': '1.0', 'depends': ['base'], 'data': ['views/missing.xml'], 'license': 'LGPL-3'}\n");
  }, 'v1.2-broken');
  const before = { test: await h.modules('test'), production: await h.modules('production') };
  each((i) => { i.addons = [{ ...i.addons[0]!, ref: 'v1.2-broken' }]; i.modules = [...i.modules, 'integrator_broken']; });
  const r = await h.step('apply: a module with a missing data file', () => h.apply());
  const test = r.apply!.instances.find((i) => i.instance === 'test')!;
  assert.is(test.outcome, 'rolled-back', JSON.stringify(test, null, 1));
  const failed = test.actions.find((a) => a.outcome === 'failed')!;
  assert.is(failed.action.kind, 'install-modules');
  assert.equal(await h.modules('test'), before.test);
  assert.equal(await h.modules('production'), before.production);
  each((i) => { i.modules = i.modules.filter((m) => m !== 'integrator_broken'); i.addons = [{ ...i.addons[0]!, ref: 'v1.1' }]; });
  const fixed = await h.step('apply: the broken module dropped again', () => h.apply());
  assert.ok(outcomes(fixed).every((o) => /:applied$/.test(o)), JSON.stringify(fixed.apply, null, 1));
  // Issue 11, item 3: the failure's reason must come from Odoo's ERROR/CRITICAL lines, which
  // real Odoo does not print last (a traceback and the shutdown lines follow).
  assert.match(failed.output ?? '', /Failed to load registry|Failed to initialize database/, `kept output:\n${failed.output}`);
  assert.not.match(test.detail ?? '', /Stopping gracefully/, `the reason is an ERROR/CRITICAL or exception line: ${test.detail}`);
});

t.run();

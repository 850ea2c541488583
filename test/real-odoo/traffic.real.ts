/**
 * Issue 11's sequence on real Odoo (or the stand-in, for comparison), production only:
 *  - a new stored field on res.partner (integrator_base 1.0 -> 1.1) applied while a user logs
 *    in every ~20 ms: zero HTTP 500, zero UndefinedColumn, refused/closed connections only
 *    inside the downtime the apply reports;
 *  - a start that logs an ERROR although the login page works (an installed module's code
 *    gone from the addons commit: Odoo logs "Some modules are not loaded"): the health check
 *    fails on the startup log and the instance is rolled back.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { cpSync, rmSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { assertServedRight, traffic, trafficFigures, waitForLoginAfter } from '../apply/traffic.ts';
import { DB, type Harness, startHarness, tierFromEnv } from './harness.ts';

const tier = tierFromEnv();
if ('skip' in tier) throw new Error(`run through npm run test:real-odoo (${tier.skip})`);

const HERE = path.dirname(fileURLToPath(import.meta.url));
const PARTNER_FIELD = path.resolve(HERE, '../../operator/sandbox/fixtures/integrator-addons/versions/partner-field');
const t = suite('real-Odoo tier: the apply sequence under traffic');
let h: Harness;

t.before(async () => {
  h = await startHarness(tier, { instances: ['production'] });
});
t.after(async () => {
  if (h) {
    process.stdout.write(`\n${h.report()}\n`);
    await h.stop();
  }
});

const prod = (r: Awaited<ReturnType<Harness['apply']>>) => r.apply!.instances.find((i) => i.instance === 'production')!;

t('baseline: contacts, integrator_base 1.0 and integrator_reports installed', async () => {
  h.desired.production.modules = ['contacts', 'integrator_base', 'integrator_reports'];
  const r = await h.step('apply: install contacts, integrator_base, integrator_reports', () => h.apply());
  assert.is(prod(r).outcome, 'applied', JSON.stringify(r.apply, null, 1));
  assert.is((await h.modules('production')).integrator_base, `installed ${h.series}.1.0`);
});

t('new field under traffic: no 500, no UndefinedColumn, failures only inside the reported downtime', async () => {
  h.commitToAddons((dir) => cpSync(PARTNER_FIELD, dir, { recursive: true }), 'v1.1');
  h.desired.production.addons = [{ ...h.desired.production.addons[0]!, ref: 'v1.1' }];
  // Real Odoo's first login may be slow (assets, a loaded machine): up to 10 min.
  const p = await traffic(h.info, h.desired.production.httpPort, DB.production, 6000);
  let r: Awaited<ReturnType<Harness['apply']>>;
  try {
    r = await h.step('apply: integrator_base 1.1 (new field) under traffic', () => h.apply());
    await waitForLoginAfter(p, Date.parse(prod(r).downtime?.to ?? new Date().toISOString()), 6000);
  } finally {
    await p.stop();
  }
  const f = trafficFigures(p);
  const d = prod(r).downtime;
  h.note(`traffic: ${f.attempts} attempts, ${f.logins} logins, ${f.refusedOrClosed} refused/closed, ${f.http500} HTTP 500, ${f.undefinedColumn} UndefinedColumn, ${f.other} other; downtime ${d?.ms ?? '?'} ms (${d?.from} .. ${d?.to})`);
  h.note(`steps: ${prod(r).actions.map((a) => `${a.action.kind} ${a.durationMs}ms`).join(', ')}`);
  assert.is(prod(r).outcome, 'applied', JSON.stringify(prod(r), null, 1));
  assertServedRight(p, prod(r));
  assert.equal(prod(r).actions.map((a) => a.action.kind), ['fetch-addons', 'snapshot', 'stop', 'checkout-addons', 'upgrade-modules', 'start', 'health-check', 'record-revision']);
  assert.is((await h.modules('production')).integrator_base, `installed ${h.series}.1.1`);
  const log = await h.sh('docker compose -f /srv/odoo/production/compose.yaml logs --no-color odoo');
  assert.not.match(log, /UndefinedColumn/);
});

t('a start that logs an ERROR while the login page works: health check fails on the startup log, rolled back', async () => {
  h.commitToAddons((dir) => rmSync(path.join(dir, 'integrator_reports'), { recursive: true }), 'v1.2-no-reports');
  h.desired.production.addons = [{ ...h.desired.production.addons[0]!, ref: 'v1.2-no-reports' }];
  const r = await h.step('apply: integrator_reports code gone (startup ERROR)', () => h.apply());
  const p = prod(r);
  h.note(`detail: ${p.detail}`);
  assert.is(p.outcome, 'rolled-back', JSON.stringify(p, null, 1));
  assert.match(p.detail ?? '', /health-check failed: startup log: ERROR odoo\.modules\.loading: Some modules are not loaded, some dependencies or manifest may be missing: \['integrator_reports'\]/);
  assert.is((await h.modules('production')).integrator_reports, `installed ${h.series}.1.0`);
  h.desired.production.addons = [{ ...h.desired.production.addons[0]!, ref: 'v1.1' }];
  const again = await h.step('apply again at v1.1: nothing to do', () => h.apply());
  assert.ok((again.apply?.instances ?? []).every((i) => i.outcome === 'unchanged'), `the rollback restored the v1.1 checkout: ${JSON.stringify(again.apply?.instances)}`);
});

t.run();

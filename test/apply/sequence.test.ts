/**
 * Issue 11 on a sandbox server: never serve new code against the old schema. A client logs in
 * to production in a loop (GET the login page of the database, POST the form: the POST reads
 * res.partner with every column the loaded code declares) while odoops applies a new addons
 * commit adding a field, then an image switch. Pass: zero HTTP 500, zero UndefinedColumn, and
 * every refused connection inside the downtime window the apply itself reports. Then the
 * health check: PostgreSQL stopped once odoo has started fails it although /web/health passes,
 * and the rollback keeps what the changed instance left.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { cpSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { InstanceSpec } from '../../operator/desired/types.ts';
import type { ClientOutcome } from '../../operator/reconcile/index.ts';
import { renderApplyText } from '../../operator/report/apply.ts';
import { toJson } from '../../operator/report/json.ts';
import { sandboxFault } from '../../operator/sandbox/index.ts';
import { startSandbox, stopSandbox, type SandboxInfo } from '../util/sandbox.ts';
import { applier, DB, odooLog, production, productionSpec, type Apply } from './sequence-fixture.ts';
import { commitToAddons } from './fixture.ts';
import { databases, onServer, sql, type ServerProcess } from './server.ts';
import { assertServedRight, traffic as trafficOn, waitForLoginAfter } from './traffic.ts';

const test = suite('apply sequence under traffic');
const HERE = path.dirname(fileURLToPath(import.meta.url));
const PARTNER_FIELD = path.resolve(HERE, '../../operator/sandbox/fixtures/integrator-addons/versions/partner-field');
let info: SandboxInfo;
let desired: InstanceSpec;
let apply: Apply;

test.before(async () => {
  info = await startSandbox(1);
  desired = productionSpec(info);
  apply = applier(info, desired);
});
test.after(async () => {
  await stopSandbox(info);
});

const client = () => info.servers[0]!.client;

/** The fixture addons repository gets integrator_base 1.1 (a new stored field on res.partner) as tag v1.1. */
const publishPartnerField = () =>
  commitToAddons(info, (dir) => cpSync(PARTNER_FIELD, dir, { recursive: true }), 'v1.1', 'integrator_base 1.1: x_integrator_code on res.partner');

const traffic = () => trafficOn(info, desired.httpPort, DB);
const serverLog = () => odooLog(info);

/** Applies while a client logs in in a loop, until a login after the reported downtime worked. */
async function applyUnderTraffic(): Promise<{ r: ClientOutcome; p: ServerProcess }> {
  const p = await traffic();
  try {
    const r = await apply();
    await waitForLoginAfter(p, Date.parse(production(r).downtime?.to ?? new Date().toISOString()));
    return { r, p };
  } finally {
    await p.stop();
  }
}

test('baseline: integrator_base 1.0 and integrator_reports installed, checksums recorded', async () => {
  const r = await apply();
  assert.is(production(r).outcome, 'applied', JSON.stringify(r.apply, null, 1));
  const recorded = JSON.parse(await onServer(info, 'cat /var/lib/odoops/modules/production.json')) as { modules: Record<string, string> };
  assert.ok(recorded.modules.integrator_base && recorded.modules.integrator_reports, JSON.stringify(recorded));
});

test('new field (integrator_base 1.0 -> 1.1) under traffic: no 500, no UndefinedColumn, refusals only inside the reported downtime; only the changed module upgraded', async () => {
  publishPartnerField();
  desired.addons = [{ ...desired.addons[0]!, ref: 'v1.1' }];
  const { r, p } = await applyUnderTraffic();
  const prod = production(r);
  assert.is(prod.outcome, 'applied', JSON.stringify(prod, null, 1));
  assertServedRight(p, prod);
  // The plan's steps, in the one order: nothing serves between stop and start.
  assert.equal(prod.actions.map((a) => a.action.kind), ['fetch-addons', 'snapshot', 'stop', 'checkout-addons', 'upgrade-modules', 'start', 'health-check', 'record-revision']);
  const up = prod.actions.find((a) => a.action.kind === 'upgrade-modules')!.action;
  assert.equal(up.kind === 'upgrade-modules' ? [up.modules, up.why] : null, [['integrator_base'], [{ module: 'integrator_base', cause: 'version', from: '17.0.1.0', to: '17.0.1.1' }]], 'integrator_reports is unchanged: not upgraded');
  assert.not.match(await serverLog(), /UndefinedColumn/);
  assert.is(await sql(info, DB, "SELECT count(*) FROM information_schema.columns WHERE table_name = 'res_partner' AND column_name = 'x_integrator_code'"), '1');
  // The downtime is in the report, text and JSON.
  assert.match(renderApplyText([r.apply!]), /\n {4}downtime (\d+ms|\d+\.\d+s|\d+m\d\ds) \(\d{4}-\d\d-\d\d [\d:.]+Z → [\d:.]+Z\)\n/);
  assert.match(toJson(r.apply), /"downtime": \{\n\s+"from": "/);
});

test('image switch under traffic: same criterion; core modules whose version differs in the new image are upgraded', async () => {
  // The database says contacts is at 17.0.0.9: the new image's manifest (17.0.1.0) differs.
  await sql(info, DB, "UPDATE ir_module_module SET latest_version = '17.0.0.9' WHERE name = 'contacts'");
  desired.image = 'registry.example.com/odoo:17.0-20261201';
  const { r, p } = await applyUnderTraffic();
  const prod = production(r);
  assert.is(prod.outcome, 'applied', JSON.stringify(prod, null, 1));
  assert.equal(prod.actions.map((a) => a.action.kind), ['pull-image', 'snapshot', 'stop', 'switch-image', 'upgrade-modules', 'start', 'health-check', 'record-revision']);
  assert.match(prod.actions.find((a) => a.action.kind === 'upgrade-modules')!.output ?? '', /core modules after the image switch: contacts 17\.0\.0\.9 → 17\.0\.1\.0/);
  assert.is(await sql(info, DB, "SELECT latest_version FROM ir_module_module WHERE name = 'contacts'"), '17.0.1.0');
  assertServedRight(p, prod);
  const idle = await apply();
  assert.is(production(idle).outcome, 'unchanged', 'converged');
});

test('PostgreSQL down once odoo has started: /web/health passes, the health check fails on the login page, the rollback keeps what the changed instance left', async () => {
  desired.modules = [...desired.modules, 'project'];
  let webHealth = '';
  let stopped = false;
  try {
    const r = await apply(async (e) => {
      if (e.instance === 'production' && e.step === 'health-check' && e.status === 'start' && !stopped) {
        stopped = true;
        await sandboxFault({ dir: info.dir, client: client(), fault: 'db-stop' });
      }
      if (e.instance === 'production' && e.step === 'rollback' && e.status === 'start') {
        webHealth = await onServer(info, `curl -sS --max-time 5 http://127.0.0.1:${desired.httpPort}/web/health`);
        await sandboxFault({ dir: info.dir, client: client(), fault: 'db-start' });
      }
    });
    const prod = production(r);
    assert.is(webHealth, '{"status": "pass"}', 'odoo itself was up: /web/health would have passed');
    assert.is(prod.outcome, 'rolled-back', JSON.stringify(prod, null, 1));
    assert.match(prod.detail!, /health-check failed: GET \/web\/login\?db=acme_prod answered 302/);
    assert.match(prod.detail!, /what it left is kept: database odoops_aside_/);
    assert.ok(prod.downtime?.to, 'healthy again after the rollback');
    assert.match(await sql(info, DB, "SELECT state FROM ir_module_module WHERE name = 'project'"), /^(uninstalled)?$/);
    const aside = (await databases(info)).filter((d) => d.startsWith('odoops_aside_'));
    assert.is(aside.length, 1, 'the database users may have written to is kept (renamed aside, connections refused until a person looks)');
    assert.ok(prod.detail!.includes(aside[0]!), 'the report names it');
  } finally {
    await sandboxFault({ dir: info.dir, client: client(), fault: 'db-start' });
  }
});

test.run();

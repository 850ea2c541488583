/**
 * Issue 11, the health check's second half on a sandbox server: odoo starts and its login page
 * works, but the start logged an ERROR — an installed module's code is gone from the new addons
 * commit, and Odoo (real 17.0 and the stand-in) logs `ERROR <db> odoo.modules.loading: Some
 * modules are not loaded, some dependencies or manifest may be missing: [...]` while loading the
 * registry, then serves. Only the startup-log scan sees it: the check fails, the instance is
 * rolled back, and the report's reason is that ERROR line. Then an ERROR the same container
 * logged before the start is not this start's (the scan reads what the log gained after the
 * mark taken before `up -d`).
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { rmSync } from 'node:fs';
import path from 'node:path';
import type { InstanceSpec } from '../../operator/desired/types.ts';
import { startSandbox, stopSandbox, type SandboxInfo } from '../util/sandbox.ts';
import { applier, DB, odooLog, production, productionSpec, type Apply } from './sequence-fixture.ts';
import { commitToAddons } from './fixture.ts';
import { onServer, sql } from './server.ts';

const test = suite('apply: a start that logs an ERROR');
const MISSING = "ERROR odoo.modules.loading: Some modules are not loaded, some dependencies or manifest may be missing: ['integrator_reports']";
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

const containerLog = () => odooLog(info);
const checkedOut = () => onServer(info, 'git -C /srv/odoo/production/addons/integrator-addons rev-parse HEAD');

/** A commit of the fixture addons repository without integrator_reports, tagged. */
const publishWithoutReports = (tag: string) =>
  commitToAddons(info, (dir) => rmSync(path.join(dir, 'integrator_reports'), { recursive: true }), tag, 'integrator_reports removed (still installed on the server)');

test('baseline: integrator_reports installed, a clean start', async () => {
  const r = await apply();
  assert.is(production(r).outcome, 'applied', JSON.stringify(r.apply, null, 1));
  assert.is(await sql(info, DB, "SELECT state FROM ir_module_module WHERE name = 'integrator_reports'"), 'installed');
  assert.not.match(await containerLog(), /Some modules are not loaded/);
});

test('the code of an installed module gone: the login page works, the startup log has the ERROR → rolled back, the reason is that line', async () => {
  const before = await checkedOut();
  publishWithoutReports('v1.0-no-reports');
  desired.addons = [{ ...desired.addons[0]!, ref: 'v1.0-no-reports' }];
  const r = await apply();
  const prod = production(r);
  assert.is(prod.outcome, 'rolled-back', JSON.stringify(prod, null, 1));
  // The login page answered 200 with the form: the failure is the log's, and its reason is the ERROR line.
  assert.ok(prod.detail!.startsWith(`health-check failed: startup log: ${MISSING}`), prod.detail);
  assert.not.match(prod.detail!, /GET \/web\/login/);
  const failed = prod.actions.find((a) => a.outcome === 'failed')!;
  assert.is(failed.action.kind, 'health-check');
  assert.match(failed.output ?? '', /\d ERROR acme_prod odoo\.modules\.loading: Some modules are not loaded/);
  // The server did log it at that start, and the rollback put the previous commit back.
  assert.match(await containerLog(), /ERROR acme_prod odoo\.modules\.loading: Some modules are not loaded, some dependencies or manifest may be missing: \['integrator_reports'\]/);
  assert.match(await containerLog(), /WARNING acme_prod odoo\.modules\.graph: module integrator_reports: not installable, skipped/, 'as real 17.0 logs it');
  assert.is(await checkedOut(), before);
  assert.is(await sql(info, DB, "SELECT state FROM ir_module_module WHERE name = 'integrator_reports'"), 'installed');
});

test('an ERROR the container logged before the start is not this start\'s: a restart for a new option is applied', async () => {
  desired.addons = [{ ...desired.addons[0]!, ref: 'v1.0' }];
  desired.options = { ...desired.options, limit_time_real: 1200 };
  assert.match(await containerLog(), /Some modules are not loaded/, 'the same container\'s log holds the earlier ERROR');
  const r = await apply();
  const prod = production(r);
  assert.is(prod.outcome, 'applied', JSON.stringify(prod, null, 1));
  assert.ok(prod.actions.some((a) => a.action.kind === 'start') && prod.actions.some((a) => a.action.kind === 'health-check' && a.outcome === 'ok'));
});

test.run();

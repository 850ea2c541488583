/**
 * The plan as a person reads it at a glance (issue: 105 lines for 2 clients): what changes is
 * said first and once, steps are marked as steps, values in human units, counts that say what
 * they count, nothing shown from an incomplete reading, a host key mismatch apart.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { planClient } from '../../operator/plan/plan.ts';
import { fmtBytes, fmtOption, fmtSeconds, renderPlanMarkdown, renderPlanText } from '../../operator/report/index.ts';
import { clientSpec, instanceSpec, liveState, NOW, REV } from '../plan/fixtures.ts';

const opts = { revision: REV, now: NOW };
const options = { workers: 2, limit_memory_hard: 2684354560, limit_memory_soft: 2147483648, limit_time_cpu: 600, list_db: false, proxy_mode: true };

/** A server fresh from the installer: base only, no options set, modules uninstalled or unknown. */
function freshPlan() {
  const spec = clientSpec('acme', [instanceSpec('test', { options, modules: ['contacts', 'integrator_base'] })]);
  return planClient(spec, liveState(spec, (l) => {
    l.test!.options = {};
    l.test!.modules.contacts = { state: 'uninstalled', installedVersion: null, manifestVersion: null };
    delete l.test!.modules.integrator_base;
    l.test!.addons['integrator-addons']!.commit = null; // its checkout brings integrator_base
  }), opts);
}

const count = (text: string, re: RegExp): number => (text.match(new RegExp(re.source, 'g')) ?? []).length;

test('each change is said once: an option, a module appear in one line only', () => {
  const out = renderPlanText([freshPlan()], { color: false });
  assert.is(count(out, /\bworkers\b/), 1, out);
  assert.is(count(out, /\blist_db\b/), 1, out);
  assert.is(count(out, /\bcontacts\b/), 1, out);
  assert.not.match(out, /why:/);
  assert.match(out, /^ {4}\+ install 2 modules: contacts \(uninstalled\); integrator_base \(not on the server yet\)$/m);
  assert.not.match(out, /module not installed \(uninstalled\)/, 'no state said twice');
});

test('steps are marked as steps, never as changes with +/-/~', () => {
  const out = renderPlanText([freshPlan()], { color: false });
  const changeLines = out.split('\n').filter((l) => /^ {4}[+~-] /.test(l));
  for (const step of ['snapshot', 'restart', 'health check', 'record revision']) {
    assert.not.ok(changeLines.some((l) => l.includes(step)), `${step} is not a change line`);
  }
  assert.match(out, /^ {4}steps: fetch integrator-addons \(old code still serves\) → snapshot \(stops odoo,\n {11}dumps the database\) → stop odoo → check out integrator-addons → write odoo\.conf →\n {11}install 2 modules → start odoo → health check → record revision$/m);
  // Changes come before the steps.
  assert.ok(out.indexOf('+ odoo.conf sets') < out.indexOf('steps:'));
});

test('values in the units people read; booleans one way', () => {
  const out = renderPlanText([freshPlan()], { color: false });
  assert.match(out, /limit_memory_hard 2\.5 GiB/);
  assert.match(out, /limit_memory_soft 2 GiB/);
  assert.match(out, /limit_time_cpu 10 min/);
  assert.not.match(out, /2684354560|2147483648/);
  assert.match(out, /list_db False/);
  assert.not.match(out, /\bfalse\b|\btrue\b/, 'odoo.conf spelling only (True/False)');
  assert.is(fmtBytes(512), '512 B');
  assert.is(fmtBytes(1536 * 1024 * 1024), '1.5 GiB');
  assert.is(fmtSeconds(90), '90 s');
  assert.is(fmtSeconds(7200), '2 h');
  assert.is(fmtOption('workers', '4'), '4');
});

test('counts say what they count: instances, clients, servers', () => {
  const windows = [{ kind: 'allow' as const, schedule: '0 2 * * 0', duration: '3h', timeZone: 'Europe/Paris', manualSync: true }];
  const a = clientSpec('acme', [instanceSpec('test', { options: { workers: 3 } }), instanceSpec('production', { options: { workers: 3 }, windows })]);
  const b = clientSpec('beta', [instanceSpec('production', { options: { workers: 3 }, windows })]);
  const c = clientSpec('gamma');
  const d = clientSpec('delta');
  const plans = [
    planClient(a, liveState(a, (l) => { for (const i of Object.values(l)) i.options.workers = '2'; }), opts),
    planClient(b, liveState(b, (l) => { l.production!.options.workers = '2'; }), opts),
    planClient(c, liveState(c), opts),
    planClient(d, { client: 'delta', reachable: false, code: 'unreachable', reason: 'connect ETIMEDOUT' }, opts),
  ];
  const out = renderPlanText(plans, { color: false });
  assert.ok(out.includes('Summary: 3 instances to change on 2 clients (1 in its window now, 2 waiting for their window), 1 server unreachable, 1 client unchanged'), out);
});

test('an incomplete reading (PostgreSQL down) shows no invented changes', () => {
  const spec = clientSpec('acme', [instanceSpec('test')]);
  const plan = planClient(spec, liveState(spec, (l) => {
    l.test!.modules = {};
    l.test!.errors = ['psql ir_module_module: exit 1 service "db" is not running'];
  }), opts);
  assert.is(plan.instances[0]!.blocked?.code, 'live-incomplete');
  const out = renderPlanText([plan], { color: false });
  assert.match(out, /^! acme\/test {2}blocked: live state incomplete: psql ir_module_module/m);
  assert.match(out, /no changes shown: the server could not be read completely/);
  assert.not.match(out, /not on the server yet|unknown|install /, out);
  const md = renderPlanMarkdown([plan]);
  assert.not.match(md, /unknown/, md);
});

test('a host key mismatch is its own line and its own count, never "unreachable"', () => {
  const a = clientSpec('acme');
  const b = clientSpec('beta');
  const plans = [
    planClient(a, { client: 'acme', reachable: false, code: 'host-key-mismatch', reason: 'host key mismatch for acme: expected SHA256:abc, got SHA256:xyz' }, opts),
    planClient(b, { client: 'beta', reachable: false, code: 'unreachable', reason: 'connect ETIMEDOUT' }, opts),
  ];
  const out = renderPlanText(plans, { color: false });
  assert.match(out, /^\? acme {2}host key mismatch: .*someone may be intercepting the connection/m);
  assert.match(out, /^\? beta {2}unreachable: connect ETIMEDOUT$/m);
  assert.ok(out.includes('Summary: nothing to change, 1 server unreachable, 1 server refused: host key mismatch'), out);
  assert.match(renderPlanMarkdown(plans), /🚨 `acme`: host key mismatch/);
});

test.run();

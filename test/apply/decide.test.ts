import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { applyPlan, withSnapshot } from '../../operator/apply/index.ts';
import type { ApplyResult, InstanceResult } from '../../operator/apply/types.ts';
import { applyExitCode } from '../../operator/report/index.ts';
import { readBackProblems } from '../../operator/apply/verify.ts';
import { snapshotStamp } from '../../operator/apply/snapshot.ts';
import type { ClientSpec, InstanceSpec } from '../../operator/desired/types.ts';
import type { HostSession } from '../../operator/live/ssh.ts';
import type { LiveInstance } from '../../operator/live/types.ts';
import type { Plan } from '../../operator/plan/types.ts';
import { windowStatus } from '../../operator/plan/windows.ts';

const inst = (over: Partial<InstanceSpec> = {}): InstanceSpec => ({
  name: 'production', series: '17.0', image: 'reg/odoo:17.0-b', database: 'acme_prod', domain: 'erp.acme.example', httpPort: 8069,
  modules: ['contacts'], removeModules: ['website'], addons: [{ name: 'integrator-addons', url: 'file:///x.git', ref: 'v1.0' }],
  options: { workers: 2, proxy_mode: true }, windows: [], ...over,
});
const live = (over: Partial<LiveInstance> = {}): LiveInstance => ({
  name: 'production', present: true, image: 'reg/odoo:17.0-b', imageDigest: null, running: true, runningImage: 'reg/odoo:17.0-b', odooVersion: '17.0',
  modules: { contacts: { state: 'installed', installedVersion: '17.0.1.0', manifestVersion: null }, website: { state: 'uninstalled', installedVersion: null, manifestVersion: null },
    integrator_base: { state: 'installed', installedVersion: '17.0.1.0', manifestVersion: '17.0.1.1' } },
  addons: { 'integrator-addons': { url: 'file:///x.git', commit: 'a'.repeat(40), desiredCommit: 'a'.repeat(40) } },
  options: { workers: '2', proxy_mode: 'True' }, lastApplied: null, ...over,
});

test('read-back: a converged instance has no problems', () => {
  assert.equal(readBackProblems(inst(), live(), new Set()), []);
});

test('read-back: every kind of mismatch is named', () => {
  const problems = readBackProblems(
    inst({ modules: ['contacts', 'no_such_module'] }),
    live({ runningImage: 'reg/odoo:17.0-a', options: { workers: '3', proxy_mode: 'True' },
      modules: { ...live().modules, website: { state: 'installed', installedVersion: '17.0.1.0', manifestVersion: null } } }),
    new Set(['integrator_base']),
  );
  assert.equal(problems, [
    'running image is reg/odoo:17.0-a, expected reg/odoo:17.0-b',
    'module no_such_module is unknown to Odoo, expected installed',
    'module website is installed, expected uninstalled',
    'module integrator_base is at 17.0.1.0, manifest says 17.0.1.1',
    'option workers is 3, expected 2',
  ]);
  assert.equal(readBackProblems(inst(), live({ running: false }), new Set()), ['odoo container is not running']);
});

test('snapshot stamps sort by time', () => {
  const a = snapshotStamp(new Date('2026-11-01T02:00:00.123Z'), 'r1');
  const b = snapshotStamp(new Date('2026-11-08T01:59:59Z'), 'r0');
  assert.is(a, '20261101T020000Z-r1');
  assert.ok(a < b);
});

// A transport that fails the test if anything is run: decisions that must not touch the server.
const untouchable: HostSession = {
  label: 'acme (test)',
  exec: () => { throw new Error('nothing may run on the server'); },
  spawn: () => { throw new Error('nothing may run on the server'); },
  close: async () => undefined,
};

test('window closed: nothing runs, the next opening is reported; --ignore-windows obeys manualSync', async () => {
  const now = new Date('2026-11-04T12:00:00Z'); // a Wednesday
  const windows = [{ kind: 'allow' as const, schedule: '0 2 * * 0', duration: '3h', timeZone: 'Europe/Paris', manualSync: false }];
  const spec = inst({ windows });
  const client = { name: 'acme', instances: [spec] } as unknown as ClientSpec;
  const plan: Plan = { client: 'acme', revision: 'abc', instances: [{
    instance: 'production', changes: [], window: windowStatus(windows, now),
    actions: [{ kind: 'snapshot', instance: 'production', database: true }, { kind: 'install-modules', instance: 'production', modules: ['crm'] }],
  }] };
  for (const ignoreWindows of [false, true]) {
    const r = await applyPlan(untouchable, client, plan, { now: () => now, ignoreWindows });
    assert.is(r.instances[0]!.outcome, 'waiting');
    assert.is(r.instances[0]!.reason?.code, 'window-closed');
    assert.match(r.instances[0]!.detail!, /^window closed; next opening Sun 2026-11-08 02:00 Europe\/Paris/);
    assert.ok(r.instances[0]!.actions.every((a) => a.outcome === 'skipped'));
  }
});

test('blocked and unchanged instances never touch the server', async () => {
  const client = { name: 'acme', instances: [inst({ name: 'test' }), inst()] } as unknown as ClientSpec;
  const open = windowStatus([], new Date());
  const plan: Plan = { client: 'acme', revision: 'abc', instances: [
    { instance: 'test', changes: [], actions: [], window: open, blocked: { code: 'major-upgrade', message: 'major upgrade 16.0 -> 17.0: out of routine scope' } },
    { instance: 'production', changes: [], actions: [], window: open },
  ] };
  const r = await applyPlan(untouchable, client, plan, {});
  assert.equal(r.instances.map((i) => i.outcome), ['blocked', 'unchanged']);
  assert.equal(r.instances[0]!.reason, { code: 'major-upgrade', message: 'major upgrade 16.0 -> 17.0: out of routine scope' });
  assert.is(applyExitCode([r]), 1, 'a blocked instance fails the apply');
  const u = await applyPlan(untouchable, client, { client: 'acme', revision: 'abc', unreachable: { code: 'unreachable', message: 'cannot reach acme' }, instances: [] }, {});
  assert.equal(u.error, { code: 'unreachable', message: 'cannot reach acme' });
  assert.is(applyExitCode([u]), 1, 'an unreachable server fails the apply');
});

test('exit codes come from outcomes: waiting and unchanged are fine, failed, rolled back and blocked are not', () => {
  const one = (outcome: InstanceResult['outcome']): ApplyResult => ({ client: 'acme', revision: 'r', durationMs: 0, instances: [{ instance: 'production', outcome, actions: [] }] });
  assert.equal((['applied', 'unchanged', 'waiting', 'skipped'] as const).map((o) => applyExitCode([one(o)])), [0, 0, 0, 0]);
  assert.equal((['failed', 'rolled-back', 'blocked'] as const).map((o) => applyExitCode([one(o)])), [1, 1, 1]);
  assert.is(applyExitCode([{ client: 'acme', revision: 'r', durationMs: 0, instances: [], error: { code: 'locked', message: 'acme is locked' } }]), 1);
});

test('a snapshot comes first, and dumps the database whenever a step may change it', () => {
  const install = { kind: 'install-modules' as const, instance: 'p', modules: ['crm'] };
  const conf = { kind: 'write-config' as const, instance: 'p', set: { workers: 2 }, previous: { workers: '1' } };
  assert.equal(withSnapshot([conf], 'p')[0], { kind: 'snapshot', instance: 'p', database: false });
  assert.equal(withSnapshot([conf, install], 'p')[0], { kind: 'snapshot', instance: 'p', database: true });
  // A plan's files-only snapshot is upgraded when a database step is there.
  assert.equal(withSnapshot([{ kind: 'snapshot', instance: 'p', database: false }, install], 'p'), [{ kind: 'snapshot', instance: 'p', database: true }, install]);
  assert.equal(withSnapshot([{ kind: 'health-check', instance: 'p' }], 'p'), [{ kind: 'health-check', instance: 'p' }], 'nothing changes: no snapshot');
});

test.run();

/** Which modules an apply upgrades and why (operator/plan/modules.ts), through planClient. */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { planClient } from '../../operator/plan/plan.ts';
import type { Action, InstancePlan } from '../../operator/plan/types.ts';
import { renderPlanText } from '../../operator/report/plan.ts';
import { clientSpec, instanceSpec, liveState, REV, SHA_V2 } from './fixtures.ts';

const test = suite('plan: upgrade only what changed');
const opts = { revision: REV, now: new Date('2026-11-29T01:30:00Z') };
const upgradeOf = (p: InstancePlan): Extract<Action, { kind: 'upgrade-modules' }> | undefined =>
  p.actions.find((a): a is Extract<Action, { kind: 'upgrade-modules' }> => a.kind === 'upgrade-modules');

const A = 'a'.repeat(64);
const B = 'b'.repeat(64);

function planWith(mods: Record<string, { installed: string; manifest: string; checksum?: string; applied?: string | null }>, moved = true) {
  const spec = clientSpec('acme', [instanceSpec('test', { modules: ['contacts'], removeModules: [] })]);
  const live = liveState(spec, (l) => {
    const t = l.test!;
    if (moved) t.addons['integrator-addons']!.desiredCommit = SHA_V2;
    for (const [name, m] of Object.entries(mods)) {
      t.modules[name] = { state: 'installed', installedVersion: m.installed, manifestVersion: m.manifest, ...(m.checksum ? { checksum: m.checksum, appliedChecksum: m.applied ?? null } : {}) };
    }
  });
  return planClient(spec, live, opts);
}

test('a new commit upgrades the module whose files changed, not the untouched one; versions and "code changed" are the reasons', () => {
  const plan = planWith({
    integrator_base: { installed: '17.0.1.0', manifest: '17.0.1.1', checksum: B, applied: A },
    integrator_reports: { installed: '17.0.1.0', manifest: '17.0.1.0', checksum: A, applied: A },
    integrator_tools: { installed: '17.0.1.0', manifest: '17.0.1.0', checksum: B, applied: A },
  });
  const p = plan.instances[0]!;
  assert.equal(upgradeOf(p)?.modules, ['integrator_base', 'integrator_tools']);
  assert.equal(upgradeOf(p)?.why, [
    { module: 'integrator_base', cause: 'version', from: '17.0.1.0', to: '17.0.1.1' },
    { module: 'integrator_tools', cause: 'code', from: '17.0.1.0', to: '17.0.1.0' },
  ]);
  const reasons = Object.fromEntries(p.changes.filter((c) => c.path.startsWith('modules.')).map((c) => [c.path, c.reason]));
  assert.equal(reasons, { 'modules.integrator_base.version': '17.0.1.0 → 17.0.1.1', 'modules.integrator_tools.version': 'code changed (17.0.1.0)' });
  const record = p.actions.at(-1);
  assert.equal(record?.kind === 'record-revision' ? record.moduleChecksums : null, { integrator_base: B, integrator_reports: A, integrator_tools: B });
  const text = renderPlanText([plan], { color: false });
  assert.match(text, /integrator_base \(17\.0\.1\.0 → 17\.0\.1\.1\)/);
  assert.match(text, /integrator_tools \(code changed \(17\.0\.1\.0\)\)/);
  assert.not.match(text, /\(none\) -> \(none\)/);
});

test('nothing changed since the last apply: no upgrade, no action at all', () => {
  const plan = planWith({ integrator_base: { installed: '17.0.1.0', manifest: '17.0.1.0', checksum: A, applied: A } }, false);
  assert.equal(plan.instances[0]!.actions, []);
});

test('files changed by hand since the last apply (same commit): upgraded, so the server converges', () => {
  const plan = planWith({ integrator_base: { installed: '17.0.1.0', manifest: '17.0.1.0', checksum: B, applied: A } }, false);
  assert.equal(upgradeOf(plan.instances[0]!)?.modules, ['integrator_base']);
});

test('an image switch: core modules decided after pull, said in the plan', () => {
  const spec = clientSpec('acme', [instanceSpec('test', { image: 'registry.example.com/odoo:17.0-20261201', modules: ['contacts'], removeModules: [] })]);
  const plan = planClient(spec, liveState(spec, (l) => { l.test!.image = 'registry.example.com/odoo:17.0-20261101'; }), opts);
  const p = plan.instances[0]!;
  assert.equal(upgradeOf(p), { kind: 'upgrade-modules', instance: 'test', modules: [], why: [], coreAfterPull: true });
  assert.ok(p.changes.some((c) => c.reason === 'core modules: decided after pull'));
  assert.match(renderPlanText([plan], { color: false }), /core modules: decided after pull/);
});

test.run();

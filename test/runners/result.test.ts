// The runners' typed results: every client ends in one status with coded reasons, and
// whether it may clear by itself (transient) is read from the codes, never from text.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { ApplyResult } from '../../operator/apply/types.ts';
import type { Plan, WindowStatus } from '../../operator/plan/types.ts';
import { applyClientResult, planClientResult, RUN_TRANSIENT, RunError } from '../../operator/runners/index.ts';
import { TRANSIENT } from '../../operator/plan/types.ts';

const open: WindowStatus = { open: true, nextOpening: null, closesAt: null, description: 'open' };
const rev = 'a'.repeat(40);

test('every plan reason code keeps its transient flag; run-only codes are classified', () => {
  for (const [code, transient] of Object.entries(TRANSIENT)) assert.is(RUN_TRANSIENT[code as keyof typeof RUN_TRANSIENT], transient, code);
  assert.is(RUN_TRANSIENT['apply-failed'], false);
  assert.is(RUN_TRANSIENT['config-unavailable'], true);
  const e = new RunError('config-invalid', 'fleet.yaml:3:1: bad');
  assert.equal([e.code, e.transient, e.exitCode], ['config-invalid', false, 1]);
});

test('plan: unreachable, blocked, changes and in-sync clients', () => {
  const base: Plan = { client: 'acme', revision: rev, instances: [] };
  const unreachable = planClientResult({ ...base, unreachable: { code: 'unreachable', message: 'timed out' } });
  assert.equal([unreachable.status, unreachable.transient, unreachable.reasons[0]!.code], ['unreachable', true, 'unreachable']);
  const blocked = planClientResult({ ...base, instances: [{ instance: 'production', changes: [], actions: [], window: open, blocked: { code: 'major-upgrade', message: '16.0 -> 17.0' } }] });
  assert.equal([blocked.status, blocked.transient, blocked.reasons[0]!.instance], ['blocked', false, 'production']);
  const changes = planClientResult({ ...base, instances: [{ instance: 'test', changes: [], actions: [{ kind: 'start', instance: 'test' }], window: open }] });
  assert.equal([changes.status, changes.reasons], ['changes', []]);
  assert.is(planClientResult(base).status, 'in-sync');
});

test('apply: the worst outcome decides the status; reasons carry codes and instances', () => {
  const r = (instances: ApplyResult['instances'], error?: ApplyResult['error']): ApplyResult => ({ client: 'acme', revision: rev, instances, durationMs: 1, ...(error ? { error } : {}) });
  assert.equal(applyClientResult(r([], { code: 'locked', message: 'held by run x' })), { client: 'acme', status: 'waiting', reasons: [{ code: 'locked', message: 'held by run x' }], transient: true });
  assert.is(applyClientResult(r([], { code: 'host-key-mismatch', message: 'x' })).transient, false);
  const mixed = applyClientResult(r([
    { instance: 'test', outcome: 'applied', actions: [] },
    { instance: 'production', outcome: 'waiting', reason: { code: 'window-closed', message: 'closed' }, actions: [] },
  ]));
  assert.equal([mixed.status, mixed.transient, mixed.reasons.map((x) => `${x.instance}:${x.code}`)], ['waiting', true, ['production:window-closed']]);
  const failed = applyClientResult(r([
    { instance: 'test', outcome: 'rolled-back', detail: 'upgrade failed; restored', actions: [] },
    { instance: 'production', outcome: 'skipped', reason: { code: 'dependency-failed', message: 'test first' }, actions: [] },
  ]));
  assert.equal([failed.status, failed.transient, failed.reasons.map((x) => x.code)], ['failed', false, ['rolled-back', 'dependency-failed']]);
  assert.is(applyClientResult(r([{ instance: 'test', outcome: 'unchanged', actions: [] }])).status, 'in-sync');
});

test.run();

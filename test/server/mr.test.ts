// The MR flow's pure parts: the plan and apply comments (Atlantis-like layout, times in the
// client's zone), the refusals of `odoops apply` (each with its exact reason), and the
// statuses computed from typed results.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { AccessInfo, MergeRequestInfo } from '../../operator/forge/types.ts';
import type { Plan, WindowStatus } from '../../operator/plan/types.ts';
import { formatOpening, REMOVED_CLIENT, renderMrApply, renderMrPlan } from '../../operator/report/mr.ts';
import { applyRefusal } from '../../operator/server/mr/commands.ts';
import { applyStatus, planStatus } from '../../operator/server/mr/views.ts';
import type { MrRecord } from '../../operator/server/state.ts';

const rev = '0123456789abcdef0123456789abcdef01234567';
const open: WindowStatus = { open: true, nextOpening: null, closesAt: null, description: 'open' };
const closed: WindowStatus = { open: false, nextOpening: '2026-12-06T01:00:00.000Z', closesAt: null, description: 'closed' };

const plan: Plan = {
  client: 'acme',
  revision: rev,
  instances: [
    { instance: 'test', changes: [{ path: 'options.workers', from: '2', to: '3', reason: 'option differs' }], actions: [{ kind: 'write-config', instance: 'test', set: { workers: 3 }, previous: { workers: '2' } }, { kind: 'start', instance: 'test' }], window: open },
    { instance: 'production', changes: [{ path: 'options.workers', from: '2', to: '3', reason: 'option differs' }], actions: [{ kind: 'start', instance: 'production' }], window: closed, dependsOn: 'test' },
  ],
};
const zones = { acme: { test: 'Europe/Paris', production: 'Europe/Paris' } };

test('opening times read in the client zone, as in "Sun 6 Dec 02:00 Europe/Paris"', () => {
  assert.is(formatOpening('2026-12-06T01:00:00.000Z', 'Europe/Paris'), 'Sun 6 Dec 02:00 Europe/Paris');
  assert.is(formatOpening('2026-12-13T01:00:00.000Z', 'America/Montreal'), 'Sat 12 Dec 20:00 America/Montreal');
});

test('plan comment: counts line, table, details per instance, what happens on merge', () => {
  const body = renderMrPlan({ revision: rev, plans: [plan], removed: ['globex'], queuedBehind: {}, timeZones: zones });
  const lines = body.split('\n');
  assert.is(lines[0], '**odoops plan** at `0123456789ab` — 2 clients · 2 instances to change · 2 changes · 0 blocked');
  assert.ok(lines.includes(`- \`globex\`: ${REMOVED_CLIENT}.`));
  assert.ok(lines.includes('| acme | test | 1 | open now |'));
  assert.ok(lines.includes('| acme | production | 1 | next opening Sun 6 Dec 02:00 Europe/Paris |'));
  assert.is(lines.filter((l) => l.startsWith('<details>')).length, 2);
  assert.ok(lines.includes('- runs after `acme/test` succeeds in the same run'));
  assert.is(lines.filter((l) => l.startsWith('**On merge:**'))[0], '**On merge:** `acme/test` apply at once; `acme/production` queued until Sun 6 Dec 02:00 Europe/Paris.');
});

test('plan comment: queued behind a hold, blocked with its reason, and "no changes" without noise', () => {
  const blocked: Plan = { ...plan, instances: [{ ...plan.instances[1]!, actions: [], blocked: { code: 'major-upgrade', message: 'series 16.0 -> 17.0 is a project' } }] };
  const held = renderMrPlan({ revision: rev, plans: [plan], removed: [], queuedBehind: { acme: '!3' }, timeZones: zones });
  assert.match(held, '| acme | test | 1 | queued behind !3 |');
  assert.match(held, '`acme/test` queued behind !3');
  const b = renderMrPlan({ revision: rev, plans: [blocked], removed: [], queuedBehind: {}, timeZones: zones });
  assert.match(b, '1 blocked');
  assert.match(b, '- `acme/production`: series 16.0 -> 17.0 is a project (major-upgrade)');
  const none = renderMrPlan({ revision: rev, plans: [{ client: 'acme', revision: rev, instances: [{ instance: 'test', changes: [], actions: [], window: open }] }], removed: [], queuedBehind: {}, timeZones: zones });
  assert.match(none, 'No changes: the servers already match this MR.');
  assert.not.match(none, '| client |');
  assert.match(renderMrPlan({ revision: rev, plans: [], removed: [], queuedBehind: {}, timeZones: {} }), 'changes no client’s desired state');
});

test('apply comment: per instance applied / failed (with the command output) / queued until', () => {
  const body = renderMrApply({
    revision: rev,
    clients: [
      {
        client: 'acme',
        revision: rev,
        status: 'failed',
        instances: [
          { instance: 'test', outcome: 'applied', durationMs: 12_000 },
          { instance: 'production', outcome: 'waiting', nextOpening: '2026-12-06T01:00:00.000Z', timeZone: 'Europe/Paris' },
          { instance: 'staging', outcome: 'rolled-back', detail: 'upgrade failed', failure: '$ odoo -u sale\nERROR boom' },
        ],
      },
    ],
  });
  assert.match(body, '— 1 applied · 1 waiting · 1 rolled-back');
  assert.match(body, '- ✅ `acme/test`: applied (12.0s)');
  assert.match(body, '- ⏸️ `acme/production`: queued until Sun 6 Dec 02:00 Europe/Paris');
  assert.match(body, 'ERROR boom');
});

const mr = (over: Partial<MergeRequestInfo> = {}): MergeRequestInfo => ({
  number: 4, title: 't', url: 'u', author: { id: 1, username: 'a' }, state: 'open', draft: false, sourceBranch: 's', targetBranch: 'main',
  headSha: rev, targetSha: 'b'.repeat(40), mergeCommitSha: null, mergeable: { state: 'mergeable', detail: 'mergeable' },
  approvals: { approvedBy: [{ id: 2, username: 'lead' }], changesRequestedBy: [], required: 0, left: 0, approved: true }, ...over,
});
const maintainer: AccessInfo = { user: { id: 2, username: 'lead' }, level: 'maintain', platformLevel: 'Maintainer (40)', mayApply: true };

test('odoops apply refusals, each with its exact reason, in order', () => {
  const ok = { access: maintainer, mr: mr(), plannedAt: rev, platform: 'gitlab' as const };
  assert.is(applyRefusal(ok), null);
  const dev: AccessInfo = { user: { id: 3, username: 'dev' }, level: 'write', platformLevel: 'Developer (30)', mayApply: false };
  assert.equal(applyRefusal({ ...ok, access: dev }), { code: 'no-access', message: '@dev has Developer (30) access on this project; `odoops apply` needs Maintainer (40) or more' });
  assert.is(applyRefusal({ ...ok, mr: mr({ state: 'merged' }) })?.code, 'not-open');
  assert.is(applyRefusal({ ...ok, mr: mr({ approvals: { approvedBy: [], changesRequestedBy: [], required: 1, left: 1, approved: false } }) })?.message, 'this MR is not approved (1 more approval(s) required)');
  assert.is(applyRefusal({ ...ok, mr: mr({ mergeable: { state: 'conflict', detail: 'conflict' } }) })?.message, 'this MR is not mergeable (conflict: conflict)');
  assert.is(applyRefusal({ ...ok, plannedAt: null })?.code, 'plan-missing');
  assert.match(applyRefusal({ ...ok, plannedAt: 'c'.repeat(40) })?.message ?? '', 'the plan is for cccccccccccc but the MR head is 0123456789ab');
});

test('statuses from typed results: plan pending behind a hold, failed on a terminal block; apply pending until every instance is done', () => {
  assert.equal(planStatus([{ client: 'acme', status: 'changes', reasons: [], transient: true }], ['!3']), { state: 'pending', description: 'queued behind !3' });
  assert.is(planStatus([{ client: 'acme', status: 'blocked', reasons: [{ code: 'major-upgrade', message: 'x' }], transient: false }], []).state, 'failed');
  assert.is(planStatus([{ client: 'acme', status: 'in-sync', reasons: [], transient: true }], []).description, 'no changes');
  const record = (instances: MrRecord['apply'] extends infer A ? any : never): MrRecord => ({
    mr: { platform: 'gitlab', project: 'g/p', number: 1 }, headSha: rev, plan: null,
    apply: { revision: rev, clients: { acme: { revision: rev, updatedAt: '2026-01-01T00:00:00.000Z', status: 'waiting', instances } } },
  });
  assert.is(applyStatus(record([{ instance: 'test', outcome: 'applied' }, { instance: 'production', outcome: 'waiting' }])).state, 'pending');
  assert.is(applyStatus(record([{ instance: 'test', outcome: 'applied' }, { instance: 'production', outcome: 'unchanged' }])).state, 'success');
  assert.is(applyStatus(record([{ instance: 'test', outcome: 'failed' }])).state, 'failed');
});

test.run();

// `drift --report` against the fake GitLab and the fake GitHub (real HTTP, odoops' real Forge
// created from the fleet.yaml operator.forge settings): one issue, edited in place, closed
// when clean, reopened on recurrence; pending changes alone never open it.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { classifyClient, countStatus } from '../../operator/drift/classify.ts';
import { reportDriftIssue } from '../../operator/drift/issue.ts';
import { renderDriftIssue } from '../../operator/report/drift-issue.ts';
import type { ClientStatus, FleetDriftStatus } from '../../operator/drift/types.ts';
import type { ForgePlatform } from '../../operator/forge/types.ts';
import { planClient } from '../../operator/plan/plan.ts';
import type { WindowStatus } from '../../operator/plan/types.ts';
import { clientSpec, liveState, NOW, REV } from '../plan/fixtures.ts';
import { startFakeForge } from '../forge/fake/index.ts';

const closed: WindowStatus = { open: false, nextOpening: '2026-11-29T01:00:00.000Z', closesAt: null, description: 'closed; next opening Sun 29 Nov 02:00 Europe/Paris' };

function status(clients: ClientStatus[]): FleetDriftStatus {
  const counts = countStatus(clients);
  return { format: 1, revision: REV, checkedAt: NOW.toISOString(), drifted: counts.drifting > 0, counts, clients };
}

const drifting: ClientStatus = {
  client: 'acme',
  state: 'drift',
  instances: [{ instance: 'test', state: 'drift', drift: [{ path: 'options.workers', from: '2', to: '7', reason: 'changed on the server' }], pending: null, lastApplied: { revision: REV, at: '2026-11-01T00:00:00Z' } }],
};
const pending: ClientStatus = {
  client: 'boreal',
  state: 'pending',
  instances: [{ instance: 'production', state: 'pending', drift: [], pending: { changes: [{ path: 'modules.crm.state', from: 'uninstalled', to: 'installed', reason: 'module not installed' }], window: closed }, lastApplied: null }],
};
const unreachable: ClientStatus = { client: 'cobalt', state: 'unreachable', instances: [], unreachable: { code: 'unreachable', message: 'connect ETIMEDOUT 203.0.113.12:22' } };

for (const platform of ['gitlab', 'github'] as ForgePlatform[]) {
  test(`${platform}: open, edit in place, close when clean, reopen on recurrence`, async () => {
    const fake = await startFakeForge({ platform });
    try {
      const config = { kind: platform, url: fake.url, project: fake.project, token: 'env:ODOOPS_FORGE_TOKEN' };
      const forge = { secrets: { env: { ODOOPS_FORGE_TOKEN: fake.botToken } }, retry: { sleep: async () => {} } };
      const report = (s: FleetDriftStatus) => reportDriftIssue(config, s, { forge, runUrl: 'https://ci.example/jobs/1' });

      // Pending alone: nothing is opened.
      assert.is((await report(status([pending]))).transition, 'none');
      assert.is(fake.issues.length, 0);

      const opened = await report(status([drifting, pending, unreachable]));
      assert.is(opened.transition, 'opened');
      assert.is(fake.issues.length, 1);
      const issue = fake.issues[0]!;
      assert.is(issue.state, 'open');
      assert.is(issue.title, 'odoops drift: 1 client drifting, 1 unreachable');
      assert.match(issue.body, /\| `options\.workers` \| 2 \| 7 \|/);
      assert.match(issue.body, /`cobalt` \(unreachable\): connect ETIMEDOUT/);
      assert.match(issue.body, /`boreal\/production` \| `modules\.crm\.state` \| waits for its window \(closed; next opening Sun 29 Nov 02:00 Europe\/Paris\)/);
      assert.match(issue.body, /\[run\]\(https:\/\/ci\.example\/jobs\/1\)/);
      assert.equal(issue.labels, ['odoops', 'drift']);

      assert.is((await report(status([drifting, pending, unreachable]))).transition, 'unchanged');
      const edited = await report(status([drifting, pending]));
      assert.is(edited.transition, 'updated');
      assert.is(fake.issues.length, 1, 'edited in place, never a second issue while one is open');
      assert.is(fake.issues[0]!.title, 'odoops drift: 1 client drifting');

      const closedRes = await report(status([pending]));
      assert.is(closedRes.transition, 'closed');
      assert.is(fake.issues[0]!.state, 'closed');
      assert.match(fake.issues[0]!.body, /back in sync/);

      const reopened = await report(status([unreachable]));
      assert.is(reopened.transition, 'reopened');
      assert.is(fake.issues.length, 1);
      assert.is(fake.issues[0]!.state, 'open');
      assert.not.ok(JSON.stringify(fake.issues).includes(fake.botToken));
    } finally {
      await fake.close();
    }
  });
}

test('no operator.forge: a clear error, nothing sent', async () => {
  const spec = clientSpec();
  const live = liveState(spec);
  const s = status([classifyClient({ spec, live, plan: planClient(spec, live, { revision: REV, now: NOW }) })]);
  try {
    await reportDriftIssue(undefined, s);
    assert.unreachable('must throw');
  } catch (err) {
    assert.match((err as Error).message, /drift --report needs fleet\.yaml operator\.forge/);
  }
});

test.run();

test('a client held by a merge request is listed as held, with the MR', () => {
  const body = renderDriftIssue(status([{ ...pending, heldBy: '!12' }, drifting])).body;
  assert.match(body, '#### Held by a merge request (not reverted)');
  assert.match(body, '- `boreal`: held by !12 (applied before its merge)');
  assert.not.match(renderDriftIssue(status([pending, drifting])).body, 'Held by');
});

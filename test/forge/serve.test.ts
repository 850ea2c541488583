// The forge decoders plugged into the real `odoops serve` webhook endpoints (operator/server),
// over real HTTP: GitLab's documented payloads with the token, GitHub's own examples signed.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { loadDesiredState } from '../../operator/desired/load.ts';
import { forgeDecoder } from '../../operator/forge/decoder.ts';
import type { ForgeEvent } from '../../operator/forge/webhooks/index.ts';
import { startOperator } from '../../operator/server/index.ts';
import type { Delivery } from '../../operator/server/webhooks.ts';
import { exampleRepo } from '../desired/helpers.ts';
import { FakeClock, captureLog, tempDir } from '../server/helpers.ts';
import { githubExample, gitlabExample, sendWebhook } from '../util/webhooks.ts';

const SECRET = 'hook-secret-5d1e0c2a9b';
const prOpened = JSON.stringify(githubExample('pull_request', (e) => e.action === 'opened'));
const gitlabMr = JSON.stringify(gitlabExample('merge-request'));

test('odoops serve with the forge decoders: 202 and one event per delivery, 401 on a bad token or signature, replays answered as duplicates', async () => {
  const log = captureLog(new Set([SECRET]));
  const delivered: Delivery<ForgeEvent>[] = [];
  const repo = exampleRepo();
  const op = await startOperator<ForgeEvent>({
    listen: { host: '127.0.0.1', port: 0 },
    stateDir: tempDir(),
    concurrency: 1,
    intervalMs: 3_600_000,
    autoTick: false,
    log: log.log,
    clock: new FakeClock('2025-03-01T10:00:00Z'),
    maxBodyBytes: 1024 * 1024,
    loadConfig: () => loadDesiredState({ repo: repo.dir }),
    decoders: { gitlab: forgeDecoder('gitlab', { secret: SECRET }), github: forgeDecoder('github', { secret: SECRET }) },
    wire: () => ({ onDelivery: (d) => void delivered.push(d), due: () => [] }),
  });
  try {
    const gitlab = (id: string, headers: Record<string, string>, body = gitlabMr) => sendWebhook(op.url, 'gitlab', { event: 'Merge Request Hook', id, secret: SECRET, body, headers });
    const github = (id: string, headers: Record<string, string>, body = prOpened) => sendWebhook(op.url, 'github', { event: 'pull_request', id, secret: SECRET, body, headers });

    assert.is((await gitlab('gl-1', { 'x-gitlab-event-uuid': 'u-1' })).status, 202);
    // GitLab's retry: same Idempotency-Key, new X-Gitlab-Event-UUID.
    const replay = await gitlab('gl-1', { 'x-gitlab-event-uuid': 'u-2' });
    assert.equal([replay.status, replay.json()], [200, { result: 'duplicate', deliveryId: 'gl-1' }]);
    assert.is((await gitlab('gl-2', { 'x-gitlab-token': 'wrong' })).status, 401);
    assert.is((await gitlab('gl-3', {}, '{"object_kind":')).status, 400);

    assert.is((await github('gh-1', {})).status, 202);
    assert.is((await github('gh-2', { 'x-hub-signature-256': 'sha256=0000' })).status, 401);
    assert.is((await github('gh-3', { 'x-github-event': 'star' })).status, 202);

    assert.equal(
      delivered.map((d) => [d.platform, d.deliveryId, d.event.kind, d.event.kind === 'merge-request' ? d.event.action : '']),
      [
        ['gitlab', 'gl-1', 'merge-request', 'opened'],
        ['github', 'gh-1', 'merge-request', 'opened'],
      ],
    );
    const accepted = log.lines.filter((l) => l.result === 'accepted');
    assert.equal(accepted.map((l) => [l.platform, l.kind, l.action, l.mr]), [
      ['gitlab', 'merge-request', 'opened', 1],
      ['github', 'merge-request', 'opened', 2],
    ]);
    assert.not.ok(log.raw.some((l) => l.includes(SECRET)));
  } finally {
    await op.stop();
  }
});

test.run();

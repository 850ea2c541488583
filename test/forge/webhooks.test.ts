// Webhook deliveries: GitHub's own example payloads (@octokit/webhooks-examples) signed with
// @octokit/webhooks-methods, GitLab's documented examples (fixtures/gitlab/, typed with
// gitlab-event-types). Where a test needs an action no example shows, it changes the fields
// the platform documents for that action, and says so.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { sign } from '@octokit/webhooks-methods';
import type { MergeRequestEvent as GitLabMergeRequestPayload, NoteEvent as GitLabNotePayload, PushEvent as GitLabPushPayload } from 'gitlab-event-types';
import { handleGitHubWebhook, handleGitLabWebhook, parseCommand, type ForgeEvent, type WebhookResult } from '../../operator/forge/webhooks/index.ts';
import { githubExample, gitlabExample } from '../util/webhooks.ts';

const SECRET = 'webhook-secret-for-tests';
const BOT = { id: 999, username: 'odoops-bot' };

// ---- GitHub ------------------------------------------------------------------------------

async function github(event: string, payload: unknown, opts: { delivery?: string; body?: string; signature?: string; secret?: string } = {}): Promise<WebhookResult> {
  const body = opts.body ?? JSON.stringify(payload);
  const headers: Record<string, string> = {
    'x-github-event': event,
    'x-github-delivery': opts.delivery ?? '72d3162e-cc78-11e3-81ab-4c9367dc0958',
    'content-type': 'application/json',
    'x-hub-signature-256': opts.signature ?? (await sign(opts.secret ?? SECRET, body)),
  };
  return handleGitHubWebhook({ headers, rawBody: Buffer.from(body) }, { secret: SECRET, botUser: BOT });
}

// ---- GitLab ------------------------------------------------------------------------------

const gitlabMr = () => gitlabExample<GitLabMergeRequestPayload & { object_attributes: { oldrev?: string; draft?: boolean } } & Record<string, unknown>>('merge-request');
const gitlabPush = () => gitlabExample<GitLabPushPayload>('push');
const gitlabNote = (on: 'merge-request' | 'issue' | 'commit') => gitlabExample<GitLabNotePayload & { object_attributes: { action?: string } }>(`note-${on}`);

function gitlab(event: string, payload: unknown, opts: { token?: string | null; body?: string; headers?: Record<string, string> } = {}): Promise<WebhookResult> {
  const headers: Record<string, string> = {
    'x-gitlab-event': event,
    'x-gitlab-event-uuid': '13792a34-cac6-4fda-95a8-c58e00a3954e',
    'idempotency-key': 'f5e5f430-f57b-4e6e-9fac-d9128cd7232f',
    'x-gitlab-webhook-uuid': '02affd2d-2cba-4033-917d-ec22d5dc4b38',
    'content-type': 'application/json',
    ...opts.headers,
  };
  if (opts.token !== null) headers['x-gitlab-token'] = opts.token ?? SECRET;
  return handleGitLabWebhook({ headers, rawBody: opts.body ?? JSON.stringify(payload) }, { secret: SECRET, botUser: BOT });
}

function event(result: WebhookResult): ForgeEvent {
  if (result.outcome !== 'ok') throw new assert.Assertion({ message: `expected ok, got ${result.outcome}: ${'reason' in result ? result.reason : ''}`, operator: 'ok', expects: 'ok', actual: result.outcome });
  return result.event;
}

// ---- authenticity ------------------------------------------------------------------------

test('gitlab: a missing or wrong X-Gitlab-Token is 401 and the body is not read', async () => {
  const wrong = await gitlab('Merge Request Hook', gitlabMr(), { token: 'not-the-secret' });
  assert.equal([wrong.outcome, wrong.status], ['unauthorized', 401]);
  const missing = await gitlab('Merge Request Hook', gitlabMr(), { token: null });
  assert.equal([missing.outcome, missing.status], ['unauthorized', 401]);
  // Even an unparseable body of an unknown event: authenticity comes first.
  assert.is((await gitlab('Nonsense Hook', null, { token: 'x', body: '{{{' })).status, 401);
  assert.is((await handleGitLabWebhook({ headers: { 'x-gitlab-token': '' }, rawBody: '{}' }, { secret: '' })).status, 401, 'no secret configured: nothing is accepted');
});

test('github: a missing, wrong or stale X-Hub-Signature-256 is 401', async () => {
  const payload = githubExample('pull_request', (e) => e.action === 'opened');
  assert.is((await github('pull_request', payload, { secret: 'another-secret' })).status, 401);
  const body = JSON.stringify(payload);
  const tampered = body.replace('"opened"', '"closed"');
  const signedForOriginal = await sign(SECRET, body);
  const result = await github('pull_request', null, { body: tampered, signature: signedForOriginal });
  assert.equal([result.outcome, result.status], ['unauthorized', 401]);
  const unsigned = await handleGitHubWebhook({ headers: { 'x-github-event': 'pull_request' }, rawBody: body }, { secret: SECRET });
  assert.equal([unsigned.status, unsigned.outcome === 'unauthorized' && unsigned.reason], [401, 'no X-Hub-Signature-256 header']);
  assert.is((await github('pull_request', null, { body: '' , signature: 'sha256=00' })).status, 401);
});

// ---- malformed and unsupported -----------------------------------------------------------

test('malformed JSON is 400 on both; a missing field is 400 naming the field', async () => {
  const gl = await gitlab('Merge Request Hook', null, { body: '{"object_kind": "merge_request",' });
  assert.equal([gl.outcome, gl.status], ['malformed', 400]);
  const gh = await github('pull_request', null, { body: '{"action": "opened"' });
  assert.equal([gh.outcome, gh.status], ['malformed', 400]);
  const noIid = gitlabMr() as unknown as { object_attributes: Record<string, unknown> };
  delete noIid.object_attributes.iid;
  const missing = await gitlab('Merge Request Hook', noIid);
  assert.equal([missing.status, missing.outcome === 'malformed' && missing.reason], [400, 'object_attributes.iid: expected a number, got nothing']);
  const wrongKind = await gitlab('Note Hook', gitlabMr());
  assert.equal([wrongKind.status, wrongKind.outcome === 'malformed' && wrongKind.reason], [400, 'object_kind "merge_request" does not match X-Gitlab-Event "Note Hook"']);
  assert.is((await github('push', [1, 2])).status, 400);
});

test('unknown events are 202 and ignored, on both', async () => {
  const gl = await gitlab('Pipeline Hook', { object_kind: 'pipeline' });
  assert.equal([gl.outcome, gl.status], ['unsupported', 202]);
  const gh = await github('workflow_run', githubExample('workflow_run'));
  assert.equal([gh.outcome, gh.status], ['unsupported', 202]);
  const tag = await gitlab('Tag Push Hook', { object_kind: 'tag_push' });
  assert.is(tag.status, 202);
  const ping = event(await github('ping', githubExample('ping')));
  assert.equal([ping.kind, ping.kind === 'ignored' && ping.reason], ['ignored', 'ping']);
});

// ---- merge request changes ----------------------------------------------------------------

test('gitlab: opened, and the fields of the MR and its delivery', async () => {
  const e = event(await gitlab('Merge Request Hook', gitlabMr()));
  assert.equal(e, {
    kind: 'merge-request',
    delivery: { platform: 'gitlab', id: 'f5e5f430-f57b-4e6e-9fac-d9128cd7232f', idHeader: 'Idempotency-Key', event: 'Merge Request Hook' },
    project: 'gitlabhq/gitlab-test',
    actor: { id: 1, username: 'root' },
    action: 'opened',
    mr: { number: 1, title: 'MS-Viewport', url: 'http://example.com/diaspora/merge_requests/1', sourceBranch: 'ms-viewport', targetBranch: 'master', headSha: 'da1560886d4f094c3e6c9ef40349f7d38b5d27d7', draft: false },
    previousHeadSha: null,
    mergeCommitSha: null,
  });
});

test('gitlab: update with oldrev is new commits; without, a title-only or label-only update is ignored; draft → ready', async () => {
  // "object_attributes.oldrev is only available when there are actual code changes" (webhook events doc).
  const pushed = gitlabMr();
  pushed.object_attributes.action = 'update';
  pushed.object_attributes.oldrev = '95790bf891e76fee5e1747ab589903a6a1f80f22';
  pushed.changes = { updated_at: { previous: '2017-09-15 16:50:55 UTC', current: '2017-09-15 16:52:00 UTC' } };
  const commits = event(await gitlab('Merge Request Hook', pushed));
  assert.equal(commits.kind === 'merge-request' && [commits.action, commits.previousHeadSha], ['new-commits', '95790bf891e76fee5e1747ab589903a6a1f80f22']);

  const retitled = gitlabMr();
  retitled.object_attributes.action = 'update';
  retitled.changes = { title: { previous: 'MS-Viewport', current: 'MS Viewport' }, updated_at: { previous: 'a', current: 'b' } } as never;
  const title = event(await gitlab('Merge Request Hook', retitled));
  assert.equal([title.kind, title.kind === 'ignored' && title.reason], ['ignored', 'merge request !1 updated without new commits (title changed)']);

  const relabelled = gitlabMr();
  relabelled.object_attributes.action = 'update';
  const { draft: _draft, ...noDraft } = relabelled.changes as Record<string, unknown>;
  relabelled.changes = noDraft;
  const labels = event(await gitlab('Merge Request Hook', relabelled));
  assert.equal([labels.kind, labels.kind === 'ignored' && labels.reason], ['ignored', 'merge request !1 updated without new commits (labels changed)']);

  // The documented example's changes carry draft: true → false.
  const ready = gitlabMr();
  ready.object_attributes.action = 'update';
  const r = event(await gitlab('Merge Request Hook', ready));
  assert.equal(r.kind === 'merge-request' && r.action, 'ready');
});

test('gitlab: merge, close, reopen; approvals are ignored', async () => {
  const as = (action: string, extra: Record<string, unknown> = {}) => {
    const p = gitlabMr();
    Object.assign(p.object_attributes, { action, ...extra });
    return gitlab('Merge Request Hook', p).then(event);
  };
  const merged = await as('merge', { state: 'merged', merge_commit_sha: 'e4b2a3f1c0d9e8f7a6b5c4d3e2f1a0b9c8d7e6f5' });
  assert.equal(merged.kind === 'merge-request' && [merged.action, merged.mergeCommitSha], ['merged', 'e4b2a3f1c0d9e8f7a6b5c4d3e2f1a0b9c8d7e6f5']);
  assert.equal((await as('close', { state: 'closed' })).kind === 'merge-request' && 'closed', 'closed');
  const reopened = await as('reopen');
  assert.equal(reopened.kind === 'merge-request' && reopened.action, 'reopened');
  const approved = await as('approved');
  assert.equal([approved.kind, approved.kind === 'ignored' && approved.reason], ['ignored', 'merge request !1 approved']);
});

test('github: opened, synchronize (new commits), reopened, ready_for_review, merged, closed', async () => {
  const run = (payload: Record<string, unknown>) => github('pull_request', payload).then(event);
  const opened = await run(githubExample('pull_request', (e) => e.action === 'opened'));
  assert.equal(opened.kind === 'merge-request' && { action: opened.action, mr: opened.mr, project: opened.project, actor: opened.actor }, {
    action: 'opened',
    mr: { number: 2, title: 'Update the README with new information.', url: 'https://github.com/Codertocat/Hello-World/pull/2', sourceBranch: 'changes', targetBranch: 'master', headSha: 'ec26c3e57ca3a959ca5aad62de7213c562f8c821', draft: false },
    project: 'Codertocat/Hello-World',
    actor: { id: 21031067, username: 'Codertocat' },
  });
  const sync = await run(githubExample('pull_request', (e) => e.action === 'synchronize'));
  assert.equal(sync.kind === 'merge-request' && [sync.action, sync.previousHeadSha, sync.mr.headSha], ['new-commits', 'f95f852bd8fca8fcc58a9a2d6c842781e32a215e', 'ec26c3e57ca3a959ca5aad62de7213c562f8c821']);
  const reopened = await run(githubExample('pull_request', (e) => e.action === 'reopened'));
  assert.equal(reopened.kind === 'merge-request' && reopened.action, 'reopened');
  const ready = await run(githubExample('pull_request', (e) => e.action === 'ready_for_review'));
  assert.equal(ready.kind === 'merge-request' && ready.action, 'ready');
  const closed = await run(githubExample('pull_request', (e) => e.action === 'closed'));
  assert.equal(closed.kind === 'merge-request' && [closed.action, closed.mergeCommitSha], ['closed', null]);
  // A merge is "closed" with pull_request.merged true (no example in the package shows one).
  const mergedPayload = githubExample('pull_request', (e) => e.action === 'closed');
  Object.assign(mergedPayload.pull_request as object, { merged: true, merge_commit_sha: 'c4295bd74fb0f4fbd5a3ab5b8d8a33e1b1c3d2e7' });
  const merged = await run(mergedPayload);
  assert.equal(merged.kind === 'merge-request' && [merged.action, merged.mergeCommitSha], ['merged', 'c4295bd74fb0f4fbd5a3ab5b8d8a33e1b1c3d2e7']);
});

test('github: title edits, labels, assignments and drafting are ignored with the reason', async () => {
  // "edited" carries changes.title.from (GitHub docs); the package has no edited example.
  const edited = githubExample('pull_request', (e) => e.action === 'opened');
  Object.assign(edited, { action: 'edited', changes: { title: { from: 'Update the README' } } });
  const e = event(await github('pull_request', edited));
  assert.equal([e.kind, e.kind === 'ignored' && e.reason], ['ignored', 'pull request #2 edited']);
  for (const action of ['labeled', 'assigned', 'converted_to_draft', 'review_requested']) {
    const r = event(await github('pull_request', githubExample('pull_request', (x) => x.action === action)));
    assert.equal([r.kind, r.kind === 'ignored' && r.reason], ['ignored', `pull request #2 ${action.replace(/_/g, ' ')}`]);
  }
});

// ---- pushes ------------------------------------------------------------------------------

test('a push to a branch, on both; a push of a tag is ignored', async () => {
  const gl = event(await gitlab('Push Hook', gitlabPush()));
  assert.equal(gl.kind === 'push' && { branch: gl.branch, before: gl.before, after: gl.after, created: gl.created, deleted: gl.deleted, actor: gl.actor }, {
    branch: 'master',
    before: '95790bf891e76fee5e1747ab589903a6a1f80f22',
    after: 'da1560886d4f094c3e6c9ef40349f7d38b5d27d7',
    created: false,
    deleted: false,
    actor: { id: 4, username: 'jsmith' },
  });
  const gh = event(await github('push', githubExample('push', (e) => e.ref === 'refs/heads/master')));
  assert.equal(gh.kind === 'push' && [gh.branch, gh.created, gh.after], ['master', true, '6113728f27ae82c7b1a177c8d03f9e96e0adf246']);
  const tag = event(await github('push', githubExample('push', (e) => String(e.ref).startsWith('refs/tags/'))));
  assert.equal([tag.kind, tag.kind === 'ignored' && tag.reason], ['ignored', 'push to refs/tags/simple-tag (not a branch)']);
});

// ---- comment commands ----------------------------------------------------------------------

test('gitlab: a note on an MR that starts with odoops is a command, with the comment to react to and reply in', async () => {
  const note = gitlabNote('merge-request');
  note.object_attributes.note = 'odoops apply -c acme -i production\nplease, the window is open';
  Object.assign(note.object_attributes, { discussion_id: '6a9c1750b37d513a43987b574953fceb50b03ce7' });
  const e = event(await gitlab('Note Hook', note));
  assert.equal(e.kind === 'comment-command' && { mr: e.mr, comment: e.comment, command: e.command, actor: e.actor }, {
    mr: 1,
    comment: { id: 1244, discussionId: '6a9c1750b37d513a43987b574953fceb50b03ce7', url: 'http://example.com/gitlab-org/gitlab-test/merge_requests/1#note_1244', author: { id: 1, username: 'root' } },
    command: { name: 'apply', clients: ['acme'], instances: ['production'] },
    actor: { id: 1, username: 'root' },
  });
  // The documented example itself ("This MR needs work.") is no command.
  const plain = event(await gitlab('Note Hook', gitlabNote('merge-request')));
  assert.equal([plain.kind, plain.kind === 'ignored' && plain.reason], ['ignored', 'comment is not an odoops command']);
});

test('gitlab: notes on an issue or a commit, system notes, edited notes and odoops\' own notes are ignored', async () => {
  const reason = async (payload: unknown) => {
    const e = event(await gitlab('Note Hook', payload));
    return e.kind === 'ignored' ? e.reason : e.kind;
  };
  const onIssue = gitlabNote('issue');
  onIssue.object_attributes.note = 'odoops plan';
  assert.is(await reason(onIssue), 'comment on a Issue, not a merge request');
  const onCommit = gitlabNote('commit');
  onCommit.object_attributes.note = 'odoops plan';
  assert.is(await reason(onCommit), 'comment on a Commit, not a merge request');
  const system = gitlabNote('merge-request');
  Object.assign(system.object_attributes, { note: 'odoops plan', system: true });
  assert.is(await reason(system), 'system note');
  const edited = gitlabNote('merge-request');
  Object.assign(edited.object_attributes, { note: 'odoops plan', action: 'update' });
  assert.is(await reason(edited), 'comment updated, not created');
  const own = gitlabNote('merge-request');
  own.object_attributes.note = 'odoops plan';
  Object.assign(own.user, { id: BOT.id, username: BOT.username });
  assert.is(await reason(own), "odoops' own comment");
});

test('github: an issue comment on a pull request is a command; on a plain issue, or edited, it is ignored', async () => {
  const onIssue = githubExample('issue_comment', (e) => e.action === 'created');
  (onIssue.comment as { body: string }).body = 'odoops plan';
  const ignored = event(await github('issue_comment', onIssue));
  assert.equal([ignored.kind, ignored.kind === 'ignored' && ignored.reason], ['ignored', 'comment on issue #1, not a pull request']);
  // On a pull request, the issue carries a pull_request key (GitHub docs, issue_comment event).
  const onPr = githubExample('issue_comment', (e) => e.action === 'created');
  const issue = onPr.issue as Record<string, unknown>;
  issue.pull_request = { url: 'https://api.github.com/repos/Codertocat/Hello-World/pulls/1', html_url: 'https://github.com/Codertocat/Hello-World/pull/1' };
  (onPr.comment as { body: string }).body = 'odoops plan --client acme';
  const e = event(await github('issue_comment', onPr));
  assert.equal(e.kind === 'comment-command' && { mr: e.mr, command: e.command, author: e.comment.author, id: e.comment.id }, {
    mr: 1,
    command: { name: 'plan', clients: ['acme'], instances: [] },
    author: { id: 21031067, username: 'Codertocat' },
    id: 492700400,
  });
  const edited = githubExample('issue_comment', (x) => x.action === 'edited');
  (edited.issue as Record<string, unknown>).pull_request = issue.pull_request;
  const ed = event(await github('issue_comment', edited));
  assert.equal([ed.kind, ed.kind === 'ignored' && ed.reason], ['ignored', 'comment edited, not created']);
});

test('a comment addressed to odoops that is not a valid command gives a typed error to reply with', async () => {
  const note = gitlabNote('merge-request');
  const errorOf = async (text: string) => {
    note.object_attributes.note = text;
    const e = event(await gitlab('Note Hook', note));
    if (e.kind !== 'comment-command-error') throw new Error(`${text}: ${e.kind}`);
    return [e.error.code, e.error.message];
  };
  assert.equal(await errorOf('odoops destroy'), ['unknown-command', "unknown command 'destroy'"]);
  assert.equal(await errorOf('odoops apply -x'), ['unknown-option', "unknown option '-x'"]);
  assert.equal(await errorOf('odoops plan -c'), ['missing-value', "option '-c, --client <name>' argument missing"]);
  assert.equal(await errorOf('odoops plan acme'), ['unexpected-argument', "too many arguments for 'plan'. Expected 0 arguments but got 1."]);
  assert.equal(await errorOf('odoops apply -c acme;reboot'), ['invalid-name', '"acme;reboot" is not a client name (must be lowercase letters, digits and \'-\', starting with a letter (at most 63 characters))']);
  assert.equal((await errorOf('odoops plan -i Prod'))[0], 'invalid-name');
  assert.equal(await errorOf('odoops'), ['missing-command', 'no command given']);
});

test('the command parser: repeatable options, long forms, help', () => {
  assert.equal(parseCommand(['plan', '-c', 'acme', '--client=shop', '-i', 'test']), { ok: true, command: { name: 'plan', clients: ['acme', 'shop'], instances: ['test'] } });
  assert.equal(parseCommand(['apply']), { ok: true, command: { name: 'apply', clients: [], instances: [] } });
  assert.equal(parseCommand(['help']), { ok: true, command: { name: 'help' } });
  assert.equal(parseCommand(['plan', '--help']), { ok: true, command: { name: 'help' } });
  const bad = parseCommand(['apply', '-c', 'Acme_Corp']);
  assert.equal(bad.ok === false && [bad.error.code, bad.error.message], ['invalid-name', '"Acme_Corp" is not a client name (must be lowercase letters, digits and \'-\', starting with a letter (at most 63 characters))']);
  assert.ok(bad.ok === false && bad.error.usage.startsWith('odoops plan [-c CLIENT]'));
});

// ---- delivery ids ---------------------------------------------------------------------------

test('a replayed delivery carries the same id (Idempotency-Key; X-Gitlab-Event-UUID only without it; X-GitHub-Delivery)', async () => {
  const first = event(await gitlab('Push Hook', gitlabPush(), { headers: { 'x-gitlab-event-uuid': 'aaaaaaaa-0000-4000-8000-000000000001' } }));
  // A GitLab retry or "Resend request": same Idempotency-Key, a new X-Gitlab-Event-UUID.
  const replay = event(await gitlab('Push Hook', gitlabPush(), { headers: { 'x-gitlab-event-uuid': 'bbbbbbbb-0000-4000-8000-000000000002' } }));
  assert.equal(first.delivery, replay.delivery);
  assert.equal(first.delivery, { platform: 'gitlab', id: 'f5e5f430-f57b-4e6e-9fac-d9128cd7232f', idHeader: 'Idempotency-Key', event: 'Push Hook' });
  const older = event(await gitlab('Push Hook', gitlabPush(), { headers: { 'idempotency-key': '' } }));
  assert.equal([older.delivery.id, older.delivery.idHeader], ['13792a34-cac6-4fda-95a8-c58e00a3954e', 'X-Gitlab-Event-UUID']);
  const a = event(await github('push', githubExample('push', (e) => e.ref === 'refs/heads/master'), { delivery: 'd1e2l3i4-v5e6-r7y8' }));
  const b = event(await github('push', githubExample('push', (e) => e.ref === 'refs/heads/master'), { delivery: 'd1e2l3i4-v5e6-r7y8' }));
  assert.equal([a.delivery.id, a.delivery.idHeader, b.delivery.id], ['d1e2l3i4-v5e6-r7y8', 'X-GitHub-Delivery', 'd1e2l3i4-v5e6-r7y8']);
});

test.run();

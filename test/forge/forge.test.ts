// The two Forge implementations against the fake GitLab and GitHub (real HTTP on 127.0.0.1):
// each scenario is one test body run on both platforms.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { commentMarker, COMMENT_MAX_CHARS, createForge, ForgeError, issueMarker, parseCommentMarker } from '../../operator/forge/index.ts';
import { charCount } from './fake/model.ts';
import { reassemble, scenario, setup } from './harness.ts';

const write = (method: string) => method !== 'GET';

async function rejects(p: Promise<unknown>): Promise<ForgeError> {
  try {
    await p;
  } catch (err) {
    assert.instance(err, ForgeError);
    return err as ForgeError;
  }
  return assert.unreachable('expected a ForgeError') as never;
}

// ---- sticky comments ------------------------------------------------------------------

scenario('ensureComment creates one comment, edits it in place, sends nothing when unchanged', async ({ fake, forge }) => {
  const mr = fake.seedMergeRequest();
  fake.addComment(mr.number, 'dev', 'looks good');
  const first = await forge.ensureComment({ mr: mr.number, topic: 'plan', body: 'Plan: 1 change' });
  assert.is(first.action, 'created');
  const second = await forge.ensureComment({ mr: mr.number, topic: 'plan', body: 'Plan: 2 changes' });
  assert.is(second.action, 'updated');
  assert.is(second.comments[0]?.id, first.comments[0]?.id);
  const mine = fake.comments(mr.number).filter((c) => c.authorId === fake.bot.id);
  assert.is(mine.length, 1);
  assert.is(mine[0]?.body, `${commentMarker('plan')}\nPlan: 2 changes`);
  fake.clearCalls();
  const third = await forge.ensureComment({ mr: mr.number, topic: 'plan', body: 'Plan: 2 changes' });
  assert.is(third.action, 'unchanged');
  assert.equal(fake.calls.filter((c) => write(c.method)), []);
});

scenario("someone else's comment that copies the marker is never taken for odoops' own, nor touched", async ({ fake, forge }) => {
  const mr = fake.seedMergeRequest();
  const copy = fake.addComment(mr.number, 'dev', `${commentMarker('plan')}\nI pasted odoops' comment`);
  const result = await forge.ensureComment({ mr: mr.number, topic: 'plan', body: 'Plan' });
  assert.is(result.action, 'created');
  assert.is.not(result.comments[0]?.id, copy.id);
  assert.is(fake.comments(mr.number).find((c) => c.id === copy.id)?.body, `${commentMarker('plan')}\nI pasted odoops' comment`);
  await forge.ensureComment({ mr: mr.number, topic: 'plan', body: 'Plan v2' });
  assert.is(await forge.ensureCommentRemoved({ mr: mr.number, topic: 'plan' }), 1);
  const touched = fake.calls.filter((c) => write(c.method) && c.path.endsWith(`/${copy.id}`));
  assert.equal(touched, []);
  assert.ok(fake.comments(mr.number).some((c) => c.id === copy.id));
});

test('gitlab: a system note of the bot that carries the marker is not the comment', async () => {
  const { fake, forge } = await setup('gitlab');
  try {
    const mr = fake.seedMergeRequest();
    const note = fake.addSystemNote(mr.number, `${commentMarker('plan')}\nchanged the description`);
    const result = await forge.ensureComment({ mr: mr.number, topic: 'plan', body: 'Plan' });
    assert.is(result.action, 'created');
    assert.is.not(result.comments[0]?.id, note.id);
    assert.equal(fake.callsTo('PUT', new RegExp(`/notes/${note.id}$`)), []);
    assert.equal(await forge.ensureCommentRemoved({ mr: mr.number, topic: 'plan' }), 1);
    assert.ok(fake.comments(mr.number).some((c) => c.id === note.id));
  } finally {
    await fake.close();
  }
});

scenario('duplicates of a topic are deleted and the oldest is kept; other topics are left alone', async ({ fake, forge }) => {
  const mr = fake.seedMergeRequest();
  const oldest = fake.addComment(mr.number, fake.bot, `${commentMarker('plan')}\nold plan`);
  const dup = fake.addComment(mr.number, fake.bot, `${commentMarker('plan')}\nanother old plan`);
  const apply = fake.addComment(mr.number, fake.bot, `${commentMarker('apply')}\napplying`);
  const result = await forge.ensureComment({ mr: mr.number, topic: 'plan', body: 'new plan' });
  assert.is(result.action, 'updated');
  assert.is(result.deleted, 1);
  assert.is(result.comments[0]?.id, oldest.id);
  const ids = fake.comments(mr.number).map((c) => c.id);
  assert.ok(!ids.includes(dup.id));
  assert.ok(ids.includes(apply.id));
  assert.is(await forge.ensureCommentRemoved({ mr: mr.number, topic: 'apply' }), 1);
  assert.equal(
    fake.comments(mr.number).map((c) => parseCommentMarker(c.body)?.topic),
    ['plan'],
  );
});

scenario(
  "odoops' comment is found on a later page of comments",
  async ({ fake, forge, platform }) => {
    const mr = fake.seedMergeRequest();
    const mine = fake.addComment(mr.number, fake.bot, `${commentMarker('plan')}\nold plan`);
    for (let i = 0; i < 5; i++) fake.addComment(mr.number, 'dev', `comment ${i}`);
    const result = await forge.ensureComment({ mr: mr.number, topic: 'plan', body: 'new plan' });
    assert.is(result.action, 'updated');
    assert.is(result.comments[0]?.id, mine.id);
    const pages = fake.callsTo('GET', /\/(notes|comments)$/).map((c) => c.query.page ?? '1');
    assert.equal(pages, ['1', '2', '3'], `${platform} pages read`);
  },
  { fake: { perPageMax: 2 } },
);

scenario('a body exactly at the platform limit is one comment; one character more is two parts, each accepted', async ({ fake, forge, platform }) => {
  const mr = fake.seedMergeRequest();
  const limit = COMMENT_MAX_CHARS[platform];
  const room = limit - `${commentMarker('plan')}\n`.length;
  const line = `| acme | production | ${'x'.repeat(60)} |\n`;
  const body = line.repeat(Math.ceil(room / line.length)).slice(0, room);
  const exact = await forge.ensureComment({ mr: mr.number, topic: 'plan', body });
  assert.is(exact.comments.length, 1);
  const stored = fake.comments(mr.number).filter((c) => c.authorId === fake.bot.id);
  assert.is(stored.length, 1);
  assert.is(charCount(stored[0]?.body ?? ''), limit);

  const over = await forge.ensureComment({ mr: mr.number, topic: 'plan', body: `${body}!` });
  assert.is(over.comments.length, 2);
  const parts = fake.comments(mr.number).filter((c) => c.authorId === fake.bot.id);
  assert.is(parts.length, 2);
  assert.is(parts[0]?.id, stored[0]?.id, 'part 1 is the comment edited in place');
  for (const p of parts) assert.ok(charCount(p.body) <= limit);
  assert.is(reassemble(parts.map((p) => p.body)), `${body}!`);

  const back = await forge.ensureComment({ mr: mr.number, topic: 'plan', body: 'small again' });
  assert.is(back.deleted, 1);
  assert.equal(
    fake.comments(mr.number).map((c) => c.body),
    [`${commentMarker('plan')}\nsmall again`],
  );
});

scenario(
  'past the maximum number of parts the last part is trimmed with a note',
  async ({ fake, forge, platform }) => {
    const mr = fake.seedMergeRequest();
    const limit = COMMENT_MAX_CHARS[platform];
    const body = `${'y'.repeat(99)}\n`.repeat(Math.ceil((limit * 3) / 100));
    const result = await forge.ensureComment({ mr: mr.number, topic: 'plan', body });
    assert.is(result.comments.length, 2);
    assert.ok(result.trimmedChars > limit);
    const parts = fake.comments(mr.number);
    assert.match(parts[1]?.body ?? '', new RegExp(`_\\(trimmed: ${result.trimmedChars} more characters did not fit in 2 comments\\)_$`));
    for (const p of parts) assert.ok(charCount(p.body) <= limit);
  },
  { forge: { maxParts: 2 } },
);

scenario("findComment reads odoops' comment back (not a copy of it), part by part", async ({ fake, forge, platform }) => {
  const mr = fake.seedMergeRequest();
  assert.is(await forge.findComment({ mr: mr.number, topic: 'plan' }), null);
  fake.addComment(mr.number, 'dev', `${commentMarker('plan')}\nplanned-at: forged`);
  assert.is(await forge.findComment({ mr: mr.number, topic: 'plan' }), null);
  await forge.ensureComment({ mr: mr.number, topic: 'plan', body: `planned-at: ${mr.headSha}\nPlan: 1 change` });
  const found = await forge.findComment({ mr: mr.number, topic: 'plan' });
  assert.equal(found?.parts.map((p) => p.text), [`planned-at: ${mr.headSha}\nPlan: 1 change`]);
  const long = `planned-at: ${mr.headSha}\n${'z'.repeat(100)}\n`.repeat(Math.ceil(COMMENT_MAX_CHARS[platform] / 100));
  await forge.ensureComment({ mr: mr.number, topic: 'plan', body: long });
  const parts = (await forge.findComment({ mr: mr.number, topic: 'plan' }))?.parts ?? [];
  assert.is(parts.length, 2);
  assert.ok(parts[0]?.text.startsWith(`planned-at: ${mr.headSha}\n`));
  assert.is(reassemble(fake.comments(mr.number).filter((c) => c.authorId === fake.bot.id).map((c) => c.body)), long);
});

// ---- statuses, reactions, replies -----------------------------------------------------

scenario('commit statuses odoops/plan and odoops/apply: pending, success, failed, with link and a 140-character description', async ({ fake, forge, platform }) => {
  const mr = fake.seedMergeRequest();
  await forge.setStatus({ sha: mr.headSha, context: 'odoops/plan', state: 'pending', description: 'planning', targetUrl: 'https://odoops.example/runs/1' });
  // The same state again is not an error (GitLab refuses pending → pending with a 400).
  await forge.setStatus({ sha: mr.headSha, context: 'odoops/plan', state: 'pending', description: 'planning' });
  await forge.setStatus({ sha: mr.headSha, context: 'odoops/plan', state: 'success', description: `3 changes ${'.'.repeat(300)}` });
  await forge.setStatus({ sha: mr.headSha, context: 'odoops/apply', state: 'failed', description: 'acme/production failed' });
  const latest = (context: string) => fake.statuses(mr.headSha).filter((s) => s.context === context).at(-1);
  assert.is(latest('odoops/plan')?.state, 'success');
  assert.is(latest('odoops/plan')?.description?.length, 140);
  assert.is(latest('odoops/apply')?.state, platform === 'gitlab' ? 'failed' : 'failure');
  assert.ok(fake.statuses(mr.headSha).some((s) => s.targetUrl === 'https://odoops.example/runs/1'));
  const err = await rejects(forge.setStatus({ sha: 'f'.repeat(40), context: 'odoops/plan', state: 'pending', description: 'x' }));
  assert.is(err.transient, false);
});

scenario('a reaction acknowledges a command once, however often it is sent', async ({ fake, forge }) => {
  const mr = fake.seedMergeRequest();
  const cmd = fake.addComment(mr.number, 'dev', 'odoops plan');
  await forge.react({ mr: mr.number, comment: { id: cmd.id }, reaction: 'eyes' });
  await forge.react({ mr: mr.number, comment: { id: cmd.id }, reaction: 'eyes' });
  await forge.react({ mr: mr.number, comment: { id: cmd.id }, reaction: '+1' });
  const awards = fake.comments(mr.number)[0]?.awards ?? [];
  assert.is(awards.length, 2);
  assert.ok(awards.every((a) => a.userId === fake.bot.id));
});

scenario('a reply answers the comment: in its thread on GitLab, mentioning its author on GitHub', async ({ fake, forge, platform }) => {
  const mr = fake.seedMergeRequest();
  const dev = fake.state.user('dev');
  const cmd = fake.addComment(mr.number, dev, 'odoops apply');
  const to = { id: cmd.id, discussionId: platform === 'gitlab' ? cmd.discussionId : null, author: { id: dev.id, username: 'dev' }, url: 'http://forge/mr#c' };
  const reply = await forge.replyToComment({ mr: mr.number, to, body: 'apply needs an approved MR' });
  const stored = fake.comments(mr.number).find((c) => c.id === reply.id);
  assert.ok(stored);
  assert.is(stored?.authorId, fake.bot.id);
  if (platform === 'gitlab') assert.is(stored?.discussionId, cmd.discussionId);
  else assert.is(stored?.body, '@dev, about [your comment](http://forge/mr#c):\n\napply needs an approved MR');
});

test('gitlab: a reply whose thread is gone is posted on the MR, mentioning the author', async () => {
  const { fake, forge } = await setup('gitlab');
  try {
    const mr = fake.seedMergeRequest();
    const reply = await forge.replyToComment({ mr: mr.number, to: { id: 1, discussionId: 'f'.repeat(40), author: { id: 2, username: 'dev' } }, body: 'done' });
    assert.is(reply.discussionId, null);
    assert.is(fake.comments(mr.number).find((c) => c.id === reply.id)?.body, '@dev done');
    assert.equal(fake.calls.filter((c) => c.method === 'POST').map((c) => c.status), [404, 201]);
  } finally {
    await fake.close();
  }
});

// ---- MR facts --------------------------------------------------------------------------

scenario('MR info: head and target commits, state, draft, approvals and mergeability', async ({ fake, forge }) => {
  fake.addUser('rev', { role: 'maintain' });
  fake.addUser('rev2', { role: 'maintain' });
  const mr = fake.seedMergeRequest({ draft: true, sourceBranch: 'acme-17', mergeable: 'checking' });
  let info = await forge.getMergeRequest(mr.number);
  assert.equal(
    { state: info.state, draft: info.draft, source: info.sourceBranch, target: info.targetBranch, head: info.headSha, targetSha: info.targetSha, merge: info.mergeCommitSha },
    { state: 'open', draft: true, source: 'acme-17', target: 'main', head: mr.headSha, targetSha: mr.targetSha, merge: null },
  );
  assert.is(info.mergeable.state, 'checking');
  assert.is(info.approvals.approved, false, 'nobody approved: not approved, even with no approval rule');

  fake.review(mr.number, 'rev', 'APPROVED');
  fake.setMergeable(mr.number, 'mergeable');
  const newHead = fake.pushCommits(mr.number);
  info = await forge.getMergeRequest(mr.number);
  assert.is(info.headSha, newHead);
  assert.is(info.approvals.approved, true);
  assert.equal(info.approvals.approvedBy.map((u) => u.username), ['rev']);
  assert.is(info.mergeable.state, 'mergeable');

  fake.setMergeable(mr.number, 'conflict');
  assert.is((await forge.getMergeRequest(mr.number)).mergeable.state, 'conflict');

  const mergeSha = fake.merge(mr.number);
  info = await forge.getMergeRequest(mr.number);
  assert.is(info.state, 'merged');
  assert.is(info.mergeCommitSha, mergeSha);
});

test('gitlab: approvals still required by a rule keep the MR unapproved', async () => {
  const { fake, forge } = await setup('gitlab');
  try {
    fake.addUser('rev', { role: 'maintain' });
    const mr = fake.seedMergeRequest({ approvalsRequired: 2, mergeable: 'not_approved' });
    fake.review(mr.number, 'rev', 'APPROVED');
    const info = await forge.getMergeRequest(mr.number);
    assert.equal({ required: info.approvals.required, left: info.approvals.left, approved: info.approvals.approved }, { required: 2, left: 1, approved: false });
    assert.equal(info.mergeable, { state: 'blocked', detail: 'not_approved' });
  } finally {
    await fake.close();
  }
});

test('github: a later "changes requested" outweighs an approval; a user\'s latest review counts', async () => {
  const { fake, forge } = await setup('github');
  try {
    fake.addUser('rev', { role: 'maintain' });
    fake.addUser('rev2', { role: 'write' });
    const mr = fake.seedMergeRequest();
    fake.review(mr.number, 'rev', 'CHANGES_REQUESTED');
    fake.review(mr.number, 'rev', 'APPROVED');
    fake.review(mr.number, 'rev2', 'APPROVED');
    fake.review(mr.number, 'rev2', 'COMMENTED');
    assert.is((await forge.getMergeRequest(mr.number)).approvals.approved, true);
    fake.review(mr.number, 'rev2', 'CHANGES_REQUESTED');
    const info = await forge.getMergeRequest(mr.number);
    assert.equal(info.approvals.changesRequestedBy.map((u) => u.username), ['rev2']);
    assert.is(info.approvals.approved, false);
  } finally {
    await fake.close();
  }
});

scenario(
  'changed files of an MR, across pages, with renames and removals',
  async ({ fake, forge }) => {
    const files = [
      ...Array.from({ length: 6 }, (_, i) => ({ path: `clients/c${i}.yaml`, status: 'modified' as const })),
      { path: 'clients/new.yaml', status: 'added' as const },
      { path: 'clients/gone.yaml', status: 'removed' as const },
      { path: 'clients/shop.yaml', previousPath: 'clients/boutique.yaml', status: 'renamed' as const },
    ];
    const mr = fake.seedMergeRequest({ files });
    const result = await forge.changedFiles(mr.number);
    assert.equal(result.files, files);
    assert.is(result.complete, true);
    assert.ok(fake.callsTo('GET', /\/(diffs|files)$/).length >= 3);

    const huge = fake.seedMergeRequest({ files: files.slice(0, 2), changedFilesCount: 3500 });
    assert.is((await forge.changedFiles(huge.number)).complete, false);
  },
  { fake: { perPageMax: 4 } },
);

scenario('access of a commenter: who may apply', async ({ fake, forge, platform }) => {
  const who = (name: string) => ({ id: fake.state.user(name).id, username: name });
  fake.addUser('maint', { role: 'maintain' });
  fake.addUser('dev2', { role: 'write' });
  fake.addUser('reader', { role: 'read' });
  fake.addUser('stranger');
  const maint = await forge.accessOf(who('maint'));
  assert.equal({ level: maint.level, mayApply: maint.mayApply }, { level: 'maintain', mayApply: true });
  const dev = await forge.accessOf(who('dev2'));
  assert.is(dev.level, 'write');
  // GitLab: Developers (30) may not apply, Maintainers (40) may. GitHub: write access may.
  assert.is(dev.mayApply, platform === 'github');
  assert.is(dev.platformLevel, platform === 'gitlab' ? 'Developer (30)' : 'write');
  assert.equal((await forge.accessOf(who('reader'))).mayApply, false);
  const stranger = await forge.accessOf(who('stranger'));
  assert.equal({ level: stranger.level, mayApply: stranger.mayApply }, { level: 'none', mayApply: false });
  // Only the user name known (a GitLab look-up by name first).
  assert.is((await forge.accessOf({ id: null, username: 'maint' })).mayApply, true);
});

// ---- the drift issue -------------------------------------------------------------------

scenario('the drift issue is opened once, edited in place, closed, reopened — never a second one', async ({ fake, forge }) => {
  const notMine = fake.addUser('someone', { role: 'write', token: 'someone-token' });
  fake.state.issues.push({ number: fake.state.number('issue'), title: 'copy', body: `${issueMarker('drift')}\ncopied`, state: 'open', authorId: notMine.id, labels: [], createdAt: fake.state.now(), updatedAt: fake.state.now() });
  const opened = await forge.ensureIssue({ topic: 'drift', title: 'Fleet drift: 1 client', body: 'acme drifted', open: true, labels: ['odoops'] });
  assert.is(opened.transition, 'opened');
  const again = await forge.ensureIssue({ topic: 'drift', title: 'Fleet drift: 1 client', body: 'acme drifted', open: true });
  assert.is(again.transition, 'unchanged');
  const edited = await forge.ensureIssue({ topic: 'drift', title: 'Fleet drift: 2 clients', body: 'acme, shop drifted', open: true });
  assert.is(edited.transition, 'updated');
  const closed = await forge.ensureIssue({ topic: 'drift', title: 'Fleet in sync', body: 'all in sync', open: false });
  assert.is(closed.transition, 'closed');
  assert.is((await forge.ensureIssue({ topic: 'drift', title: 'Fleet in sync', body: 'all in sync', open: false })).transition, 'none');
  const reopened = await forge.ensureIssue({ topic: 'drift', title: 'Fleet drift: 1 client', body: 'shop drifted', open: true });
  assert.is(reopened.transition, 'reopened');
  const mine = fake.issues.filter((i) => i.authorId === fake.bot.id);
  assert.is(mine.length, 1);
  assert.equal(
    { number: mine[0]?.number, state: mine[0]?.state, title: mine[0]?.title, body: mine[0]?.body, labels: mine[0]?.labels },
    { number: opened.issue?.number, state: 'open', title: 'Fleet drift: 1 client', body: `${issueMarker('drift')}\nshop drifted`, labels: ['odoops'] },
  );
  assert.is(fake.issues.find((i) => i.authorId === notMine.id)?.body, `${issueMarker('drift')}\ncopied`);
});

scenario('duplicate open drift issues are closed, the oldest is kept', async ({ fake, forge }) => {
  for (const n of [1, 2]) {
    fake.state.issues.push({ number: fake.state.number('issue'), title: `drift ${n}`, body: `${issueMarker('drift')}\nold`, state: 'open', authorId: fake.bot.id, labels: [], createdAt: fake.state.now(), updatedAt: fake.state.now() });
  }
  const result = await forge.ensureIssue({ topic: 'drift', title: 'drift', body: 'now', open: true });
  assert.is(result.closedDuplicates, 1);
  assert.equal(
    fake.issues.map((i) => i.state),
    ['open', 'closed'],
  );
  assert.is(result.issue?.number, fake.issues[0]?.number);
});

// ---- errors, retries, tokens ----------------------------------------------------------

scenario('a 5xx or a dropped connection is retried with back-off; a 429 waits exactly Retry-After', async ({ fake, forge, waits }) => {
  const mr = fake.seedMergeRequest();
  const showMr = /\/(merge_requests|pulls)\/\d+$/;
  fake.failNext({ path: showMr, status: 502 });
  fake.failNext({ path: showMr, network: true });
  assert.is((await forge.getMergeRequest(mr.number)).number, mr.number);
  assert.equal(fake.callsTo('GET', showMr).map((c) => c.status), [502, -1, 200]);
  fake.failNext({ method: 'POST', status: 429, retryAfter: 7 });
  await forge.ensureComment({ mr: mr.number, topic: 'plan', body: 'plan' });
  assert.equal(waits, [1000, 2000, 7000]);
  assert.is(fake.comments(mr.number).length, 1);
});

scenario('retries are bounded: a lasting outage ends in a transient ForgeError with the status', async ({ fake, forge, waits }) => {
  const mr = fake.seedMergeRequest();
  const showMr = /\/(merge_requests|pulls)\/\d+$/;
  fake.failNext({ path: showMr, status: 503, times: 50 });
  const err = await rejects(forge.getMergeRequest(mr.number));
  assert.equal({ status: err.status, code: err.code, transient: err.transient }, { status: 503, code: 'server-error', transient: true });
  assert.is(fake.callsTo('GET', showMr).length, 3, 'three attempts, then the error');
  assert.equal(waits, [1000, 2000]);
  fake.state.faults.length = 0;
  // A wait longer than the policy's bound is not slept through: the caller reschedules.
  fake.failNext({ status: 429, retryAfter: 3600 });
  waits.length = 0;
  const limited = await rejects(forge.setStatus({ sha: mr.headSha, context: 'odoops/plan', state: 'pending', description: 'x' }));
  assert.equal({ code: limited.code, transient: limited.transient, retryAfterMs: limited.retryAfterMs }, { code: 'rate-limited', transient: true, retryAfterMs: 3_600_000 });
  assert.equal(waits, []);
});

scenario('4xx errors are terminal and not retried', async ({ fake, forge, waits }) => {
  const err = await rejects(forge.getMergeRequest(404));
  assert.equal({ code: err.code, status: err.status, transient: err.transient }, { code: 'not-found', status: 404, transient: false });
  assert.equal(waits, []);
  assert.is(fake.callsTo('GET', /\/(merge_requests|pulls)\/404$/).length, 1);
});

scenario('a bad token is a terminal 401, and no error message ever shows the token', async ({ fake, platform }) => {
  const wrong = 'wrong-token-0123456789';
  const forge = createForge({ kind: platform, url: fake.url, project: fake.project, token: 'env:T' }, { secrets: { env: { T: wrong } } });
  const err = await rejects(forge.whoAmI());
  assert.equal({ code: err.code, status: err.status, transient: err.transient }, { code: 'unauthorized', status: 401, transient: false });
  assert.not.ok(err.message.includes(wrong));
  // A server that echoes the credentials back: redacted.
  const { forge: good } = { forge: createForge({ kind: platform, url: fake.url, project: fake.project, token: 'env:T' }, { secrets: { env: { T: fake.botToken } }, retry: { attempts: 1 } }) };
  fake.failNext({ status: 400, body: { message: `token ${fake.botToken} is not allowed here` } });
  const echoed = await rejects(good.getMergeRequest(1));
  assert.not.ok(echoed.message.includes(fake.botToken), echoed.message);
  assert.match(echoed.message, /token \[secret\] is not allowed/);
  assert.not.ok(JSON.stringify(echoed).includes(fake.botToken));
});

test('github: the primary rate limit (403, x-ratelimit-remaining 0) is transient and waits for the reset', async () => {
  const { fake, forge, waits } = await setup('github');
  try {
    const mr = fake.seedMergeRequest();
    const reset = Math.ceil(Date.now() / 1000) + 30;
    fake.failNext({ status: 403, headers: { 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': String(reset) }, body: { message: 'API rate limit exceeded' } });
    assert.is((await forge.getMergeRequest(mr.number)).number, mr.number);
    assert.is(waits.length, 1);
    // Until x-ratelimit-reset (30 s ahead when the fault was set; the bounds allow a slow machine).
    assert.ok((waits[0] as number) > 10_000 && (waits[0] as number) <= 31_000, `waited ${waits[0]} ms`);
    fake.failNext({ status: 403, body: { message: 'Resource not accessible by integration' } });
    const err = await rejects(forge.getMergeRequest(mr.number));
    assert.equal({ code: err.code, transient: err.transient }, { code: 'forbidden', transient: false });
  } finally {
    await fake.close();
  }
});

scenario('tokens come from secret references and travel in the platform\'s auth header', async ({ fake, platform }) => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'forge-token-'));
  writeFileSync(path.join(dir, 'token'), `${fake.botToken}\n`);
  const forge = createForge({ kind: platform, url: fake.url, project: fake.project, token: 'file:token' }, { secrets: { cwd: dir } });
  assert.is((await forge.whoAmI()).username, 'odoops-bot');
  assert.is(fake.calls.at(-1)?.authScheme, platform === 'gitlab' ? 'private-token' : 'token');
  assert.is(fake.calls.at(-1)?.user, 'odoops-bot');
  if (platform === 'gitlab') {
    const bearer = createForge({ kind: 'gitlab', url: fake.url, project: fake.project, token: 'file:token' }, { secrets: { cwd: dir }, gitlabAuth: 'bearer' });
    await bearer.whoAmI();
    assert.is(fake.calls.at(-1)?.authScheme, 'bearer');
  }
  assert.throws(
    () => createForge({ kind: platform, url: fake.url, project: fake.project, token: 'env:NOT_SET_ANYWHERE' }, { secrets: { env: {} } }),
    /NOT_SET_ANYWHERE is not set/,
  );
});

scenario('botUsername skips GET /user and still recognises its own comments', async ({ fake, platform }) => {
  const forge = createForge({ kind: platform, url: fake.url, project: fake.project, token: 'env:T' }, { secrets: { env: { T: fake.botToken } }, botUsername: 'odoops-bot' });
  const mr = fake.seedMergeRequest();
  fake.addComment(mr.number, fake.bot, `${commentMarker('plan')}\nold`);
  assert.is((await forge.ensureComment({ mr: mr.number, topic: 'plan', body: 'new' })).action, 'updated');
  assert.equal(fake.callsTo('GET', /\/user$/), []);
});

test.run();

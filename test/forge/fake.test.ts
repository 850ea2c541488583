// The fake forges answer as GitLab and GitHub do: checked with plain HTTP, so the Forge
// tests (and the MR-flow tests built on the fakes) can trust what they see.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { startFakeForge, type FakeForge } from './fake/index.ts';

async function call(fake: FakeForge, method: string, path: string, opts: { headers?: Record<string, string>; body?: unknown } = {}) {
  const prefix = fake.platform === 'gitlab' ? '/api/v4' : '/api/v3';
  const res = await fetch(`${fake.origin}${prefix}${path}`, {
    method,
    headers: { ...(opts.body !== undefined ? { 'content-type': 'application/json' } : {}), ...opts.headers },
    ...(opts.body !== undefined ? { body: JSON.stringify(opts.body) } : {}),
  });
  const text = await res.text();
  return { status: res.status, headers: res.headers, body: text ? (JSON.parse(text) as unknown) : null };
}

const gitlabProject = (fake: FakeForge) => `/projects/${encodeURIComponent(fake.project)}`;

test('gitlab: PRIVATE-TOKEN or Bearer authenticate; anything else is 401 "401 Unauthorized"', async () => {
  const fake = await startFakeForge({ platform: 'gitlab' });
  try {
    assert.equal(await call(fake, 'GET', '/user').then((r) => [r.status, r.body]), [401, { message: '401 Unauthorized' }]);
    assert.is((await call(fake, 'GET', '/user', { headers: { 'private-token': 'nope' } })).status, 401);
    assert.is((await call(fake, 'GET', '/user', { headers: { 'private-token': fake.botToken } })).status, 200);
    assert.is((await call(fake, 'GET', '/user', { headers: { authorization: `Bearer ${fake.botToken}` } })).status, 200);
    assert.equal(
      fake.calls.map((c) => [c.authScheme, c.user, c.status]),
      [
        [null, null, 401],
        ['private-token', null, 401],
        ['private-token', 'odoops-bot', 200],
        ['bearer', 'odoops-bot', 200],
      ],
    );
  } finally {
    await fake.close();
  }
});

test('github: "token X" or "Bearer X" authenticate; anything else is 401 "Bad credentials"', async () => {
  const fake = await startFakeForge({ platform: 'github' });
  try {
    const anon = await call(fake, 'GET', '/user');
    assert.is(anon.status, 401);
    assert.is((anon.body as { message: string }).message, 'Bad credentials');
    assert.is((await call(fake, 'GET', '/user', { headers: { authorization: `token ${fake.botToken}` } })).status, 200);
    assert.is((await call(fake, 'GET', '/user', { headers: { authorization: `Bearer ${fake.botToken}` } })).status, 200);
  } finally {
    await fake.close();
  }
});

test('gitlab: a note over 1,000,000 characters is refused with GitLab\'s 400; exactly 1,000,000 is stored', async () => {
  const fake = await startFakeForge({ platform: 'gitlab' });
  try {
    const mr = fake.seedMergeRequest();
    const auth = { 'private-token': fake.botToken };
    const over = await call(fake, 'POST', `${gitlabProject(fake)}/merge_requests/${mr.number}/notes`, { headers: auth, body: { body: 'x'.repeat(1_000_001) } });
    assert.equal([over.status, over.body], [400, { message: '400 Bad request - Note {:note=>["is too long (maximum is 1000000 characters)"]}' }]);
    const exact = await call(fake, 'POST', `${gitlabProject(fake)}/merge_requests/${mr.number}/notes`, { headers: auth, body: { body: 'é'.repeat(1_000_000) } });
    assert.is(exact.status, 201);
    const id = (exact.body as { id: number }).id;
    const edit = await call(fake, 'PUT', `${gitlabProject(fake)}/merge_requests/${mr.number}/notes/${id}`, { headers: auth, body: { body: 'x'.repeat(1_000_001) } });
    assert.equal([edit.status, edit.body], [400, { message: '400 Bad request - Failed to save note {:note=>["is too long (maximum is 1000000 characters)"]}' }]);
  } finally {
    await fake.close();
  }
});

test('github: a comment over 65,536 characters is refused with GitHub\'s 422 body; exactly 65,536 is stored', async () => {
  const fake = await startFakeForge({ platform: 'github' });
  try {
    const mr = fake.seedMergeRequest();
    const auth = { authorization: `token ${fake.botToken}` };
    const path = `/repos/${fake.project}/issues/${mr.number}/comments`;
    const over = await call(fake, 'POST', path, { headers: auth, body: { body: 'x'.repeat(65_537) } });
    assert.equal([over.status, over.body], [
      422,
      {
        message: 'Validation Failed',
        errors: [{ resource: 'IssueComment', code: 'unprocessable', field: 'data', message: 'Body is too long (maximum is 65536 characters)' }],
        documentation_url: 'https://docs.github.com/rest/issues/comments#create-an-issue-comment',
        status: '422',
      },
    ]);
    assert.is((await call(fake, 'POST', path, { headers: auth, body: { body: 'x'.repeat(65_536) } })).status, 201);
  } finally {
    await fake.close();
  }
});

test('gitlab: offset pagination headers and Link; the default order of notes is newest first', async () => {
  const fake = await startFakeForge({ platform: 'gitlab', perPageMax: 2 });
  try {
    const mr = fake.seedMergeRequest();
    for (let i = 0; i < 5; i++) fake.addComment(mr.number, 'dev', `c${i}`);
    const r = await call(fake, 'GET', `${gitlabProject(fake)}/merge_requests/${mr.number}/notes?page=2&per_page=2`, { headers: { 'private-token': fake.botToken } });
    assert.equal(
      ['x-page', 'x-per-page', 'x-total', 'x-total-pages', 'x-next-page', 'x-prev-page'].map((h) => r.headers.get(h)),
      ['2', '2', '5', '3', '3', '1'],
    );
    assert.match(r.headers.get('link') ?? '', /<http:\/\/127\.0\.0\.1:\d+\/api\/v4\/projects\/[^>]*page=3[^>]*>; rel="next"/);
    assert.equal((r.body as { body: string }[]).map((n) => n.body), ['c2', 'c1']);
  } finally {
    await fake.close();
  }
});

test('github: Link pagination; pull requests appear in the issues list; numbers are shared', async () => {
  const fake = await startFakeForge({ platform: 'github', perPageMax: 2 });
  try {
    const mr = fake.seedMergeRequest();
    for (let i = 0; i < 3; i++) fake.addComment(mr.number, 'dev', `c${i}`);
    const auth = { authorization: `token ${fake.botToken}` };
    const first = await call(fake, 'GET', `/repos/${fake.project}/issues/${mr.number}/comments`, { headers: auth });
    assert.match(first.headers.get('link') ?? '', /page=2&per_page=2>; rel="next"/);
    const created = await call(fake, 'POST', `/repos/${fake.project}/issues`, { headers: auth, body: { title: 'drift' } });
    assert.is((created.body as { number: number }).number, mr.number + 1);
    const all = await call(fake, 'GET', `/repos/${fake.project}/issues?state=all&per_page=100`, { headers: auth });
    assert.equal(
      (all.body as { number: number; pull_request?: unknown }[]).map((i) => [i.number, 'pull_request' in i]),
      [
        [mr.number + 1, false],
        [mr.number, true],
      ],
    );
  } finally {
    await fake.close();
  }
});

test('both: editing or deleting someone else\'s comment is refused; faults are injected once and recorded', async () => {
  for (const platform of ['gitlab', 'github'] as const) {
    const fake = await startFakeForge({ platform });
    try {
      const mr = fake.seedMergeRequest();
      const theirs = fake.addComment(mr.number, 'dev', 'mine, not yours');
      const [auth, path] =
        platform === 'gitlab'
          ? [{ 'private-token': fake.botToken }, `${gitlabProject(fake)}/merge_requests/${mr.number}/notes/${theirs.id}`]
          : [{ authorization: `token ${fake.botToken}` }, `/repos/${fake.project}/issues/comments/${theirs.id}`];
      assert.is((await call(fake, platform === 'gitlab' ? 'PUT' : 'PATCH', path, { headers: auth, body: { body: 'edited' } })).status, 403);
      assert.is((await call(fake, 'DELETE', path, { headers: auth })).status, 403);
      assert.is(fake.comments(mr.number)[0]?.body, 'mine, not yours');
      fake.failNext({ status: 429, retryAfter: 3 });
      const limited = await call(fake, 'GET', '/user', { headers: auth });
      assert.equal([limited.status, limited.headers.get('retry-after')], [429, '3']);
      assert.is((await call(fake, 'GET', '/user', { headers: auth })).status, 200);
      assert.equal(fake.calls.slice(-2).map((c) => c.status), [429, 200]);
    } finally {
      await fake.close();
    }
  }
});

test.run();

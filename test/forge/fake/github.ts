/**
 * GitHub REST API (as GitHub Enterprise Server serves it under /api/v3), the endpoints odoops
 * calls, with payload shapes, status codes and error bodies as GitHub documents and sends
 * them (https://docs.github.com/rest): `authorization: token X` or `Bearer X`; Link-header
 * pagination; comment bodies limited to 65,536 characters (422 "Body is too long");
 * statuses with GitHub's states and 140-character descriptions; issues and pull requests
 * numbered in one sequence, and pull requests listed by the issues API.
 */
import type http from 'node:http';
import { charCount, githubPermissionOf, latestReviews, openMr, type FakeComment, type FakeIssue, type FakeMr, type FakeState, type FakeUser } from './model.ts';
import { HttpReply, linkHeader, paginate, type Ctx, type Frontend, type Reply, type Route } from './server.ts';

export const GITHUB_BODY_MAX = 65_536;
const DOCS = 'https://docs.github.com/rest';

const fail = (status: number, message: string, errors?: unknown[], documentationUrl = DOCS): never => {
  throw new HttpReply({ status, body: { message, ...(errors ? { errors } : {}), documentation_url: documentationUrl, status: String(status) } });
};

export function githubFrontend(state: FakeState, project: string, perPageMax: number): Frontend {
  let origin = '';
  const perPage = { default: 30, max: perPageMax };
  const api = () => `${origin}/api/v3`;

  const userJson = (u: FakeUser) => ({ login: u.username, id: u.id, node_id: `U_${u.id}`, avatar_url: '', html_url: `${origin}/${u.username}`, type: 'User', site_admin: false });
  const repoOf = (ctx: Ctx) => {
    if (`${ctx.params.owner}/${ctx.params.repo}` !== project) fail(404, 'Not Found');
  };
  const mrOf = (ctx: Ctx, key = 'number'): FakeMr => {
    repoOf(ctx);
    return state.mr(Number(ctx.params[key])) ?? fail(404, 'Not Found');
  };
  const commentJson = (c: FakeComment) => ({
    id: c.id,
    node_id: `IC_${c.id}`,
    url: `${api()}/repos/${project}/issues/comments/${c.id}`,
    html_url: `${origin}/${project}/pull/${c.mr}#issuecomment-${c.id}`,
    issue_url: `${api()}/repos/${project}/issues/${c.mr}`,
    body: c.body,
    user: userJson(state.user(c.authorId)),
    created_at: c.createdAt,
    updated_at: c.updatedAt,
    author_association: 'MEMBER',
  });
  const MERGEABLE: Record<FakeMr['mergeable'], [boolean | null, string]> = {
    mergeable: [true, 'clean'],
    conflict: [false, 'dirty'],
    checking: [null, 'unknown'],
    blocked: [true, 'blocked'],
    not_approved: [true, 'blocked'],
  };
  const mergeable = (m: FakeMr) => MERGEABLE[m.mergeable];
  const ref = (branch: string, sha: string) => ({ label: `${project.split('/')[0]}:${branch}`, ref: branch, sha });
  const pullJson = (m: FakeMr) => {
    const [isMergeable, mergeableState] = mergeable(m);
    return {
      url: `${api()}/repos/${project}/pulls/${m.number}`,
      id: 9000 + m.number,
      number: m.number,
      state: m.state === 'open' ? 'open' : 'closed',
      locked: false,
      title: m.title,
      user: userJson(state.user(m.authorId)),
      body: m.description ?? '',
      created_at: m.createdAt,
      merged_at: m.state === 'merged' ? m.createdAt : null,
      merge_commit_sha: m.mergeCommitSha,
      draft: m.draft,
      head: ref(m.sourceBranch, m.headSha),
      base: ref(m.targetBranch, m.targetSha),
      html_url: `${origin}/${project}/pull/${m.number}`,
      merged: m.state === 'merged',
      mergeable: isMergeable,
      mergeable_state: mergeableState,
      changed_files: m.changedFilesCount ?? m.files.length,
    };
  };
  const issueJson = (i: FakeIssue) => ({
    url: `${api()}/repos/${project}/issues/${i.number}`,
    id: 8000 + i.number,
    node_id: `I_${i.number}`,
    number: i.number,
    title: i.title,
    user: userJson(state.user(i.authorId)),
    labels: i.labels.map((name) => ({ name })),
    state: i.state,
    locked: false,
    comments: 0,
    created_at: i.createdAt,
    updated_at: i.updatedAt,
    closed_at: i.state === 'closed' ? i.updatedAt : null,
    body: i.body,
    html_url: `${origin}/${project}/issues/${i.number}`,
  });
  // The issues API lists pull requests as issues carrying a `pull_request` key.
  const pullAsIssue = (m: FakeMr) => ({
    ...issueJson({ number: m.number, title: m.title, body: '', state: m.state === 'open' ? 'open' : 'closed', authorId: m.authorId, labels: [], createdAt: m.createdAt, updatedAt: m.createdAt }),
    pull_request: { url: `${api()}/repos/${project}/pulls/${m.number}`, html_url: `${origin}/${project}/pull/${m.number}`, merged_at: null },
  });

  const list = (ctx: Ctx, items: unknown[]): Reply => {
    const p = paginate(items, ctx.query, perPage);
    return { status: 200, body: p.items, headers: p.totalPages > 1 ? { link: linkHeader(ctx.origin, ctx.path, ctx.query, p.page, p.totalPages, p.perPage) } : {} };
  };
  const field = (ctx: Ctx, key: string): unknown => (ctx.body as Record<string, unknown> | null)?.[key];
  const text = (ctx: Ctx, key: string): string | undefined => {
    const v = field(ctx, key);
    return typeof v === 'string' ? v : undefined;
  };
  const commentTooLong = (body: string, doc: string) => {
    if (charCount(body) > GITHUB_BODY_MAX) {
      fail(422, 'Validation Failed', [{ resource: 'IssueComment', code: 'unprocessable', field: 'data', message: `Body is too long (maximum is ${GITHUB_BODY_MAX} characters)` }], doc);
    }
  };
  const issueTooLong = (body: string | undefined) => {
    if (body !== undefined && charCount(body) > GITHUB_BODY_MAX) {
      fail(422, 'Validation Failed', [{ resource: 'Issue', code: 'custom', field: 'body', message: `body is too long (maximum is ${GITHUB_BODY_MAX} characters)` }]);
    }
  };
  const commentOf = (ctx: Ctx): FakeComment => {
    repoOf(ctx);
    return state.comments.find((c) => c.id === Number(ctx.params.commentId)) ?? fail(404, 'Not Found');
  };
  const REPO = '\\/repos\\/(?<owner>[^/]+)\\/(?<repo>[^/]+)';
  const r = (method: string, tail: string, handler: (ctx: Ctx) => Reply): Route => ({ method, pattern: new RegExp(`^${tail === '/user' ? '' : REPO}${tail}$`), handler });

  const owner = project.split('/')[0] as string;
  const routes: Route[] = [
    r('GET', '/user', (ctx) => ({ status: 200, body: userJson(ctx.user) })),
    // https://docs.github.com/rest/pulls/pulls#list-pull-requests (state, head "owner:branch", base)
    r('GET', '\\/pulls', (ctx) => {
      repoOf(ctx);
      const q = ctx.query;
      const wanted = q.get('state') ?? 'open';
      const head = q.get('head');
      const pulls = state.mrs
        .filter((m) => wanted === 'all' || (wanted === 'open' ? m.state === 'open' : m.state !== 'open'))
        .filter((m) => !head || `${owner}:${m.sourceBranch}` === head)
        .filter((m) => !q.get('base') || m.targetBranch === q.get('base'))
        .sort((a, b) => b.number - a.number);
      return list(ctx, pulls.map(pullJson));
    }),
    // https://docs.github.com/rest/pulls/pulls#create-a-pull-request: 201; 422 "Validation Failed"
    // for a head or base the repository lacks, or when a pull request from head is already open.
    r('POST', '\\/pulls', (ctx) => {
      repoOf(ctx);
      const head = text(ctx, 'head');
      const base = text(ctx, 'base');
      const title = text(ctx, 'title');
      if (!head || !base || !title) fail(422, 'Invalid request.\n\n"head", "base" and "title" are required.');
      const branch = (head as string).includes(':') ? (head as string).split(':')[1] as string : (head as string);
      const headSha = state.branchHead(branch);
      const baseSha = state.branchHead(base as string);
      const invalid = [...(headSha ? [] : ['head']), ...(baseSha ? [] : ['base'])];
      if (invalid.length) fail(422, 'Validation Failed', invalid.map((f) => ({ resource: 'PullRequest', field: f, code: 'invalid' })), 'https://docs.github.com/rest/pulls/pulls#create-a-pull-request');
      if (state.mrs.some((m) => m.state === 'open' && m.sourceBranch === branch && m.targetBranch === base)) {
        fail(422, 'Validation Failed', [{ resource: 'PullRequest', code: 'custom', message: `A pull request already exists for ${owner}:${branch}.` }], 'https://docs.github.com/rest/pulls/pulls#create-a-pull-request');
      }
      const mr = openMr(state, { author: ctx.user, source: branch, target: base as string, title: title as string, description: text(ctx, 'body') ?? '', head: headSha as string, targetHead: baseSha as string });
      return { status: 201, body: pullJson(mr) };
    }),
    r('GET', '\\/pulls\\/(?<number>\\d+)', (ctx) => ({ status: 200, body: pullJson(mrOf(ctx)) })),
    r('GET', '\\/pulls\\/(?<number>\\d+)\\/files', (ctx) =>
      list(
        ctx,
        mrOf(ctx).files.slice(0, 3000).map((f, i) => ({
          sha: i.toString(16).padStart(40, '0'),
          filename: f.path,
          status: f.status,
          additions: 1,
          deletions: f.status === 'added' ? 0 : 1,
          changes: 2,
          blob_url: `${origin}/${project}/blob/x/${f.path}`,
          raw_url: `${origin}/${project}/raw/x/${f.path}`,
          contents_url: `${api()}/repos/${project}/contents/${f.path}`,
          patch: '@@ -1 +1 @@\n-a\n+b',
          ...(f.previousPath ? { previous_filename: f.previousPath } : {}),
        })),
      ),
    ),
    r('GET', '\\/pulls\\/(?<number>\\d+)\\/reviews', (ctx) => {
      const m = mrOf(ctx);
      return list(
        ctx,
        m.reviews.map((rv, i) => ({ id: 100 + i, node_id: `PRR_${i}`, user: userJson(state.user(rv.userId)), body: '', state: rv.state, commit_id: m.headSha, submitted_at: m.createdAt, html_url: `${origin}/${project}/pull/${m.number}#pullrequestreview-${100 + i}` })),
      );
    }),
    r('GET', '\\/issues\\/(?<number>\\d+)\\/comments', (ctx) => {
      const m = mrOf(ctx);
      return list(ctx, state.comments.filter((c) => c.mr === m.number && !c.system).sort((a, b) => a.id - b.id).map(commentJson));
    }),
    r('POST', '\\/issues\\/(?<number>\\d+)\\/comments', (ctx) => {
      const m = mrOf(ctx);
      const body = text(ctx, 'body') ?? fail(422, 'Invalid request.\n\n"body" wasn\'t supplied.');
      commentTooLong(body as string, 'https://docs.github.com/rest/issues/comments#create-an-issue-comment');
      const now = state.now();
      const id = state.id();
      const c: FakeComment = { id, mr: m.number, authorId: ctx.user.id, body: body as string, system: false, discussionId: '', createdAt: now, updatedAt: now, awards: [] };
      state.comments.push(c);
      return { status: 201, body: commentJson(c) };
    }),
    r('PATCH', '\\/issues\\/comments\\/(?<commentId>\\d+)', (ctx) => {
      const c = commentOf(ctx);
      if (c.authorId !== ctx.user.id) fail(403, 'Forbidden');
      const body = text(ctx, 'body') ?? fail(422, 'Invalid request.\n\n"body" wasn\'t supplied.');
      commentTooLong(body as string, 'https://docs.github.com/rest/issues/comments#update-an-issue-comment');
      c.body = body as string;
      c.updatedAt = state.now();
      return { status: 200, body: commentJson(c) };
    }),
    r('DELETE', '\\/issues\\/comments\\/(?<commentId>\\d+)', (ctx) => {
      const c = commentOf(ctx);
      if (c.authorId !== ctx.user.id) fail(403, 'Forbidden');
      state.comments.splice(state.comments.indexOf(c), 1);
      return { status: 204 };
    }),
    r('POST', '\\/issues\\/comments\\/(?<commentId>\\d+)\\/reactions', (ctx) => {
      const c = commentOf(ctx);
      const content = text(ctx, 'content');
      if (!content || !['+1', '-1', 'laugh', 'confused', 'heart', 'hooray', 'rocket', 'eyes'].includes(content)) {
        fail(422, 'Validation Failed', [{ resource: 'Reaction', code: 'custom', field: 'content', message: 'content is not included in the list' }]);
      }
      const existing = c.awards.find((a) => a.name === content && a.userId === ctx.user.id);
      const award = existing ?? { id: state.id(), name: content as string, userId: ctx.user.id };
      if (!existing) c.awards.push(award);
      return { status: existing ? 200 : 201, body: { id: award.id, node_id: `REA_${award.id}`, user: userJson(ctx.user), content: award.name, created_at: c.createdAt } };
    }),
    r('POST', '\\/statuses\\/(?<sha>[0-9a-f]{40})', (ctx) => {
      repoOf(ctx);
      const sha = ctx.params.sha as string;
      if (!state.commits.has(sha)) fail(422, `No commit found for SHA: ${sha}`);
      const st = text(ctx, 'state');
      if (!st || !['error', 'failure', 'pending', 'success'].includes(st)) {
        fail(422, 'Validation Failed', [{ resource: 'Status', code: 'custom', field: 'state', message: 'state is not included in the list' }]);
      }
      const description = text(ctx, 'description') ?? null;
      if (description !== null && charCount(description) > 140) {
        fail(422, 'Validation Failed', [{ resource: 'Status', code: 'custom', field: 'description', message: 'description is too long (maximum is 140 characters)' }]);
      }
      const now = state.now();
      const s = { id: state.id(), sha, context: text(ctx, 'context') ?? 'default', state: st as string, description, targetUrl: text(ctx, 'target_url') ?? null, creatorId: ctx.user.id, createdAt: now };
      state.statuses.push(s);
      return {
        status: 201,
        body: { url: `${api()}/repos/${project}/statuses/${sha}`, id: s.id, node_id: `SC_${s.id}`, state: s.state, description, target_url: s.targetUrl, context: s.context, created_at: now, updated_at: now, creator: userJson(ctx.user) },
      };
    }),
    r('GET', '\\/collaborators\\/(?<username>[^/]+)\\/permission', (ctx) => {
      repoOf(ctx);
      const u = state.users.find((x) => x.username.toLowerCase() === (ctx.params.username as string).toLowerCase()) ?? fail(404, 'Not Found');
      const p = githubPermissionOf(u as FakeUser);
      return { status: 200, body: { permission: p.permission, role_name: p.roleName, user: { ...userJson(u as FakeUser), permissions: {} } } };
    }),
    r('GET', '\\/issues', (ctx) => {
      repoOf(ctx);
      const q = ctx.query;
      const wanted = q.get('state') ?? 'open'; // GitHub's default
      const creator = q.get('creator');
      const asc = q.get('direction') === 'asc';
      const all = [...state.issues.map((i) => ({ ...issueJson(i), _at: i.createdAt, _author: i.authorId })), ...state.mrs.map((m) => ({ ...pullAsIssue(m), _at: m.createdAt, _author: m.authorId }))]
        .filter((i) => wanted === 'all' || i.state === wanted)
        .filter((i) => !creator || state.user(i._author).username.toLowerCase() === creator.toLowerCase())
        .sort((a, b) => (a._at < b._at ? -1 : a._at > b._at ? 1 : a.number - b.number) * (asc ? 1 : -1))
        .map(({ _at, _author, ...i }) => i);
      return list(ctx, all);
    }),
    r('POST', '\\/issues', (ctx) => {
      repoOf(ctx);
      const title = text(ctx, 'title') ?? fail(422, 'Invalid request.\n\n"title" wasn\'t supplied.');
      const body = text(ctx, 'body') ?? '';
      issueTooLong(body);
      const labels = field(ctx, 'labels');
      const now = state.now();
      const issue: FakeIssue = { number: state.number('issue'), title: title as string, body, state: 'open', authorId: ctx.user.id, labels: Array.isArray(labels) ? labels.map(String) : [], createdAt: now, updatedAt: now };
      state.issues.push(issue);
      return { status: 201, body: issueJson(issue) };
    }),
    r('PATCH', '\\/issues\\/(?<number>\\d+)', (ctx) => {
      repoOf(ctx);
      const i = state.issues.find((x) => x.number === Number(ctx.params.number)) ?? fail(404, 'Not Found');
      const issue = i as FakeIssue;
      const body = text(ctx, 'body');
      issueTooLong(body);
      const title = text(ctx, 'title');
      const st = text(ctx, 'state');
      if (title !== undefined) issue.title = title;
      if (body !== undefined) issue.body = body;
      if (st === 'open' || st === 'closed') issue.state = st;
      issue.updatedAt = state.now();
      return { status: 200, body: issueJson(issue) };
    }),
  ];

  return {
    prefix: '/api/v3',
    routes,
    perPage,
    setOrigin: (o) => {
      origin = o;
    },
    authenticate: (headers: http.IncomingHttpHeaders) => {
      const m = /^(token|bearer) (.+)$/i.exec(headers.authorization ?? '');
      if (!m) return { user: null, scheme: null };
      return { user: state.userByToken(m[2] as string) ?? null, scheme: (m[1] as string).toLowerCase() === 'token' ? 'token' : 'bearer' };
    },
    unauthorized: { status: 401, body: { message: 'Bad credentials', documentation_url: DOCS, status: '401' } },
    notFound: { status: 404, body: { message: 'Not Found', documentation_url: DOCS, status: '404' } },
  };
}

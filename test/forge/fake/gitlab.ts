/**
 * GitLab REST API v4, the endpoints odoops calls, with payload shapes, status codes and error
 * bodies as GitLab documents and sends them (https://docs.gitlab.com/api/): PRIVATE-TOKEN or
 * `Authorization: Bearer`; offset pagination with x-page/x-total-pages/x-next-page and Link;
 * notes limited to 1,000,000 characters (400 "Note {:note=>[...is too long...]}"); system
 * notes; a commit status refusing to re-enter the pending/running state it is in.
 */
import type http from 'node:http';
import { charCount, gitlabAccessOf, latestReviews, openMr, type FakeComment, type FakeIssue, type FakeMr, type FakeState, type FakeUser } from './model.ts';
import { HttpReply, linkHeader, paginate, type Ctx, type Frontend, type Reply, type Route } from './server.ts';

export const GITLAB_NOTE_MAX = 1_000_000;
export const GITLAB_DESCRIPTION_MAX = 1_048_576;
export const GITLAB_PROJECT_ID = 42;

const fail = (status: number, message: unknown): never => {
  throw new HttpReply({ status, body: { message } });
};

export function gitlabFrontend(state: FakeState, project: string, perPageMax: number): Frontend {
  let origin = '';
  const perPage = { default: 20, max: perPageMax };

  const userJson = (u: FakeUser) => ({ id: u.id, username: u.username, name: u.name, state: 'active', avatar_url: null, web_url: `${origin}/${u.username}` });

  const projectOf = (ctx: Ctx) => {
    if (ctx.params.id !== project && ctx.params.id !== String(GITLAB_PROJECT_ID)) fail(404, '404 Project Not Found');
  };
  const mrOf = (ctx: Ctx): FakeMr => {
    projectOf(ctx);
    return state.mr(Number(ctx.params.iid)) ?? fail(404, '404 Not found');
  };
  const noteJson = (c: FakeComment) => ({
    id: c.id,
    type: null,
    body: c.body,
    attachment: null,
    author: userJson(state.user(c.authorId)),
    created_at: c.createdAt,
    updated_at: c.updatedAt,
    system: c.system,
    noteable_id: 5000 + c.mr,
    noteable_type: 'MergeRequest',
    project_id: GITLAB_PROJECT_ID,
    noteable_iid: c.mr,
    resolvable: false,
    confidential: false,
    internal: false,
  });
  const detailed = (m: FakeMr) => ({ mergeable: 'mergeable', conflict: 'conflict', checking: 'checking', blocked: 'ci_must_pass', not_approved: 'not_approved' })[m.mergeable];
  const mrJson = (m: FakeMr) => ({
    id: 5000 + m.number,
    iid: m.number,
    project_id: GITLAB_PROJECT_ID,
    title: m.title,
    description: m.description ?? '',
    state: m.state === 'open' ? 'opened' : m.state,
    created_at: m.createdAt,
    target_branch: m.targetBranch,
    source_branch: m.sourceBranch,
    author: userJson(state.user(m.authorId)),
    draft: m.draft,
    work_in_progress: m.draft,
    merge_status: m.mergeable === 'conflict' ? 'cannot_be_merged' : m.mergeable === 'checking' ? 'checking' : 'can_be_merged',
    detailed_merge_status: detailed(m),
    has_conflicts: m.mergeable === 'conflict',
    sha: m.headSha,
    merge_commit_sha: m.mergeCommitSha,
    squash_commit_sha: null,
    diff_refs: { base_sha: m.targetSha, head_sha: m.headSha, start_sha: m.targetSha },
    web_url: `${origin}/${project}/-/merge_requests/${m.number}`,
    changes_count: (m.changedFilesCount ?? m.files.length) > 1000 ? '1000+' : String(m.changedFilesCount ?? m.files.length),
  });
  const issueJson = (i: FakeIssue) => ({
    id: 7000 + i.number,
    iid: i.number,
    project_id: GITLAB_PROJECT_ID,
    title: i.title,
    description: i.body,
    state: i.state === 'open' ? 'opened' : 'closed',
    created_at: i.createdAt,
    updated_at: i.updatedAt,
    labels: i.labels,
    author: userJson(state.user(i.authorId)),
    web_url: `${origin}/${project}/-/issues/${i.number}`,
  });

  const list = (ctx: Ctx, items: unknown[]): Reply => {
    const p = paginate(items, ctx.query, perPage);
    const headers: Record<string, string> = {
      'x-page': String(p.page),
      'x-per-page': String(p.perPage),
      'x-total': String(p.total),
      'x-total-pages': String(p.totalPages),
      'x-next-page': p.page < p.totalPages ? String(p.page + 1) : '',
      'x-prev-page': p.page > 1 ? String(p.page - 1) : '',
      link: linkHeader(ctx.origin, ctx.path, ctx.query, p.page, p.totalPages, p.perPage),
    };
    return { status: 200, body: p.items, headers };
  };

  const bodyOf = (ctx: Ctx, key: string): string | undefined => {
    const v = (ctx.body as Record<string, unknown> | null)?.[key];
    return typeof v === 'string' ? v : undefined;
  };

  const noteTooLong = (body: string, prefix: string) => {
    if (charCount(body) > GITLAB_NOTE_MAX) fail(400, `400 Bad request - ${prefix}{:note=>["is too long (maximum is ${GITLAB_NOTE_MAX} characters)"]}`);
  };

  const createNote = (ctx: Ctx, m: FakeMr, discussionId?: string): Reply => {
    const body = bodyOf(ctx, 'body');
    if (body === undefined || body === '') fail(400, '400 Bad request - "body" not given');
    noteTooLong(body as string, 'Note ');
    const now = state.now();
    const id = state.id();
    const c: FakeComment = { id, mr: m.number, authorId: ctx.user.id, body: body as string, system: false, discussionId: discussionId ?? discussionFor(id), createdAt: now, updatedAt: now, awards: [] };
    state.comments.push(c);
    return { status: 201, body: noteJson(c) };
  };
  const noteOf = (ctx: Ctx, m: FakeMr): FakeComment =>
    state.comments.find((c) => c.id === Number(ctx.params.noteId) && c.mr === m.number) ?? fail(404, '404 Note Not Found');

  const routes: Route[] = [
    {
      // https://docs.gitlab.com/api/merge_requests/#list-project-merge-requests (state, source_branch, target_branch)
      method: 'GET',
      pattern: /^\/projects\/(?<id>[^/]+)\/merge_requests$/,
      handler: (ctx) => {
        projectOf(ctx);
        const q = ctx.query;
        const wanted = q.get('state') ?? 'all';
        const glState = (m: FakeMr) => (m.state === 'open' ? 'opened' : m.state);
        const mrs = state.mrs
          .filter((m) => wanted === 'all' || glState(m) === wanted)
          .filter((m) => !q.get('source_branch') || m.sourceBranch === q.get('source_branch'))
          .filter((m) => !q.get('target_branch') || m.targetBranch === q.get('target_branch'))
          .sort((a, b) => b.number - a.number);
        return list(ctx, mrs.map(mrJson));
      },
    },
    {
      // https://docs.gitlab.com/api/merge_requests/#create-mr: 201; a missing branch is a
      // validation error (400 {message: {source_branch: ["does not exist"]}}); a second open MR
      // from the same source branch is 409 "Another open merge request already exists for this source branch: !N".
      method: 'POST',
      pattern: /^\/projects\/(?<id>[^/]+)\/merge_requests$/,
      handler: (ctx) => {
        projectOf(ctx);
        const source = bodyOf(ctx, 'source_branch');
        const target = bodyOf(ctx, 'target_branch');
        const title = bodyOf(ctx, 'title');
        const missing = ['source_branch', 'target_branch', 'title'].find((k) => !bodyOf(ctx, k));
        if (missing) throw new HttpReply({ status: 400, body: { error: `${missing} is missing` } });
        const head = state.branchHead(source as string);
        const targetHead = state.branchHead(target as string);
        const errors: Record<string, string[]> = {};
        if (!head) errors.source_branch = ['does not exist'];
        if (!targetHead) errors.target_branch = ['does not exist'];
        if (Object.keys(errors).length) fail(400, errors);
        const dup = state.mrs.find((m) => m.state === 'open' && m.sourceBranch === source && m.targetBranch === target);
        if (dup) fail(409, [`Another open merge request already exists for this source branch: !${dup.number}`]);
        const mr = openMr(state, { author: ctx.user, source: source as string, target: target as string, title: title as string, description: bodyOf(ctx, 'description') ?? '', head: head as string, targetHead: targetHead as string });
        return { status: 201, body: mrJson(mr) };
      },
    },
    { method: 'GET', pattern: /^\/user$/, handler: (ctx) => ({ status: 200, body: userJson(ctx.user) }) },
    {
      method: 'GET',
      pattern: /^\/users$/,
      handler: (ctx) => list(ctx, state.users.filter((u) => !ctx.query.get('username') || u.username === ctx.query.get('username')).map(userJson)),
    },
    { method: 'GET', pattern: /^\/projects\/(?<id>[^/]+)\/merge_requests\/(?<iid>\d+)$/, handler: (ctx) => ({ status: 200, body: mrJson(mrOf(ctx)) }) },
    {
      method: 'GET',
      pattern: /^\/projects\/(?<id>[^/]+)\/merge_requests\/(?<iid>\d+)\/diffs$/,
      handler: (ctx) =>
        list(
          ctx,
          mrOf(ctx).files.map((f) => ({
            old_path: f.previousPath ?? f.path,
            new_path: f.path,
            a_mode: f.status === 'added' ? '0' : '100644',
            b_mode: f.status === 'removed' ? '0' : '100644',
            diff: '@@ -1 +1 @@\n-a\n+b\n',
            new_file: f.status === 'added',
            renamed_file: f.status === 'renamed',
            deleted_file: f.status === 'removed',
            generated_file: false,
          })),
        ),
    },
    {
      method: 'GET',
      pattern: /^\/projects\/(?<id>[^/]+)\/merge_requests\/(?<iid>\d+)\/approvals$/,
      handler: (ctx) => {
        const m = mrOf(ctx);
        const approvedBy = latestReviews(m, 'APPROVED');
        const left = Math.max(0, m.approvalsRequired - approvedBy.length);
        return {
          status: 200,
          body: {
            id: 5000 + m.number,
            iid: m.number,
            project_id: GITLAB_PROJECT_ID,
            title: m.title,
            state: m.state === 'open' ? 'opened' : m.state,
            approved: left === 0,
            approvals_required: m.approvalsRequired,
            approvals_left: left,
            approved_by: approvedBy.map((id) => ({ user: userJson(state.user(id)) })),
          },
        };
      },
    },
    {
      method: 'GET',
      pattern: /^\/projects\/(?<id>[^/]+)\/merge_requests\/(?<iid>\d+)\/notes$/,
      handler: (ctx) => {
        const m = mrOf(ctx);
        const byField = ctx.query.get('order_by') === 'updated_at' ? 'updatedAt' : 'createdAt';
        const asc = ctx.query.get('sort') === 'asc'; // GitLab's default is desc
        const notes = state.comments.filter((c) => c.mr === m.number).sort((a, b) => (a[byField] < b[byField] ? -1 : a[byField] > b[byField] ? 1 : a.id - b.id) * (asc ? 1 : -1));
        return list(ctx, notes.map(noteJson));
      },
    },
    { method: 'POST', pattern: /^\/projects\/(?<id>[^/]+)\/merge_requests\/(?<iid>\d+)\/notes$/, handler: (ctx) => createNote(ctx, mrOf(ctx)) },
    {
      method: 'POST',
      pattern: /^\/projects\/(?<id>[^/]+)\/merge_requests\/(?<iid>\d+)\/discussions\/(?<discussionId>[0-9a-f]+)\/notes$/,
      handler: (ctx) => {
        const m = mrOf(ctx);
        if (!state.comments.some((c) => c.mr === m.number && c.discussionId === ctx.params.discussionId)) fail(404, '404 Discussion Not Found');
        return createNote(ctx, m, ctx.params.discussionId);
      },
    },
    {
      method: 'PUT',
      pattern: /^\/projects\/(?<id>[^/]+)\/merge_requests\/(?<iid>\d+)\/notes\/(?<noteId>\d+)$/,
      handler: (ctx) => {
        const c = noteOf(ctx, mrOf(ctx));
        if (c.authorId !== ctx.user.id || c.system) fail(403, '403 Forbidden');
        const body = bodyOf(ctx, 'body');
        if (body === undefined) fail(400, '400 Bad request - "body" not given');
        noteTooLong(body as string, 'Failed to save note ');
        c.body = body as string;
        c.updatedAt = state.now();
        return { status: 200, body: noteJson(c) };
      },
    },
    {
      method: 'DELETE',
      pattern: /^\/projects\/(?<id>[^/]+)\/merge_requests\/(?<iid>\d+)\/notes\/(?<noteId>\d+)$/,
      handler: (ctx) => {
        const c = noteOf(ctx, mrOf(ctx));
        if (c.authorId !== ctx.user.id || c.system) fail(403, '403 Forbidden');
        state.comments.splice(state.comments.indexOf(c), 1);
        return { status: 204 };
      },
    },
    {
      method: 'POST',
      pattern: /^\/projects\/(?<id>[^/]+)\/merge_requests\/(?<iid>\d+)\/notes\/(?<noteId>\d+)\/award_emoji$/,
      handler: (ctx) => {
        const c = noteOf(ctx, mrOf(ctx));
        const name = bodyOf(ctx, 'name') ?? fail(400, '400 Bad request - "name" not given');
        if (c.awards.some((a) => a.name === name && a.userId === ctx.user.id)) fail(404, '404 Award Emoji {:name=>["has already been taken"]} Not Found');
        const award = { id: state.id(), name: name as string, userId: ctx.user.id };
        c.awards.push(award);
        const now = state.now();
        return { status: 201, body: { id: award.id, name: award.name, user: userJson(ctx.user), created_at: now, updated_at: now, awardable_id: c.id, awardable_type: 'Note' } };
      },
    },
    {
      method: 'POST',
      pattern: /^\/projects\/(?<id>[^/]+)\/statuses\/(?<sha>[0-9a-f]{7,40})$/,
      handler: (ctx) => {
        projectOf(ctx);
        const sha = ctx.params.sha as string;
        if (!state.commits.has(sha)) fail(404, '404 References for commit Not Found');
        const st = bodyOf(ctx, 'state');
        if (!st || !['pending', 'running', 'success', 'failed', 'canceled', 'skipped'].includes(st)) throw new HttpReply({ status: 400, body: { error: 'state does not have a valid value' } });
        const name = bodyOf(ctx, 'name') ?? bodyOf(ctx, 'context') ?? 'default';
        const latest = [...state.statuses].reverse().find((s) => s.sha === sha && s.context === name);
        if (latest && (latest.state === 'pending' || latest.state === 'running') && latest.state === st) {
          const via = st === 'pending' ? 'enqueue' : 'run';
          fail(400, `Cannot transition status via :${via} from :${latest.state} (Reason(s): Status cannot transition via "${via}")`);
        }
        const record = latest && (latest.state === 'pending' || latest.state === 'running') ? latest : undefined;
        const s = record ?? { id: state.id(), sha, context: name, state: st as string, description: null, targetUrl: null, creatorId: ctx.user.id, createdAt: state.now() };
        s.state = st as string;
        s.description = bodyOf(ctx, 'description') ?? s.description;
        s.targetUrl = bodyOf(ctx, 'target_url') ?? s.targetUrl;
        if (!record) state.statuses.push(s);
        return {
          status: 201,
          body: { id: s.id, sha, ref: null, status: s.state, name, target_url: s.targetUrl, description: s.description, created_at: s.createdAt, allow_failure: false, coverage: null, author: userJson(ctx.user) },
        };
      },
    },
    {
      method: 'GET',
      pattern: /^\/projects\/(?<id>[^/]+)\/members\/all\/(?<userId>\d+)$/,
      handler: (ctx) => {
        projectOf(ctx);
        const u = state.users.find((x) => x.id === Number(ctx.params.userId));
        if (!u || gitlabAccessOf(u) === 0) fail(404, '404 Not found');
        const member = u as FakeUser;
        return { status: 200, body: { ...userJson(member), access_level: gitlabAccessOf(member), created_at: '2024-01-01T00:00:00.000Z', expires_at: null } };
      },
    },
    {
      method: 'GET',
      pattern: /^\/projects\/(?<id>[^/]+)\/issues$/,
      handler: (ctx) => {
        projectOf(ctx);
        const q = ctx.query;
        const wanted = q.get('state');
        const byField = q.get('order_by') === 'updated_at' ? 'updatedAt' : 'createdAt';
        const asc = q.get('sort') === 'asc';
        const issues = state.issues
          .filter((i) => !q.get('author_username') || state.user(i.authorId).username === q.get('author_username'))
          .filter((i) => !q.get('author_id') || i.authorId === Number(q.get('author_id')))
          .filter((i) => !wanted || wanted === 'all' || (wanted === 'opened' ? i.state === 'open' : i.state === 'closed'))
          .sort((a, b) => (a[byField] < b[byField] ? -1 : a[byField] > b[byField] ? 1 : a.number - b.number) * (asc ? 1 : -1));
        return list(ctx, issues.map(issueJson));
      },
    },
    {
      method: 'POST',
      pattern: /^\/projects\/(?<id>[^/]+)\/issues$/,
      handler: (ctx) => {
        projectOf(ctx);
        const title = bodyOf(ctx, 'title') ?? fail(400, '400 Bad request - "title" not given');
        const description = bodyOf(ctx, 'description') ?? '';
        if (charCount(description) > GITLAB_DESCRIPTION_MAX) fail(400, { description: [`is too long (maximum is ${GITLAB_DESCRIPTION_MAX} characters)`] });
        const now = state.now();
        const labels = (bodyOf(ctx, 'labels') ?? '').split(',').filter(Boolean);
        const issue: FakeIssue = { number: state.number('issue'), title: title as string, body: description, state: 'open', authorId: ctx.user.id, labels, createdAt: now, updatedAt: now };
        state.issues.push(issue);
        return { status: 201, body: issueJson(issue) };
      },
    },
    {
      method: 'PUT',
      pattern: /^\/projects\/(?<id>[^/]+)\/issues\/(?<iid>\d+)$/,
      handler: (ctx) => {
        projectOf(ctx);
        const issue = state.issues.find((i) => i.number === Number(ctx.params.iid)) ?? fail(404, '404 Not found');
        const i = issue as FakeIssue;
        const description = bodyOf(ctx, 'description');
        if (description !== undefined && charCount(description) > GITLAB_DESCRIPTION_MAX) fail(400, { description: [`is too long (maximum is ${GITLAB_DESCRIPTION_MAX} characters)`] });
        const title = bodyOf(ctx, 'title');
        const event = bodyOf(ctx, 'state_event');
        if (title !== undefined) i.title = title;
        if (description !== undefined) i.body = description;
        if (event === 'close') i.state = 'closed';
        if (event === 'reopen') i.state = 'open';
        i.updatedAt = state.now();
        return { status: 200, body: issueJson(i) };
      },
    },
  ];

  return {
    prefix: '/api/v4',
    routes,
    setOrigin: (o) => {
      origin = o;
    },
    perPage,
    authenticate: (headers: http.IncomingHttpHeaders) => {
      const privateToken = headers['private-token'];
      if (typeof privateToken === 'string') return { user: state.userByToken(privateToken) ?? null, scheme: 'private-token' };
      const m = /^Bearer (.+)$/i.exec(headers.authorization ?? '');
      if (m) return { user: state.userByToken(m[1] as string) ?? null, scheme: 'bearer' };
      return { user: null, scheme: null };
    },
    unauthorized: { status: 401, body: { message: '401 Unauthorized' } },
    notFound: { status: 404, body: { error: '404 Not Found' } },
  };
}

/** A 40-hex discussion id, as GitLab gives each thread. */
export function discussionFor(noteId: number): string {
  return noteId.toString(16).padStart(40, 'd');
}

/**
 * Forge on GitHub (REST API, github.com or Enterprise Server) through @octokit/rest. An MR is
 * a pull request; its comments are issue comments (the conversation tab), not review
 * comments. Endpoints used are listed in README.md; HTTP, retries and typed errors are in
 * github-http.ts.
 */
import type { Octokit } from '@octokit/rest';
import type {
  AccessInfo,
  ChangedFile,
  ChangedFiles,
  CommentRef,
  EnsureCommentInput,
  EnsureCommentResult,
  EnsureIssueInput,
  EnsureIssueResult,
  Forge,
  FoundComment,
  ForgeUser,
  MergeRequestInfo,
  Mergeability,
  OpenMergeRequestInput,
  OpenedMergeRequest,
  Reaction,
  SetStatusInput,
} from './types.ts';
import { githubAccess, noAccess } from './access.ts';
import { ensureComment, ensureCommentRemoved, findComment, type CommentPort, type StoredComment } from './comments.ts';
import { ForgeError } from './errors.ts';
import { githubApiUrl, githubClient } from './github-http.ts';
import { ensureIssue, type IssuePort } from './issues.ts';
import { COMMENT_MAX_CHARS, DEFAULT_MAX_PARTS, ISSUE_MAX_CHARS } from './split.ts';
import { statusDescription } from './status.ts';
import type { RetryPolicy } from './retry.ts';
import { OdoopsError } from '../util/errors.ts';

export interface GitHubForgeOptions {
  /** https://github.com, a GitHub Enterprise Server URL, or an API root (…/api/v3). */
  url: string;
  /** owner/repo */
  project: string;
  token: string;
  /** Skip GET /user and act as this login (GitHub App installation tokens cannot read /user: use "app-name[bot]"). */
  botUsername?: string;
  retry: RetryPolicy;
  timeoutMs: number;
  maxParts?: number;
}

interface GhUser {
  id: number;
  login: string;
}

const GITHUB_STATE = { pending: 'pending', success: 'success', failed: 'failure' } as const;

const user = (u: GhUser | null | undefined): ForgeUser => ({ id: u?.id ?? null, username: u?.login ?? 'ghost' });

/** `mergeable` and `mergeable_state` of a pull request onto one scale. */
export function githubMergeability(pull: { mergeable: boolean | null; mergeable_state?: string }): Mergeability {
  const detail = pull.mergeable_state ?? 'unknown';
  if (pull.mergeable === null || detail === 'unknown') return { state: 'checking', detail };
  if (pull.mergeable === false || detail === 'dirty') return { state: 'conflict', detail };
  if (detail === 'clean' || detail === 'unstable' || detail === 'has_hooks') return { state: 'mergeable', detail };
  return { state: 'blocked', detail };
}

/** Latest deciding review per user (COMMENTED reviews decide nothing). */
export function reviewDecisions(reviews: { user: GhUser | null; state: string }[]): { approvedBy: ForgeUser[]; changesRequestedBy: ForgeUser[] } {
  const latest = new Map<string, { user: ForgeUser; state: string }>();
  for (const r of reviews) {
    if (!r.user || !['APPROVED', 'CHANGES_REQUESTED', 'DISMISSED'].includes(r.state)) continue;
    latest.set(r.user.login.toLowerCase(), { user: user(r.user), state: r.state });
  }
  const pick = (state: string) => [...latest.values()].filter((v) => v.state === state).map((v) => v.user);
  return { approvedBy: pick('APPROVED'), changesRequestedBy: pick('CHANGES_REQUESTED') };
}

function fileStatus(f: { filename: string; status: string; previous_filename?: string }): ChangedFile {
  if (f.status === 'added' || f.status === 'copied') return { path: f.filename, status: 'added' };
  if (f.status === 'removed') return { path: f.filename, status: 'removed' };
  if (f.status === 'renamed') return { path: f.filename, previousPath: f.previous_filename, status: 'renamed' };
  return { path: f.filename, status: 'modified' };
}

export class GitHubForge implements Forge {
  readonly platform = 'github' as const;
  readonly project: string;
  private readonly owner: string;
  private readonly repo: string;
  private readonly octokit: Octokit;
  private readonly maxParts: number;
  private bot: Promise<ForgeUser> | null = null;

  constructor(private readonly opts: GitHubForgeOptions) {
    const [owner, repo, ...rest] = opts.project.split('/');
    if (!owner || !repo || rest.length) throw new OdoopsError(`GitHub project must be owner/repo, got ${JSON.stringify(opts.project)}`);
    this.project = opts.project;
    this.owner = owner;
    this.repo = repo;
    this.maxParts = opts.maxParts ?? DEFAULT_MAX_PARTS;
    this.octokit = githubClient({ baseUrl: githubApiUrl(opts.url), token: opts.token, retry: opts.retry, timeoutMs: opts.timeoutMs });
  }

  private get repoParams() {
    return { owner: this.owner, repo: this.repo };
  }

  whoAmI(): Promise<ForgeUser> {
    if (this.opts.botUsername) return Promise.resolve({ id: null, username: this.opts.botUsername });
    this.bot ??= this.octokit.rest.users.getAuthenticated().then((r) => user(r.data));
    this.bot.catch(() => (this.bot = null));
    return this.bot;
  }

  private commentPort(): CommentPort {
    const issues = this.octokit.rest.issues;
    const ref = (c: { id: number; html_url: string; user: GhUser | null }): CommentRef => ({ id: c.id, url: c.html_url, author: user(c.user) });
    return {
      list: async (mr) => {
        const all = await this.octokit.paginate(issues.listComments, { ...this.repoParams, issue_number: mr, per_page: 100 });
        return all.map((c): StoredComment => ({ id: c.id, body: c.body ?? '', author: user(c.user), system: false, url: c.html_url }));
      },
      create: async (mr, body) => ref((await issues.createComment({ ...this.repoParams, issue_number: mr, body })).data),
      update: async (_mr, id, body) => ref((await issues.updateComment({ ...this.repoParams, comment_id: id, body })).data),
      remove: async (_mr, id) => {
        await issues.deleteComment({ ...this.repoParams, comment_id: id });
      },
    };
  }

  async ensureComment(input: EnsureCommentInput): Promise<EnsureCommentResult> {
    return ensureComment(this.commentPort(), await this.whoAmI(), { maxChars: COMMENT_MAX_CHARS.github, maxParts: this.maxParts }, input);
  }

  async findComment(input: { mr: number; topic: string }): Promise<FoundComment | null> {
    return findComment(this.commentPort(), await this.whoAmI(), input.mr, input.topic);
  }

  async ensureCommentRemoved(input: { mr: number; topic: string }): Promise<number> {
    return ensureCommentRemoved(this.commentPort(), await this.whoAmI(), input.mr, input.topic);
  }

  async replyToComment(input: { mr: number; to: CommentRef; body: string }): Promise<CommentRef> {
    // Issue comments have no threads: mention the author and link the comment answered.
    const who = input.to.author ? `@${input.to.author.username}` : '';
    const about = input.to.url ? `[your comment](${input.to.url})` : 'your comment';
    const head = who ? `${who}, about ${about}:\n\n` : '';
    const { data } = await this.octokit.rest.issues.createComment({ ...this.repoParams, issue_number: input.mr, body: `${head}${input.body}` });
    return { id: data.id, url: data.html_url, author: user(data.user) };
  }

  async react(input: { mr: number; comment: CommentRef; reaction: Reaction }): Promise<void> {
    // 201 when created, 200 when this user already reacted so: idempotent as is.
    await this.octokit.rest.reactions.createForIssueComment({ ...this.repoParams, comment_id: input.comment.id, content: input.reaction });
  }

  async setStatus(input: SetStatusInput): Promise<void> {
    await this.octokit.rest.repos.createCommitStatus({
      ...this.repoParams,
      sha: input.sha,
      state: GITHUB_STATE[input.state],
      context: input.context,
      description: statusDescription(input.description),
      ...(input.targetUrl ? { target_url: input.targetUrl } : {}),
    });
  }

  async getMergeRequest(mr: number): Promise<MergeRequestInfo> {
    const [{ data: p }, reviews] = await Promise.all([
      this.octokit.rest.pulls.get({ ...this.repoParams, pull_number: mr }),
      this.octokit.paginate(this.octokit.rest.pulls.listReviews, { ...this.repoParams, pull_number: mr, per_page: 100 }),
    ]);
    const { approvedBy, changesRequestedBy } = reviewDecisions(reviews);
    return {
      number: p.number,
      title: p.title,
      url: p.html_url,
      author: user(p.user),
      state: p.merged || p.merged_at ? 'merged' : p.state === 'closed' ? 'closed' : 'open',
      draft: p.draft ?? false,
      sourceBranch: p.head.ref,
      targetBranch: p.base.ref,
      headSha: p.head.sha,
      targetSha: p.base.sha,
      mergeCommitSha: p.merged || p.merged_at ? (p.merge_commit_sha ?? null) : null,
      mergeable: githubMergeability(p),
      approvals: { approvedBy, changesRequestedBy, required: null, left: null, approved: approvedBy.length > 0 && changesRequestedBy.length === 0 },
    };
  }

  async changedFiles(mr: number): Promise<ChangedFiles> {
    const [{ data: p }, files] = await Promise.all([
      this.octokit.rest.pulls.get({ ...this.repoParams, pull_number: mr }),
      this.octokit.paginate(this.octokit.rest.pulls.listFiles, { ...this.repoParams, pull_number: mr, per_page: 100 }),
    ]);
    // GitHub lists at most 3,000 files of a pull request; changed_files is the true count.
    return { files: files.map(fileStatus), complete: files.length >= p.changed_files };
  }

  async accessOf(who: ForgeUser): Promise<AccessInfo> {
    try {
      const { data } = await this.octokit.rest.repos.getCollaboratorPermissionLevel({ ...this.repoParams, username: who.username });
      const roleName = (data as { role_name?: string }).role_name ?? null;
      return githubAccess({ id: data.user?.id ?? who.id, username: who.username }, data.permission, roleName);
    } catch (err) {
      if (err instanceof ForgeError && err.code === 'not-found') return noAccess(who, 'not a collaborator');
      throw err;
    }
  }

  private issuePort(): IssuePort {
    const issues = this.octokit.rest.issues;
    return {
      listByAuthor: async (bot) => {
        const all = await this.octokit.paginate(issues.listForRepo, { ...this.repoParams, creator: bot.username, state: 'all', sort: 'created', direction: 'desc', per_page: 100 });
        // The issues API lists pull requests too.
        return all
          .filter((i) => !i.pull_request)
          .map((i) => ({ number: i.number, title: i.title, body: i.body ?? '', state: i.state === 'open' ? ('open' as const) : ('closed' as const), url: i.html_url, author: user(i.user) }));
      },
      create: async ({ title, body, labels }) => {
        const { data } = await issues.create({ ...this.repoParams, title, body, ...(labels.length ? { labels } : {}) });
        return { number: data.number, url: data.html_url };
      },
      update: async (number, change) => {
        await issues.update({
          ...this.repoParams,
          issue_number: number,
          ...(change.title !== undefined ? { title: change.title } : {}),
          ...(change.body !== undefined ? { body: change.body } : {}),
          ...(change.state ? { state: change.state } : {}),
        });
      },
    };
  }

  async ensureIssue(input: EnsureIssueInput): Promise<EnsureIssueResult> {
    return ensureIssue(this.issuePort(), await this.whoAmI(), ISSUE_MAX_CHARS.github, input);
  }

  async openMergeRequest(input: OpenMergeRequestInput): Promise<OpenedMergeRequest> {
    // `head` filters by "owner:branch" (the branch is pushed to the config repo itself).
    const open = await this.octokit.paginate(this.octokit.rest.pulls.list, {
      ...this.repoParams, state: 'open', head: `${this.owner}:${input.sourceBranch}`, base: input.targetBranch, per_page: 100,
    });
    const existing = open.find((p) => p.head.ref === input.sourceBranch && p.base.ref === input.targetBranch);
    if (existing) return { number: existing.number, url: existing.html_url, created: false };
    const { data: p } = await this.octokit.rest.pulls.create({
      ...this.repoParams, head: input.sourceBranch, base: input.targetBranch, title: input.title, body: input.description,
    });
    return { number: p.number, url: p.html_url, created: true };
  }
}

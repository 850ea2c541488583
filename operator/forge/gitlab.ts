/**
 * Forge on GitLab (API v4) through @gitbeaker/rest. Endpoints used are listed in README.md;
 * HTTP, retries and typed errors are in gitlab-http.ts. Responses are snake_case (gitbeaker
 * without camelize) and read through the small Gl* shapes below, which name only what odoops uses.
 */
import { Gitlab } from '@gitbeaker/rest';
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
import { gitlabAccess, noAccess } from './access.ts';
import { ensureComment, ensureCommentRemoved, findComment, type CommentPort, type StoredComment } from './comments.ts';
import { ForgeError } from './errors.ts';
import { gitlabRequesterFn } from './gitlab-http.ts';
import { ensureIssue, type IssuePort, type StoredIssue } from './issues.ts';
import { COMMENT_MAX_CHARS, DEFAULT_MAX_PARTS, ISSUE_MAX_CHARS } from './split.ts';
import { statusDescription } from './status.ts';
import type { RetryPolicy } from './retry.ts';

export interface GitLabForgeOptions {
  /** Base URL of the GitLab instance, e.g. https://gitlab.example.com. */
  url: string;
  /** Project path, e.g. integrator/fleet-config. */
  project: string;
  token: string;
  /** `private-token` (PRIVATE-TOKEN header: personal, project or group access tokens) or `bearer` (OAuth). */
  auth?: 'private-token' | 'bearer';
  /** Skip GET /user and act as this user name (tokens that cannot read /user). */
  botUsername?: string;
  retry: RetryPolicy;
  timeoutMs: number;
  maxParts?: number;
}

interface GlUser {
  id: number;
  username: string;
}
interface GlNote {
  id: number;
  body: string;
  author: GlUser;
  system: boolean;
}
interface GlMergeRequest {
  iid: number;
  title: string;
  web_url: string;
  author: GlUser;
  state: 'opened' | 'closed' | 'locked' | 'merged';
  draft?: boolean;
  work_in_progress?: boolean;
  source_branch: string;
  target_branch: string;
  sha: string;
  merge_commit_sha: string | null;
  squash_commit_sha?: string | null;
  diff_refs: { base_sha: string; head_sha: string; start_sha: string } | null;
  detailed_merge_status?: string;
  merge_status?: string;
  has_conflicts?: boolean;
  changes_count?: string | null;
}
interface GlApprovals {
  approvals_required?: number;
  approvals_left?: number;
  approved_by?: { user: GlUser }[];
}
interface GlDiff {
  old_path: string;
  new_path: string;
  new_file: boolean;
  renamed_file: boolean;
  deleted_file: boolean;
}
interface GlMember {
  access_level: number;
  state?: string;
}
interface GlIssue {
  iid: number;
  title: string;
  description: string | null;
  state: 'opened' | 'closed';
  web_url: string;
  author: GlUser;
}

const GITLAB_EMOJI: Record<Reaction, string> = { eyes: 'eyes', '+1': 'thumbsup', '-1': 'thumbsdown', rocket: 'rocket', confused: 'confused' };
const GITLAB_STATE = { pending: 'pending', success: 'success', failed: 'failed' } as const;

const user = (u: GlUser): ForgeUser => ({ id: u.id, username: u.username });

/**
 * detailed_merge_status (GitLab 15.6+) onto one scale; `merge_status` (deprecated) as a fallback.
 * https://docs.gitlab.com/api/merge_requests/#merge-status
 */
export function gitlabMergeability(mr: Pick<GlMergeRequest, 'detailed_merge_status' | 'merge_status' | 'has_conflicts'>): Mergeability {
  const detail = mr.detailed_merge_status ?? mr.merge_status ?? 'unchecked';
  if (detail === 'mergeable' || detail === 'can_be_merged') return { state: 'mergeable', detail };
  if (['checking', 'unchecked', 'preparing', 'approvals_syncing', 'cannot_be_merged_recheck'].includes(detail)) return { state: 'checking', detail };
  if (detail === 'conflict' || detail === 'cannot_be_merged' || mr.has_conflicts) return { state: 'conflict', detail };
  return { state: 'blocked', detail };
}

export class GitLabForge implements Forge {
  readonly platform = 'gitlab' as const;
  readonly project: string;
  private readonly api: InstanceType<typeof Gitlab>;
  private readonly webBase: string;
  private readonly maxParts: number;
  private bot: Promise<ForgeUser> | null = null;

  constructor(private readonly opts: GitLabForgeOptions) {
    this.project = opts.project;
    this.webBase = opts.url.replace(/\/+$/, '');
    this.maxParts = opts.maxParts ?? DEFAULT_MAX_PARTS;
    const requesterFn = gitlabRequesterFn({ secrets: [opts.token], retry: opts.retry, timeoutMs: opts.timeoutMs });
    const auth = opts.auth === 'bearer' ? { oauthToken: opts.token } : { token: opts.token };
    // queryTimeout null: gitbeaker would make one signal for a whole paginated listing; the
    // requester times out each attempt instead.
    this.api = new Gitlab({ host: this.webBase, requesterFn, queryTimeout: null, ...auth });
  }

  whoAmI(): Promise<ForgeUser> {
    if (this.opts.botUsername) return Promise.resolve({ id: null, username: this.opts.botUsername });
    this.bot ??= (this.api.Users.showCurrentUser() as Promise<unknown>).then((u) => user(u as GlUser));
    // A failed look-up is not cached: the next call tries again.
    this.bot.catch(() => (this.bot = null));
    return this.bot;
  }

  private noteUrl(mr: number, id: number): string {
    return `${this.webBase}/${this.project}/-/merge_requests/${mr}#note_${id}`;
  }

  private commentPort(): CommentPort {
    const notes = this.api.MergeRequestNotes;
    const ref = (mr: number, n: GlNote): CommentRef => ({ id: n.id, url: this.noteUrl(mr, n.id), author: user(n.author) });
    return {
      list: async (mr) => {
        const all = (await notes.all(this.project, mr, { sort: 'asc', orderBy: 'created_at', perPage: 100 })) as unknown as GlNote[];
        return all.map((n): StoredComment => ({ id: n.id, body: n.body ?? '', author: user(n.author), system: n.system === true, url: this.noteUrl(mr, n.id) }));
      },
      create: async (mr, body) => ref(mr, (await notes.create(this.project, mr, body)) as unknown as GlNote),
      update: async (mr, id, body) => ref(mr, (await notes.edit(this.project, mr, id, { body })) as unknown as GlNote),
      remove: async (mr, id) => {
        await notes.remove(this.project, mr, id);
      },
    };
  }

  async ensureComment(input: EnsureCommentInput): Promise<EnsureCommentResult> {
    return ensureComment(this.commentPort(), await this.whoAmI(), { maxChars: COMMENT_MAX_CHARS.gitlab, maxParts: this.maxParts }, input);
  }

  async findComment(input: { mr: number; topic: string }): Promise<FoundComment | null> {
    return findComment(this.commentPort(), await this.whoAmI(), input.mr, input.topic);
  }

  async ensureCommentRemoved(input: { mr: number; topic: string }): Promise<number> {
    return ensureCommentRemoved(this.commentPort(), await this.whoAmI(), input.mr, input.topic);
  }

  async replyToComment(input: { mr: number; to: CommentRef; body: string }): Promise<CommentRef> {
    if (input.to.discussionId) {
      try {
        const note = (await this.api.MergeRequestDiscussions.addNote(this.project, input.mr, input.to.discussionId, input.body)) as unknown as GlNote;
        return { id: note.id, url: this.noteUrl(input.mr, note.id), author: user(note.author), discussionId: input.to.discussionId };
      } catch (err) {
        // The thread is gone (the command was deleted): answer on the MR instead.
        if (!(err instanceof ForgeError && err.code === 'not-found')) throw err;
      }
    }
    const mention = input.to.author ? `@${input.to.author.username} ` : '';
    const note = (await this.api.MergeRequestNotes.create(this.project, input.mr, `${mention}${input.body}`)) as unknown as GlNote;
    return { id: note.id, url: this.noteUrl(input.mr, note.id), author: user(note.author), discussionId: null };
  }

  async react(input: { mr: number; comment: CommentRef; reaction: Reaction }): Promise<void> {
    try {
      await this.api.MergeRequestNoteAwardEmojis.award(this.project, input.mr, input.comment.id, GITLAB_EMOJI[input.reaction]);
    } catch (err) {
      // GitLab answers an award the user already gave with 404 "... has already been taken".
      if (err instanceof ForgeError && err.code === 'not-found' && /already been taken/.test(err.detail)) return;
      throw err;
    }
  }

  async setStatus(input: SetStatusInput): Promise<void> {
    try {
      await this.api.Commits.editStatus(this.project, input.sha, GITLAB_STATE[input.state], {
        name: input.context,
        description: statusDescription(input.description),
        ...(input.targetUrl ? { targetUrl: input.targetUrl } : {}),
      });
    } catch (err) {
      // Re-posting the state a status already has (pending → pending) is refused with 400
      // "Cannot transition status via :enqueue from :pending": it is already what we want.
      if (err instanceof ForgeError && err.status === 400 && /Cannot transition status via/.test(err.detail)) return;
      throw err;
    }
  }

  async getMergeRequest(mr: number): Promise<MergeRequestInfo> {
    const [raw, approvalsRaw] = await Promise.all([
      this.api.MergeRequests.show(this.project, mr) as Promise<unknown>,
      this.api.MergeRequestApprovals.showConfiguration(this.project, { mergerequestIId: mr }) as Promise<unknown>,
    ]);
    const m = raw as GlMergeRequest;
    const a = approvalsRaw as GlApprovals;
    const approvedBy = (a.approved_by ?? []).map((x) => user(x.user));
    const left = typeof a.approvals_left === 'number' ? a.approvals_left : null;
    return {
      number: m.iid,
      title: m.title,
      url: m.web_url,
      author: user(m.author),
      state: m.state === 'merged' ? 'merged' : m.state === 'closed' ? 'closed' : 'open',
      draft: m.draft ?? m.work_in_progress ?? false,
      sourceBranch: m.source_branch,
      targetBranch: m.target_branch,
      headSha: m.sha,
      targetSha: m.diff_refs?.start_sha ?? '',
      mergeCommitSha: m.merge_commit_sha ?? m.squash_commit_sha ?? null,
      mergeable: gitlabMergeability(m),
      approvals: {
        approvedBy,
        changesRequestedBy: [],
        required: typeof a.approvals_required === 'number' ? a.approvals_required : null,
        left,
        approved: approvedBy.length > 0 && (left ?? 0) === 0,
      },
    };
  }

  async changedFiles(mr: number): Promise<ChangedFiles> {
    const [raw, diffsRaw] = await Promise.all([
      this.api.MergeRequests.show(this.project, mr) as Promise<unknown>,
      this.api.MergeRequests.allDiffs(this.project, mr, { perPage: 100 }) as Promise<unknown>,
    ]);
    const files = (diffsRaw as GlDiff[]).map((d): ChangedFile => {
      if (d.deleted_file) return { path: d.old_path, status: 'removed' };
      if (d.new_file) return { path: d.new_path, status: 'added' };
      if (d.renamed_file) return { path: d.new_path, previousPath: d.old_path, status: 'renamed' };
      return { path: d.new_path, status: 'modified' };
    });
    // changes_count is a string: "3", or "1000+" when GitLab stopped counting.
    const count = (raw as GlMergeRequest).changes_count ?? null;
    const complete = count !== null && /^\d+$/.test(count) && files.length >= Number(count);
    return { files, complete };
  }

  async accessOf(who: ForgeUser): Promise<AccessInfo> {
    let id = who.id;
    if (id === null) {
      const found = (await this.api.Users.all({ username: who.username })) as unknown as GlUser[];
      if (found.length === 0) return noAccess(who, 'unknown user');
      id = (found[0] as GlUser).id;
    }
    try {
      const member = (await this.api.ProjectMembers.show(this.project, id, { includeInherited: true })) as unknown as GlMember;
      if (member.state && member.state !== 'active') return noAccess(who, `member (${member.state})`);
      return gitlabAccess({ id, username: who.username }, member.access_level);
    } catch (err) {
      if (err instanceof ForgeError && err.code === 'not-found') return noAccess({ id, username: who.username }, 'not a member');
      throw err;
    }
  }

  private issuePort(): IssuePort {
    const toStored = (i: GlIssue): StoredIssue => ({
      number: i.iid,
      title: i.title,
      body: i.description ?? '',
      state: i.state === 'opened' ? 'open' : 'closed',
      url: i.web_url,
      author: user(i.author),
    });
    return {
      listByAuthor: async (bot) => {
        const all = (await this.api.Issues.all({ projectId: this.project, authorUsername: bot.username, orderBy: 'created_at', sort: 'desc', perPage: 100 })) as unknown as GlIssue[];
        return all.map(toStored);
      },
      create: async ({ title, body, labels }) => {
        const i = (await this.api.Issues.create(this.project, title, { description: body, ...(labels.length ? { labels: labels.join(',') } : {}) })) as unknown as GlIssue;
        return { number: i.iid, url: i.web_url };
      },
      update: async (number, change) => {
        await this.api.Issues.edit(this.project, number, {
          ...(change.title !== undefined ? { title: change.title } : {}),
          ...(change.body !== undefined ? { description: change.body } : {}),
          ...(change.state ? { stateEvent: change.state === 'closed' ? 'close' : 'reopen' } : {}),
        });
      },
    };
  }

  async ensureIssue(input: EnsureIssueInput): Promise<EnsureIssueResult> {
    return ensureIssue(this.issuePort(), await this.whoAmI(), ISSUE_MAX_CHARS.gitlab, input);
  }

  async openMergeRequest(input: OpenMergeRequestInput): Promise<OpenedMergeRequest> {
    const open = (await this.api.MergeRequests.all({
      projectId: this.project, state: 'opened', sourceBranch: input.sourceBranch, targetBranch: input.targetBranch, perPage: 100,
    })) as unknown as GlMergeRequest[];
    const existing = open.find((m) => m.source_branch === input.sourceBranch && m.target_branch === input.targetBranch);
    if (existing) return { number: existing.iid, url: existing.web_url, created: false };
    // remove_source_branch: the proposal's branch goes once merged; nothing else lives on it.
    const m = (await this.api.MergeRequests.create(this.project, input.sourceBranch, input.targetBranch, input.title, {
      description: input.description,
      removeSourceBranch: true,
    })) as unknown as GlMergeRequest;
    return { number: m.iid, url: m.web_url, created: true };
  }
}

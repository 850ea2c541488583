/**
 * The Forge interface: everything odoops asks of GitLab or GitHub, in platform-neutral
 * terms (after Renovate's lib/modules/platform: one interface, one implementation per
 * platform). "MR" means a GitLab merge request or a GitHub pull request; its `number` is the
 * GitLab iid or the GitHub number. Every call is scoped to the one project of the config
 * repo (fleet.yaml `operator.forge.project`). What each call does on each platform, the
 * endpoints and the rate-limit handling are in README.md next to this file.
 */

export type ForgePlatform = 'gitlab' | 'github';

/** A user as the forge knows it. `id` is null only when odoops was told a user name only. */
export interface ForgeUser {
  id: number | null;
  username: string;
}

/** A comment on an MR, as returned by comment calls and carried by comment-command events. */
export interface CommentRef {
  id: number;
  /** GitLab discussion (thread) of the note, when known: replies go into that thread. */
  discussionId?: string | null;
  url?: string | null;
  author?: ForgeUser;
}

/** Topics name odoops' sticky comments and issues: `plan`, `apply`, `drift`, `plan:acme`. */
export type Topic = string;

export interface EnsureCommentInput {
  mr: number;
  topic: Topic;
  body: string;
}

export interface EnsureCommentResult {
  /** `unchanged`: every part already had this exact text (nothing was sent). */
  action: 'created' | 'updated' | 'unchanged';
  /** The comments that now carry the topic, in reading order (one unless the body was split). */
  comments: CommentRef[];
  /** Duplicates and parts no longer needed that were deleted. */
  deleted: number;
  /** Characters of the body that did not fit even in the maximum number of parts. */
  trimmedChars: number;
}

export interface FoundComment {
  parts: (CommentRef & { text: string })[];
}

/** Commit status contexts odoops writes: `odoops/plan`, `odoops/apply` (or a more specific one). */
export type StatusContext = `odoops/${string}`;
export type StatusState = 'pending' | 'success' | 'failed';

export interface SetStatusInput {
  sha: string;
  context: StatusContext;
  state: StatusState;
  /** One line; trimmed to STATUS_DESCRIPTION_MAX characters (GitHub's limit) on both platforms. */
  description: string;
  targetUrl?: string;
}

export type ChangedFileStatus = 'added' | 'modified' | 'removed' | 'renamed';

export interface ChangedFile {
  path: string;
  /** The path before a rename. */
  previousPath?: string;
  status: ChangedFileStatus;
}

export interface ChangedFiles {
  files: ChangedFile[];
  /**
   * False when the forge says the MR changes more files than it lists (GitHub lists at most
   * 3,000; GitLab reports "1000+" changes on huge MRs): use git for the full list then.
   */
  complete: boolean;
}

export type MergeRequestState = 'open' | 'closed' | 'merged';

/**
 * Whether the forge would merge the MR now, approvals aside where the platform says so.
 * `checking`: the platform is still computing it (GitLab `checking`/`unchecked`, GitHub
 * `mergeable: null`); ask again later. `blocked`: branch protection, failed checks, a draft,
 * a branch behind its target, or (GitLab `not_approved`) missing approvals; `detail` is the
 * platform's own word (GitLab `detailed_merge_status`, GitHub `mergeable_state`).
 */
export interface Mergeability {
  state: 'mergeable' | 'blocked' | 'conflict' | 'checking';
  detail: string;
}

export interface Approvals {
  /** Users whose latest review approves the MR. */
  approvedBy: ForgeUser[];
  /** Users whose latest review requests changes (GitHub only; GitLab has no such review). */
  changesRequestedBy: ForgeUser[];
  /** Approvals the project's rules require (GitLab), null when the platform does not say (GitHub). */
  required: number | null;
  /** Approvals still missing under those rules (GitLab), null when unknown. */
  left: number | null;
  /**
   * At least one person approved, no rule asks for more and nobody requests changes. A
   * GitLab MR with no approval rule is NOT approved until someone approves it (GitLab itself
   * reports `approved: true` there; Atlantis users were bitten by that).
   */
  approved: boolean;
}

export interface MergeRequestInfo {
  number: number;
  title: string;
  url: string;
  author: ForgeUser;
  state: MergeRequestState;
  draft: boolean;
  sourceBranch: string;
  targetBranch: string;
  /** Head commit of the source branch as the forge sees it now. */
  headSha: string;
  /** Target-branch commit the forge compares against (GitLab diff_refs.start_sha, GitHub base.sha). */
  targetSha: string;
  /** Merge (or squash) commit once merged, else null. */
  mergeCommitSha: string | null;
  mergeable: Mergeability;
  approvals: Approvals;
}

/** Access on the config repo, on one scale for both platforms. */
export type AccessLevel = 'none' | 'read' | 'write' | 'maintain' | 'admin';

export interface AccessInfo {
  user: ForgeUser;
  level: AccessLevel;
  /** The platform's own words, for replies: "Maintainer (40)", "write (role maintain)". */
  platformLevel: string;
  /**
   * May run `odoops apply` from a comment: GitLab Maintainer (40) or more; GitHub write,
   * maintain or admin. The rule lives in access.ts.
   */
  mayApply: boolean;
}

export type Reaction = 'eyes' | '+1' | '-1' | 'rocket' | 'confused';

export interface EnsureIssueInput {
  topic: Topic;
  title: string;
  body: string;
  /** true: the issue must be open with this title and body; false: close it if open. */
  open: boolean;
  /** Labels set when the issue is created (left alone afterwards). */
  labels?: string[];
}

/**
 * What ensureIssue did. Only `opened`, `reopened` and `closed` are transitions people get
 * notified of by the platform; `updated` edits the text in place, which notifies nobody.
 */
export type IssueTransition = 'opened' | 'reopened' | 'closed' | 'updated' | 'unchanged' | 'none';

export interface EnsureIssueResult {
  transition: IssueTransition;
  issue: { number: number; url: string } | null;
  /** Duplicate open issues of the topic that were closed. */
  closedDuplicates: number;
}

/** A merge request odoops proposes (e.g. the config change of a reinstall), its branch already pushed. */
export interface OpenMergeRequestInput {
  sourceBranch: string;
  targetBranch: string;
  title: string;
  description: string;
}

export interface OpenedMergeRequest {
  number: number;
  url: string;
  /** false: an open MR from this source branch to this target was already there (returned as is). */
  created: boolean;
}

export interface Forge {
  readonly platform: ForgePlatform;
  /** Project path of the config repo, e.g. integrator/fleet-config. */
  readonly project: string;

  /** The bot user odoops acts as (cached after the first call). */
  whoAmI(): Promise<ForgeUser>;

  /**
   * One comment per (MR, topic), edited in place: found by its hidden marker AND authored by
   * the bot (never a system note, never someone else's comment even if it copies the
   * marker); duplicates deleted; bodies over the platform limit split into numbered parts.
   */
  ensureComment(input: EnsureCommentInput): Promise<EnsureCommentResult>;
  /**
   * odoops' comment of a topic as it stands: each part's text without its marker line, in
   * order (part 1 holds the start of the body, so a line put first can be read back), or null.
   */
  findComment(input: { mr: number; topic: Topic }): Promise<FoundComment | null>;
  /** Deletes odoops' comments of that topic on the MR; returns how many were deleted. */
  ensureCommentRemoved(input: { mr: number; topic: Topic }): Promise<number>;
  /** A reply to a comment (a command): in its thread on GitLab, a quoting comment on GitHub. */
  replyToComment(input: { mr: number; to: CommentRef; body: string }): Promise<CommentRef>;
  /** An emoji on a comment, e.g. `eyes` to acknowledge a command. Idempotent. */
  react(input: { mr: number; comment: CommentRef; reaction: Reaction }): Promise<void>;

  setStatus(input: SetStatusInput): Promise<void>;
  getMergeRequest(mr: number): Promise<MergeRequestInfo>;
  changedFiles(mr: number): Promise<ChangedFiles>;
  /** Access of a user on the config repo (for comment commands). */
  accessOf(user: ForgeUser): Promise<AccessInfo>;

  /** One issue per topic (the drift report), opened, edited in place, closed and reopened. */
  ensureIssue(input: EnsureIssueInput): Promise<EnsureIssueResult>;

  /**
   * Opens an MR (GitLab merge request, GitHub pull request) from a pushed branch, or returns
   * the open one from that branch to that target: asking twice opens one.
   */
  openMergeRequest(input: OpenMergeRequestInput): Promise<OpenedMergeRequest>;
}

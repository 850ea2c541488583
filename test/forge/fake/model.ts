/**
 * The state behind the fake forge: one config-repo project with users and their access,
 * merge requests (files, head, approvals, mergeability), comments (with GitLab system notes),
 * issues, commit statuses and emoji reactions. Both platform front-ends (gitlab.ts,
 * github.ts) serve this same state, so one test body can run against either.
 */

/** Access on one scale; each front-end maps it to the platform's own (see gitlabAccessOf, githubPermissionOf). */
export type Role = 'none' | 'read' | 'triage' | 'write' | 'maintain' | 'admin';

export interface FakeUser {
  id: number;
  username: string;
  name: string;
  /** The API token of this user, or null for users who only appear as authors. */
  token: string | null;
  role: Role;
  /** Overrides the role's GitLab access level (e.g. 15 Planner). */
  gitlabAccess?: number;
  /** Overrides the role's GitHub permission / role_name. */
  githubPermission?: { permission: string; roleName: string };
}

export type FakeFileStatus = 'added' | 'modified' | 'removed' | 'renamed';

export interface FakeFile {
  path: string;
  status: FakeFileStatus;
  previousPath?: string;
}

export type FakeMergeable = 'mergeable' | 'conflict' | 'checking' | 'blocked' | 'not_approved';

export interface FakeMr {
  number: number;
  title: string;
  authorId: number;
  state: 'open' | 'closed' | 'merged';
  draft: boolean;
  sourceBranch: string;
  targetBranch: string;
  headSha: string;
  targetSha: string;
  mergeCommitSha: string | null;
  files: FakeFile[];
  /** True count of changed files when it differs from `files` (GitHub's 3,000 cap, GitLab "1000+"). */
  changedFilesCount?: number;
  mergeable: FakeMergeable;
  /** Reviews in order; the latest deciding one of each user counts (GitLab: approvals). */
  reviews: { userId: number; state: 'APPROVED' | 'CHANGES_REQUESTED' | 'COMMENTED' | 'DISMISSED' }[];
  /** GitLab approval rules: approvals required (0 on GitLab Free without rules). */
  approvalsRequired: number;
  createdAt: string;
  /** Set for MRs opened through the API. */
  description?: string;
}

export interface FakeAward {
  id: number;
  name: string;
  userId: number;
}

export interface FakeComment {
  id: number;
  mr: number;
  authorId: number;
  body: string;
  system: boolean;
  discussionId: string;
  createdAt: string;
  updatedAt: string;
  awards: FakeAward[];
}

export interface FakeIssue {
  number: number;
  title: string;
  body: string;
  state: 'open' | 'closed';
  authorId: number;
  labels: string[];
  createdAt: string;
  updatedAt: string;
}

export interface FakeStatus {
  id: number;
  sha: string;
  context: string;
  /** The platform's own word: GitLab pending/running/success/failed/canceled, GitHub pending/success/failure/error. */
  state: string;
  description: string | null;
  targetUrl: string | null;
  creatorId: number;
  createdAt: string;
}

export interface RecordedCall {
  method: string;
  /** Path without the query, e.g. /api/v4/projects/integrator%2Ffleet-config/merge_requests/1/notes */
  path: string;
  query: Record<string, string>;
  /** User the credentials belonged to (null: none or unknown). */
  user: string | null;
  /** How the token was sent: private-token, bearer, token (GitHub `token X`), or null. */
  authScheme: string | null;
  body: unknown;
  status: number;
}

export interface Fault {
  method?: string;
  /** Matched against the path (string: substring). */
  path?: RegExp | string;
  /** HTTP status to answer (default 503 unless `network`). */
  status?: number;
  /** Retry-After in seconds. */
  retryAfter?: number;
  headers?: Record<string, string>;
  body?: unknown;
  /** Destroy the connection without an answer. */
  network?: boolean;
  /** How many matching calls fail (default 1). */
  times?: number;
}

export class FakeState {
  readonly users: FakeUser[] = [];
  readonly mrs: FakeMr[] = [];
  readonly comments: FakeComment[] = [];
  readonly issues: FakeIssue[] = [];
  readonly statuses: FakeStatus[] = [];
  readonly calls: RecordedCall[] = [];
  readonly faults: (Fault & { left: number })[] = [];
  /** Commits the platform knows (statuses on others are refused). */
  readonly commits = new Set<string>();
  /**
   * The head commit of a branch of the project's repository, or null when it has none. Tests
   * that push to a real git repository point this at it (FakeForge.useRepository); opening an
   * MR from a branch the repository lacks is refused as the platforms refuse it.
   */
  branchHead: (branch: string) => string | null = () => null;
  private nextId = 1000;
  private nextUserId = 1;
  private clock = Date.UTC(2025, 0, 6, 9, 0, 0);
  /** GitHub numbers issues and pull requests in one sequence; GitLab has one per kind. */
  private nextNumber = { mr: 1, issue: 1 };

  constructor(readonly sharedNumbering: boolean) {}

  id(): number {
    return this.nextId++;
  }

  now(): string {
    this.clock += 1000;
    return new Date(this.clock).toISOString();
  }

  number(kind: 'mr' | 'issue'): number {
    if (this.sharedNumbering) {
      const n = Math.max(this.nextNumber.mr, this.nextNumber.issue);
      this.nextNumber = { mr: n + 1, issue: n + 1 };
      return n;
    }
    return this.nextNumber[kind]++;
  }

  addUser(username: string, opts: { token?: string | null; role?: Role; name?: string } = {}): FakeUser {
    if (this.users.some((u) => u.username === username)) throw new Error(`fake forge: user ${username} exists`);
    const user: FakeUser = { id: this.nextUserId++, username, name: opts.name ?? username, token: opts.token ?? null, role: opts.role ?? 'none' };
    this.users.push(user);
    return user;
  }

  user(ref: string | number | FakeUser): FakeUser {
    const u = typeof ref === 'object' ? ref : this.users.find((x) => (typeof ref === 'number' ? x.id === ref : x.username === ref));
    if (!u) throw new Error(`fake forge: no user ${typeof ref === 'object' ? ref.username : ref}`);
    return u;
  }

  userByToken(token: string): FakeUser | undefined {
    return this.users.find((u) => u.token !== null && u.token === token);
  }

  mr(number: number): FakeMr | undefined {
    return this.mrs.find((m) => m.number === number);
  }

  takeFault(method: string, path: string): Fault | null {
    const i = this.faults.findIndex(
      (f) => (!f.method || f.method.toUpperCase() === method) && (!f.path || (typeof f.path === 'string' ? path.includes(f.path) : f.path.test(path))),
    );
    if (i < 0) return null;
    const f = this.faults[i] as Fault & { left: number };
    f.left--;
    if (f.left <= 0) this.faults.splice(i, 1);
    return f;
  }
}

/** Users whose latest deciding review is `state`. */
export function latestReviews(mr: FakeMr, state: 'APPROVED' | 'CHANGES_REQUESTED'): number[] {
  const latest = new Map<number, string>();
  for (const r of mr.reviews) if (r.state !== 'COMMENTED') latest.set(r.userId, r.state);
  return [...latest].filter(([, s]) => s === state).map(([id]) => id);
}

/** GitLab access level of a role (members API). */
export function gitlabAccessOf(u: FakeUser): number {
  if (u.gitlabAccess !== undefined) return u.gitlabAccess;
  return { none: 0, read: 20, triage: 20, write: 30, maintain: 40, admin: 50 }[u.role];
}

/** GitHub permission and role_name of a role (collaborators permission API). */
export function githubPermissionOf(u: FakeUser): { permission: string; roleName: string } {
  if (u.githubPermission) return u.githubPermission;
  return {
    none: { permission: 'none', roleName: 'none' },
    read: { permission: 'read', roleName: 'read' },
    triage: { permission: 'read', roleName: 'triage' },
    write: { permission: 'write', roleName: 'write' },
    maintain: { permission: 'write', roleName: 'maintain' },
    admin: { permission: 'admin', roleName: 'admin' },
  }[u.role];
}

/** Characters as the platforms count them (Ruby String#length: code points). */
export function charCount(s: string): number {
  let n = 0;
  for (const _ of s) n++;
  return n;
}

/** Opens an MR through the API (both front-ends): the caller has checked the branches exist. */
export function openMr(state: FakeState, input: { author: FakeUser; source: string; target: string; title: string; description: string; head: string; targetHead: string }): FakeMr {
  state.commits.add(input.head);
  state.commits.add(input.targetHead);
  const mr: FakeMr = {
    number: state.number('mr'),
    title: input.title,
    authorId: input.author.id,
    state: 'open',
    draft: false,
    sourceBranch: input.source,
    targetBranch: input.target,
    headSha: input.head,
    targetSha: input.targetHead,
    mergeCommitSha: null,
    files: [],
    mergeable: 'checking',
    reviews: [],
    approvalsRequired: 0,
    createdAt: state.now(),
    description: input.description,
  };
  state.mrs.push(mr);
  return mr;
}

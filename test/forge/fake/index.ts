/**
 * A fake GitLab or GitHub for tests: a real HTTP server on 127.0.0.1 (random port) speaking
 * the REST endpoints odoops' Forge implementations call, with the platforms' payload shapes,
 * auth headers, pagination, comment limits and error bodies. Tests seed it (users, MRs with
 * files and commits, foreign comments, access levels), inject faults (5xx, 429 with
 * Retry-After, dropped connections) and read back what was called and what it now holds.
 *
 *   const fake = await startFakeForge({ platform: 'gitlab' });
 *   const mr = fake.seedMergeRequest({ files: [{ path: 'clients/acme.yaml', status: 'modified' }] });
 *   // createForge({ kind: 'gitlab', url: fake.url, project: fake.project, token: 'env:T' }, { secrets: { env: { T: fake.botToken } } })
 *   fake.comments(mr.number); fake.calls; fake.failNext({ status: 503 });
 *   await fake.close();
 *
 * See test/forge/README.md for the endpoints and what each enforces.
 */
import { execFileSync } from 'node:child_process';
import type { ForgePlatform } from '../../../operator/forge/types.ts';
import { githubFrontend } from './github.ts';
import { discussionFor, gitlabFrontend } from './gitlab.ts';
import { FakeState, type Fault, type FakeComment, type FakeFile, type FakeMergeable, type FakeMr, type FakeUser, type RecordedCall, type Role } from './model.ts';
import { serve } from './server.ts';

export type { Fault, FakeComment, FakeFile, FakeIssue, FakeMr, FakeStatus, FakeUser, RecordedCall, Role } from './model.ts';

export interface FakeForgeOptions {
  platform: ForgePlatform;
  /** Default integrator/fleet-config. */
  project?: string;
  /** Cap of per_page (GitLab and GitHub: 100). Lower it to exercise pagination with few items. */
  perPageMax?: number;
  botUsername?: string;
}

export interface SeedMergeRequest {
  title?: string;
  author?: FakeUser | string;
  sourceBranch?: string;
  targetBranch?: string;
  headSha?: string;
  targetSha?: string;
  files?: FakeFile[];
  changedFilesCount?: number;
  draft?: boolean;
  mergeable?: FakeMergeable;
  approvalsRequired?: number;
}

let shaSeq = 0;
/** A fresh 40-hex commit id. */
export function fakeSha(): string {
  shaSeq++;
  return `${shaSeq.toString(16).padStart(8, '0')}${'c0ffee'.repeat(6)}ab`.slice(0, 40);
}

export class FakeForge {
  readonly state: FakeState;
  readonly bot: FakeUser;
  readonly botToken: string;
  /** The URL to configure the Forge with: GitLab's host, GitHub's API root (…/api/v3). */
  url = '';
  origin = '';
  private closeServer: (() => Promise<void>) | null = null;

  constructor(
    readonly platform: ForgePlatform,
    readonly project: string,
    botUsername: string,
  ) {
    this.state = new FakeState(platform === 'github');
    this.botToken = `${platform}-bot-token-${Math.random().toString(36).slice(2, 10)}`;
    this.bot = this.state.addUser(botUsername, { token: this.botToken, role: 'maintain' });
  }

  async start(perPageMax: number): Promise<this> {
    const frontend = this.platform === 'gitlab' ? gitlabFrontend(this.state, this.project, perPageMax) : githubFrontend(this.state, this.project, perPageMax);
    const running = await serve(this.state, frontend);
    this.origin = running.origin;
    this.url = this.platform === 'gitlab' ? running.origin : `${running.origin}/api/v3`;
    this.closeServer = running.close;
    return this;
  }

  close(): Promise<void> {
    return this.closeServer ? this.closeServer() : Promise.resolve();
  }

  addUser(username: string, opts: { role?: Role; token?: string } = {}): FakeUser {
    return this.state.addUser(username, { role: opts.role ?? 'none', token: opts.token ?? null });
  }

  setRole(user: FakeUser | string, role: Role): void {
    const u = this.state.user(user);
    u.role = role;
    delete u.gitlabAccess;
    delete u.githubPermission;
  }

  /** A raw GitLab access level (e.g. 15 Planner), overriding the role. */
  setGitlabAccess(user: FakeUser | string, level: number): void {
    this.state.user(user).gitlabAccess = level;
  }

  /** A raw GitHub permission and role name (e.g. write + a custom role), overriding the role. */
  setGithubPermission(user: FakeUser | string, permission: string, roleName: string): void {
    this.state.user(user).githubPermission = { permission, roleName };
  }

  /**
   * Branches are those of this real git repository (a bare one the test pushes to): opening an
   * MR reads the source and target heads from it, and refuses a branch it lacks.
   */
  useRepository(gitDir: string): void {
    this.state.branchHead = (branch) => {
      try {
        return execFileSync('git', ['--git-dir', gitDir, 'rev-parse', '--verify', '--quiet', `refs/heads/${branch}^{commit}`], { encoding: 'utf8' }).trim() || null;
      } catch {
        return null;
      }
    };
  }

  /** MRs opened through the API or seeded, in number order. */
  get mergeRequests(): FakeMr[] {
    return [...this.state.mrs].sort((a, b) => a.number - b.number);
  }

  /** Registers a commit the platform knows (statuses can be set on it). */
  commit(sha = fakeSha()): string {
    this.state.commits.add(sha);
    return sha;
  }

  seedMergeRequest(seed: SeedMergeRequest = {}): FakeMr {
    const author = seed.author ? this.state.user(seed.author) : this.state.users.find((u) => u.username === 'dev') ?? this.addUser('dev', { role: 'write' });
    const mr: FakeMr = {
      number: this.state.number('mr'),
      title: seed.title ?? 'Update clients',
      authorId: author.id,
      state: 'open',
      draft: seed.draft ?? false,
      sourceBranch: seed.sourceBranch ?? `change-${this.state.mrs.length + 1}`,
      targetBranch: seed.targetBranch ?? 'main',
      headSha: this.commit(seed.headSha),
      targetSha: this.commit(seed.targetSha),
      mergeCommitSha: null,
      files: seed.files ?? [{ path: 'clients/acme.yaml', status: 'modified' }],
      ...(seed.changedFilesCount !== undefined ? { changedFilesCount: seed.changedFilesCount } : {}),
      mergeable: seed.mergeable ?? 'mergeable',
      reviews: [],
      approvalsRequired: seed.approvalsRequired ?? 0,
      createdAt: this.state.now(),
    };
    this.state.mrs.push(mr);
    return mr;
  }

  private mr(number: number): FakeMr {
    const mr = this.state.mr(number);
    if (!mr) throw new Error(`fake forge: no MR ${number}`);
    return mr;
  }

  /** New commits on the source branch; returns the new head. */
  pushCommits(number: number, headSha = fakeSha()): string {
    this.mr(number).headSha = this.commit(headSha);
    return headSha;
  }

  merge(number: number, mergeCommitSha = fakeSha()): string {
    const mr = this.mr(number);
    mr.state = 'merged';
    mr.mergeCommitSha = this.commit(mergeCommitSha);
    return mergeCommitSha;
  }

  review(number: number, user: FakeUser | string, state: FakeMr['reviews'][number]['state']): void {
    this.mr(number).reviews.push({ userId: this.state.user(user).id, state });
  }

  setMergeable(number: number, mergeable: FakeMergeable): void {
    this.mr(number).mergeable = mergeable;
  }

  /** A comment by someone else (or by anyone: `author`), as if posted in the web UI. */
  addComment(number: number, author: FakeUser | string, body: string): FakeComment {
    this.mr(number);
    const now = this.state.now();
    const id = this.state.id();
    const c: FakeComment = { id, mr: number, authorId: this.state.user(author).id, body, system: false, discussionId: discussionFor(id), createdAt: now, updatedAt: now, awards: [] };
    this.state.comments.push(c);
    return c;
  }

  /** A GitLab system note ("added 1 commit"), authored by `author` (default: the bot). GitHub has none. */
  addSystemNote(number: number, body: string, author: FakeUser | string = this.bot): FakeComment {
    if (this.platform !== 'gitlab') throw new Error('fake forge: system notes exist on GitLab only');
    const c = this.addComment(number, author, body);
    c.system = true;
    return c;
  }

  /** Comments of an MR in creation order, system notes included. */
  comments(number: number): FakeComment[] {
    return this.state.comments.filter((c) => c.mr === number).sort((a, b) => a.id - b.id);
  }

  statuses(sha?: string) {
    return this.state.statuses.filter((s) => !sha || s.sha === sha);
  }

  get issues() {
    return this.state.issues;
  }

  get calls(): RecordedCall[] {
    return this.state.calls;
  }

  clearCalls(): void {
    this.state.calls.length = 0;
  }

  /** Recorded calls with this method whose path matches. */
  callsTo(method: string, path: RegExp): RecordedCall[] {
    return this.state.calls.filter((c) => c.method === method && path.test(c.path));
  }

  /** The next matching call(s) fail as described (default: one 503). */
  failNext(fault: Fault = {}): void {
    this.state.faults.push({ ...fault, left: fault.times ?? 1 });
  }
}

export async function startFakeForge(opts: FakeForgeOptions): Promise<FakeForge> {
  const fake = new FakeForge(opts.platform, opts.project ?? 'integrator/fleet-config', opts.botUsername ?? 'odoops-bot');
  return fake.start(opts.perPageMax ?? 100);
}

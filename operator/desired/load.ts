/**
 * Public entry points of desired state: load (resolved, validated), validate (issues only),
 * touched clients between two revisions (touched.ts).
 */
import { analyzeFiles } from './analyze.ts';
import { errorsOf, ValidationFailed, warningsOf } from './issues.ts';
import { openRepo, readConfigFiles, resolveSource } from './repo.ts';
import { sourceRevision, type ConfigSource, type WorktreePolicy } from './source.ts';
import type { DesiredState, ValidationIssue } from './types.ts';

export { touchedClients } from './touched.ts';

export interface RepoOptions {
  /** Local path (work tree, sub-folder of one, or bare repo) or git URL. Default: cwd. */
  repo?: string;
  /** Branch, tag, SHA (full or abbreviated), HEAD. Default: see `worktree`; HEAD (the remote's default branch for a URL). */
  rev?: string;
  /**
   * Without `rev`, for a local repo with a work tree: `head` (default: what a daemon or any
   * program should follow) reads HEAD whatever the working tree holds; `read` reads the
   * working tree when its config files differ from HEAD or there is no commit yet (validate,
   * show, plan, drift from the command line); `commit` refuses such a working tree (apply:
   * only commits are applied).
   */
  worktree?: WorktreePolicy;
  /** The instant window openings are computed from (default: now); fixed in tests. */
  at?: Date;
}

export { canonical } from './canonical.ts';

/** The resolved desired state; throws ValidationFailed when the repo has errors (warnings are returned). */
export async function loadDesiredState(opts: RepoOptions = {}): Promise<DesiredState> {
  const repo = await openRepo(opts.repo, { commits: opts.rev ? [opts.rev] : [] });
  const source = await resolveSource(repo, opts.rev, opts.worktree);
  const a = analyzeFiles(await readConfigFiles(repo, source), { at: opts.at });
  const errors = errorsOf(a.issues);
  if (errors.length > 0 || !a.fleet) throw new ValidationFailed(errors);
  return { revision: sourceRevision(source), source, repoPath: repo.repoPath, fleet: a.fleet, clients: a.clients, warnings: warningsOf(a.issues) };
}

export interface Validation {
  /** As in DesiredState.revision. */
  revision: string;
  source: ConfigSource;
  /** Errors and warnings, sorted by file and position. */
  issues: ValidationIssue[];
  /** Number of client files. */
  clients: number;
  /** No errors (warnings allowed). */
  valid: boolean;
}

/** Every problem of the config repo at a revision (or in the working tree). */
export async function validateRepo(opts: RepoOptions = {}): Promise<Validation> {
  const repo = await openRepo(opts.repo);
  const source = await resolveSource(repo, opts.rev, opts.worktree);
  const a = analyzeFiles(await readConfigFiles(repo, source), { at: opts.at });
  return { revision: sourceRevision(source), source, issues: a.issues, clients: a.clientFiles, valid: errorsOf(a.issues).length === 0 };
}

/**
 * Where desired state is read from: a git commit, or (for a local repo read without --rev)
 * the working tree when it differs from HEAD or has no commit yet — what a user who just
 * edited a file expects `validate`, `show` and `plan` to check. Only a commit can be applied:
 * the revision apply records on each server must name something others can check out.
 */
import { OdoopsError } from '../util/errors.ts';

export type ConfigSource =
  | { kind: 'commit'; commit: string }
  | {
      kind: 'worktree';
      /** Root of the work tree. */
      dir: string;
      /** HEAD commit the edits sit on, or null before the first commit. */
      base: string | null;
      /** Config files (relative to the config folder) that differ from HEAD, sorted. */
      modified: string[];
    };

/**
 * What to read when no --rev is given for a local repo with a work tree:
 * - `head` (the default): HEAD, whatever the working tree holds (odoops serve, programs);
 * - `read`: the working tree when it differs from HEAD (or there is no commit yet), else HEAD
 *   (validate, show, plan and drift on the command line);
 * - `commit`: HEAD, refusing a working tree with uncommitted config changes (apply).
 */
export type WorktreePolicy = 'read' | 'commit' | 'head';

/** The revision as reports show it: the commit, `<commit>+dirty`, or `worktree` before the first commit. */
export function sourceRevision(s: ConfigSource): string {
  if (s.kind === 'commit') return s.commit;
  return s.base ? `${s.base.slice(0, 12)}+dirty` : 'worktree';
}

/** The commit read, or null for a working tree. */
export function sourceCommit(s: ConfigSource): string | null {
  return s.kind === 'commit' ? s.commit : null;
}

function files(n: number): string {
  return `${n} file${n === 1 ? '' : 's'}`;
}

/** One phrase for humans: "commit 0123456789ab", "working tree, 2 files modified since 0123456789ab". */
export function describeSource(s: ConfigSource): string {
  if (s.kind === 'commit') return `commit ${s.commit.slice(0, 12)}`;
  if (!s.base) return 'working tree, no commit yet';
  return `working tree, ${files(s.modified.length)} modified since ${s.base.slice(0, 12)}`;
}

/** Thrown for apply on a working tree with uncommitted config changes. */
export function uncommittedError(label: string, s: Extract<ConfigSource, { kind: 'worktree' }>): OdoopsError {
  const list = s.modified.slice(0, 5).join(', ') + (s.modified.length > 5 ? ', ...' : '');
  if (!s.base) return new OdoopsError(`config repo ${label} has no commits yet: apply records the revision it applied on each server, so commit the config first`);
  return new OdoopsError(
    `config repo ${label} has uncommitted changes (${files(s.modified.length)}: ${list}): apply records the revision it applied on each server, ` +
      `so it applies commits only; commit the changes, or pass --rev HEAD to apply the last commit`,
  );
}

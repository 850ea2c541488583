/**
 * Proposing a config change as a merge request (issue 8 item 5: after a reinstall, the new
 * host and host key): one commit on a new branch, built from the commit the change was read
 * at without touching any work tree or index (git hash-object, mktree, commit-tree), pushed
 * to the config repo's remote with the user's own git credentials, then an MR opened
 * through the Forge. Without a forge the caller prints the patch instead.
 *
 * The commit's author and committer are "odoops <odoops@localhost>": the change is the
 * operator's proposal, reviewed through the MR like any other.
 */
import type { ConfigRepo } from '../desired/repo.ts';
import { redact as redactUrl } from '../desired/repo.ts';
import { runGit } from '../desired/gitcli.ts';
import type { Forge, OpenedMergeRequest } from '../forge/types.ts';
import { OdoopsError } from '../util/errors.ts';

export const PROPOSAL_IDENTITY = { name: 'odoops', email: 'odoops@localhost' } as const;

export interface ConfigChange {
  /** Commit the change is made on (the revision the config was read at). */
  base: string;
  /** Path relative to the config root, e.g. clients/acme.yaml (the repo's prefix is added). */
  path: string;
  content: string;
  /** New branch name (refused if it exists on the remote: pushes never force). */
  branch: string;
  message: string;
}

export interface ProposeOptions {
  /** Remote of the config repo to push to (default origin; for a repo opened from a URL, that URL). */
  remote?: string;
  /** Target branch of the MR (default: the remote's default branch, HEAD). */
  targetBranch?: string;
  title: string;
  description: string;
}

export interface Proposal {
  branch: string;
  commit: string;
  targetBranch: string;
  /** The remote pushed to, credentials removed. */
  remote: string;
  mr: OpenedMergeRequest;
}

export class ProposalError extends OdoopsError {
  constructor(readonly code: 'no-remote' | 'commit-failed' | 'push-failed' | 'no-target' | 'mr-failed', message: string, readonly pushed: { branch: string; commit: string } | null = null) {
    super(message);
    this.name = 'ProposalError';
  }
}

const git = (repo: ConfigRepo, args: string[], what: string, input?: string) =>
  runGit(['--git-dir', repo.gitdir, ...args], { what, ...(input !== undefined ? { input } : {}) }).then((b) => b.toString('utf8'));

/** Tree `tree` with `segments` (a path) pointing at `blob`: each level re-made with mktree. */
async function replaceInTree(repo: ConfigRepo, tree: string, segments: string[], blob: string): Promise<string> {
  const [name, ...rest] = segments as [string, ...string[]];
  const listing = await git(repo, ['ls-tree', '-z', '--full-tree', tree], `cannot read tree ${tree.slice(0, 12)}`);
  const entries = listing.split('\0').filter(Boolean).map((line) => {
    const tab = line.indexOf('\t');
    const [mode, type, oid] = line.slice(0, tab).split(' ') as [string, string, string];
    return { mode, type, oid, name: line.slice(tab + 1) };
  });
  const existing = entries.find((e) => e.name === name);
  let entry: { mode: string; type: string; oid: string; name: string };
  if (rest.length === 0) {
    entry = { mode: existing?.type === 'blob' ? existing.mode : '100644', type: 'blob', oid: blob, name };
  } else {
    const sub = existing?.type === 'tree' ? existing.oid : await git(repo, ['mktree', '-z'], 'cannot make an empty tree', '').then((s) => s.trim());
    entry = { mode: '040000', type: 'tree', oid: await replaceInTree(repo, sub, rest, blob), name };
  }
  const next = [...entries.filter((e) => e.name !== name), entry];
  const input = next.map((e) => `${e.mode} ${e.type} ${e.oid}\t${e.name}\0`).join('');
  return (await git(repo, ['mktree', '-z'], 'cannot write the new tree', input)).trim();
}

/** The commit of `change` on its base, in the repo's object database (no ref is moved). */
export async function commitChange(repo: ConfigRepo, change: ConfigChange): Promise<string> {
  try {
    const blob = (await git(repo, ['hash-object', '-w', '--stdin'], 'cannot store the changed file', change.content)).trim();
    const baseTree = (await git(repo, ['rev-parse', '--verify', `${change.base}^{tree}`], `cannot read commit ${change.base.slice(0, 12)}`)).trim();
    const full = repo.prefix ? `${repo.prefix}/${change.path}` : change.path;
    const tree = await replaceInTree(repo, baseTree, full.split('/'), blob);
    const identity = ['-c', `user.name=${PROPOSAL_IDENTITY.name}`, '-c', `user.email=${PROPOSAL_IDENTITY.email}`];
    return (await runGit([...identity, '--git-dir', repo.gitdir, 'commit-tree', tree, '-p', change.base, '-F', '-'], { what: 'cannot commit the change', input: change.message }))
      .toString('utf8')
      .trim();
  } catch (err) {
    if (err instanceof OdoopsError) throw new ProposalError('commit-failed', err.message);
    throw err;
  }
}

/** Where to push: the URL of `remote` (a mirror's remote refuses refspecs, its URL does not). */
async function remoteUrl(repo: ConfigRepo, remote: string): Promise<string> {
  try {
    return (await git(repo, ['remote', 'get-url', '--', remote], `config repo ${repo.label} has no remote "${remote}"`)).trim();
  } catch (err) {
    throw new ProposalError('no-remote', `${(err as Error).message}: a merge request needs the change pushed (configure the remote, or pass --patch to print it)`);
  }
}

async function defaultBranch(repo: ConfigRepo, url: string): Promise<string> {
  const out = await git(repo, ['ls-remote', '--symref', '--', url, 'HEAD'], `cannot read the default branch of ${redactUrl(url)}`).catch((err: Error) => {
    throw new ProposalError('no-target', err.message);
  });
  const m = /^ref: refs\/heads\/(\S+)\tHEAD$/m.exec(out);
  if (!m) throw new ProposalError('no-target', `${redactUrl(url)} names no default branch (HEAD): pass --target-branch`);
  return m[1]!;
}

/** Commits the change, pushes it as a new branch and opens the MR. */
export async function proposeChange(repo: ConfigRepo, change: ConfigChange, forge: Forge, opts: ProposeOptions): Promise<Proposal> {
  if (!/^[A-Za-z0-9._/-]+$/.test(change.branch) || change.branch.startsWith('-') || change.branch.includes('..')) {
    throw new ProposalError('push-failed', `invalid branch name ${JSON.stringify(change.branch)}`);
  }
  const url = await remoteUrl(repo, opts.remote ?? 'origin');
  const targetBranch = opts.targetBranch ?? (await defaultBranch(repo, url));
  const commit = await commitChange(repo, change);
  try {
    // No force: an existing branch of that name is never overwritten.
    await git(repo, ['push', '--quiet', '--', url, `${commit}:refs/heads/${change.branch}`], `cannot push branch ${change.branch} to ${redactUrl(url)}`);
  } catch (err) {
    throw new ProposalError('push-failed', redactUrl((err as Error).message));
  }
  const pushed = { branch: change.branch, commit };
  try {
    const mr = await forge.openMergeRequest({ sourceBranch: change.branch, targetBranch, title: opts.title, description: opts.description });
    return { branch: change.branch, commit, targetBranch, remote: redactUrl(url), mr };
  } catch (err) {
    throw new ProposalError('mr-failed', `branch ${change.branch} is pushed, but opening the merge request failed: ${(err as Error).message}`, pushed);
  }
}

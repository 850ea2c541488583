/**
 * The config repo as a ConfigRepo, read with the system git: revisions resolved by
 * `git rev-parse`, files read at any commit straight from the object database (no checkout)
 * through one `git cat-file --batch` — a 10,000-client repo in a fraction of a second — or
 * from the working tree of a local repo; remotes mirrored (simple-git, so the user's SSH/HTTPS
 * credentials work) into a cache directory, under a lock (mirror-lock.ts).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createHash } from 'node:crypto';
import { simpleGit } from 'simple-git';
import { OdoopsError, errorMessage } from '../util/errors.ts';
import { gitResult, lsTree, readBlobs, worktreeStatus } from './gitcli.ts';
import { withMirrorLock } from './mirror-lock.ts';
import { uncommittedError, type ConfigSource, type WorktreePolicy } from './source.ts';

export interface ConfigRepo {
  /** What the user named (path or URL, credentials removed), for messages. */
  label: string;
  /** Git directory (".git" of a work tree, or a bare repo). */
  gitdir: string;
  /** Work tree or bare repo path, reported as DesiredState.repoPath. */
  repoPath: string;
  /** Root of the work tree of a local non-bare repo (its edits can be read), else null. */
  worktree: string | null;
  /** Folder of the config inside the git tree ("" at the root, e.g. "examples/fleet"). */
  prefix: string;
}

export interface ConfigFile {
  /** Path relative to the config root, e.g. "clients/acme.yaml". */
  path: string;
  /** Git blob id (also computed for working-tree files): equal ids mean equal contents. */
  oid: string;
  text: string;
}

/** A config file that was not read, and why (too big, not a regular file). */
export interface SkippedFile {
  path: string;
  message: string;
}

export interface ConfigFiles {
  fleet: ConfigFile | null;
  clients: ConfigFile[];
  skipped: SkippedFile[];
}

/** Bigger blobs are not even decoded. */
export const MAX_BLOB_BYTES = 1024 * 1024;

export function isUrl(repo: string): boolean {
  return /^[a-z][a-z0-9+.-]*:\/\//i.test(repo) || /^[A-Za-z0-9._-]+@[A-Za-z0-9.-]+:/.test(repo);
}

/** URL without user:password@, safe to print. */
export function redact(url: string): string {
  return url.replace(/\/\/[^/@]*@/, '//');
}

export function cacheDir(): string {
  const base = process.env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache');
  return path.join(base, 'odoops', 'repos');
}

export interface OpenOptions {
  /**
   * Commits the caller will read. For a remote URL, when each is a full SHA already in the
   * mirror, the mirror is not fetched: a commit's content never changes, and an MR's plan
   * reads the head and target the forge named, several times per job.
   */
  commits?: readonly string[];
}

/** Opens a local repo (work tree, sub-folder of one, or bare) or mirrors a remote URL. */
export async function openRepo(repo: string | undefined, opts: OpenOptions = {}): Promise<ConfigRepo> {
  if (repo && isUrl(repo)) return openRemote(repo, opts.commits ?? []);
  const abs = path.resolve(repo ?? process.cwd());
  let stat: fs.Stats;
  try {
    stat = fs.statSync(abs);
  } catch {
    throw new OdoopsError(`config repo ${abs} does not exist`);
  }
  if (!stat.isDirectory()) throw new OdoopsError(`config repo ${abs} is not a directory`);
  if (isBare(abs)) return { label: abs, gitdir: abs, repoPath: abs, worktree: null, prefix: '' };
  const root = findRoot(abs);
  if (!root) throw new OdoopsError(`config repo ${abs} is not in a git repository (run git init, or pass --repo)`);
  let gitdir = path.join(root, '.git');
  if (fs.statSync(gitdir).isFile()) {
    // A linked work tree or submodule: ".git" is a file naming the real git dir.
    const m = /^gitdir:\s*(.+)$/m.exec(fs.readFileSync(gitdir, 'utf8'));
    if (!m) throw new OdoopsError(`cannot read ${gitdir}: expected "gitdir: PATH"`);
    gitdir = path.resolve(root, m[1]!.trim());
  }
  const prefix = path.relative(root, abs).split(path.sep).join('/');
  return { label: abs, gitdir, repoPath: root, worktree: root, prefix };
}

/** The nearest folder at or above `dir` holding a `.git` (directory, or file of a linked work tree). */
function findRoot(dir: string): string | null {
  for (let d = dir; ; d = path.dirname(d)) {
    if (fs.existsSync(path.join(d, '.git'))) return d;
    if (path.dirname(d) === d) return null;
  }
}

function isBare(dir: string): boolean {
  return ['HEAD', 'objects', 'refs'].every((n) => fs.existsSync(path.join(dir, n))) && !fs.existsSync(path.join(dir, '.git'));
}

/** Variables for editors and pagers: meaningless for clone/fetch, and refused by simple-git. */
const UNUSED_GIT_ENV = new Set(['EDITOR', 'VISUAL', 'GIT_EDITOR', 'GIT_SEQUENCE_EDITOR', 'PAGER', 'GIT_PAGER']);

const FULL_SHA = /^[0-9a-f]{40}$/;

/** Whether every commit is a full SHA the mirror in `dir` already holds (one git process). */
async function mirrorHolds(dir: string, commits: readonly string[]): Promise<boolean> {
  if (commits.length === 0 || !commits.every((c) => FULL_SHA.test(c)) || !fs.existsSync(path.join(dir, 'HEAD'))) return false;
  const r = await gitResult(['cat-file', '--batch-check'], { cwd: dir, input: commits.map((c) => `${c}^{commit}\n`).join(''), what: `mirror ${dir}` });
  return r.code === 0 && r.stdout.toString('utf8').trim().split('\n').every((l) => / commit \d+$/.test(l));
}

async function openRemote(url: string, commits: readonly string[]): Promise<ConfigRepo> {
  const label = redact(url);
  const slug = label.replace(/\.git$/, '').replace(/[^A-Za-z0-9._-]+/g, '_').slice(-60);
  const hash = createHash('sha256').update(url).digest('hex').slice(0, 12);
  const dir = path.join(cacheDir(), `${slug}-${hash}.git`);
  // Never prompt: a CI job or a daemon would hang on a credentials question. clone/fetch
  // never open an editor or a pager, so those variables (npm sets EDITOR for its scripts)
  // are dropped rather than allowed.
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (v !== undefined && !UNUSED_GIT_ENV.has(k.toUpperCase())) env[k] = v;
  }
  env.GIT_TERMINAL_PROMPT = '0';
  // The user's own environment (GIT_SSH_COMMAND, askpass, proxies, config files) is what
  // makes their remotes work: simple-git passes it through instead of refusing it.
  const sg = (baseDir?: string) =>
    simpleGit({
      ...(baseDir ? { baseDir } : {}),
      allowEnvironment: Object.keys(env),
      unsafe: { allowUnsafeSshCommand: true, allowUnsafeAskPass: true, allowUnsafeGitProxy: true, allowUnsafeConfigPaths: true },
      timeout: { block: 120_000 },
    }).env(env);
  try {
    // Under the mirror's lock, so concurrent webhooks (or another odoops) never fetch into
    // one directory at once; a first clone goes to a temporary directory renamed into place,
    // so nobody ever reads a half-cloned mirror.
    // Outside the lock: git writes objects whole (temporary file, then rename), and a
    // mirror directory exists only once fully cloned.
    if (await mirrorHolds(dir, commits)) return { label, gitdir: dir, repoPath: dir, worktree: null, prefix: '' };
    await withMirrorLock(dir, async () => {
      if (fs.existsSync(path.join(dir, 'HEAD'))) {
        await sg(dir).fetch(['--prune', '--quiet', 'origin']);
        return;
      }
      fs.mkdirSync(path.dirname(dir), { recursive: true });
      const tmp = `${dir}.tmp-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
      try {
        // --mirror: every ref, including merge-request heads (refs/merge-requests/N/head).
        await sg().clone(url, tmp, ['--mirror', '--quiet']);
        fs.renameSync(tmp, dir);
      } finally {
        fs.rmSync(tmp, { recursive: true, force: true });
      }
    });
  } catch (err) {
    const line = errorMessage(err).split('\n').map((l) => l.trim()).find((l) => /fatal|error/i.test(l)) ?? errorMessage(err).split('\n')[0];
    throw new OdoopsError(`cannot fetch config repo ${label}: ${redact(line ?? 'git failed')}`);
  }
  return { label, gitdir: dir, repoPath: dir, worktree: null, prefix: '' };
}

/**
 * Resolves a branch, tag, remote branch, full or abbreviated SHA, HEAD, or any of them with
 * ~N / ^N ancestry suffixes to a commit SHA (git rev-parse: linked work trees, packed refs
 * and annotated tags as git itself reads them).
 */
export async function resolveRevision(repo: ConfigRepo, rev: string | undefined): Promise<string> {
  const full = rev ?? 'HEAD';
  if (!/^[A-Za-z0-9._/@{}~^-]+$/.test(full) || full.startsWith('-')) throw new OdoopsError(`invalid revision ${JSON.stringify(full)}`);
  const r = await gitResult(['--git-dir', repo.gitdir, 'rev-parse', '--verify', '--quiet', '--end-of-options', `${full}^{commit}`], {
    what: `cannot resolve revision "${full}" in ${repo.label}`,
  });
  const oid = r.stdout.toString('utf8').trim();
  if (r.code === 0 && /^[0-9a-f]{40}$/.test(oid)) return oid;
  if (/ambiguous/i.test(r.stderr)) throw new OdoopsError(`revision "${full}" is ambiguous in ${repo.label}: give more characters`);
  if (/dubious ownership|not a git repository/i.test(r.stderr)) {
    throw new OdoopsError(`cannot read config repo ${repo.label}: ${r.stderr.trim().split('\n')[0]!.replace(/^(fatal|error):\s*/, '')}`);
  }
  if (full === 'HEAD') {
    const hint = repo.worktree ? ': commit the config, or run without --rev to read the working tree' : '';
    throw new OdoopsError(`config repo ${repo.label} has no commits yet (HEAD does not resolve)${hint}`);
  }
  throw new OdoopsError(`unknown revision "${full}" in ${repo.label} (not a branch, tag or commit)`);
}

/** The HEAD commit, or null (a repo right after `git init` has none). */
async function headCommit(repo: ConfigRepo): Promise<string | null> {
  try {
    return await resolveRevision(repo, 'HEAD');
  } catch {
    return null;
  }
}

const CONFIG_PATH = /^(fleet\.yaml|clients\/[^/]+)$/;

/**
 * What to read: `rev` when given; else, for a local repo with a work tree, the working tree
 * when its config files differ from HEAD or HEAD has no commit (policy `read`), refused with
 * a clear message (policy `commit`), or ignored (policy `head`).
 */
export async function resolveSource(repo: ConfigRepo, rev: string | undefined, policy: WorktreePolicy = 'head'): Promise<ConfigSource> {
  if (rev !== undefined || !repo.worktree || policy === 'head') return { kind: 'commit', commit: await resolveRevision(repo, rev) };
  const base = repo.prefix ? `${repo.prefix}/` : '';
  const status = await worktreeStatus(repo.worktree, [`${base}fleet.yaml`, `${base}clients`], `cannot read the status of ${repo.label}`);
  const modified = status.changed
    .filter((p) => p.startsWith(base))
    .map((p) => p.slice(base.length))
    .filter((p) => CONFIG_PATH.test(p))
    .sort();
  const head = await headCommit(repo);
  if (head && modified.length === 0) return { kind: 'commit', commit: head };
  const source: ConfigSource = { kind: 'worktree', dir: repo.worktree, base: head, modified };
  if (policy === 'commit') throw uncommittedError(repo.label, source);
  return source;
}

/** Git's id of a blob with these contents (so working-tree files compare with committed ones). */
export function blobOid(content: Buffer): string {
  return createHash('sha1').update(`blob ${content.length}\0`).update(content).digest('hex');
}

const YAML_FILE = /\.ya?ml$/;

/**
 * fleet.yaml and clients/*.yaml (plus any other *.yml / *.yaml under clients/, reported by
 * the caller) from a commit or the working tree. A missing fleet.yaml is reported by the
 * caller, not thrown.
 */
export async function readConfigFiles(repo: ConfigRepo, source: ConfigSource, known?: ReadonlyMap<string, string>): Promise<ConfigFiles> {
  return source.kind === 'commit' ? readCommitFiles(repo, source.commit, known) : readWorktreeFiles(repo, source.dir);
}

/** Blob id -> text of the files read (to read another revision without reading them again). */
export function textsByOid(files: ConfigFiles): Map<string, string> {
  const out = new Map<string, string>();
  for (const f of [...(files.fleet ? [files.fleet] : []), ...files.clients]) out.set(f.oid, f.text);
  return out;
}

async function readCommitFiles(repo: ConfigRepo, commit: string, known?: ReadonlyMap<string, string>): Promise<ConfigFiles> {
  const base = repo.prefix ? `${repo.prefix}/` : '';
  const what = `cannot read revision ${commit.slice(0, 12)} of ${repo.label}`;
  const entries = await lsTree(repo.gitdir, commit, [`${base}fleet.yaml`, `${base}clients/`], what);
  if (repo.prefix && entries.length === 0 && !(await lsTree(repo.gitdir, commit, [repo.prefix], what)).some((e) => e.type === 'tree')) {
    throw new OdoopsError(`folder ${repo.prefix} does not exist at revision ${commit.slice(0, 12)} of ${repo.repoPath}`);
  }
  const skipped: SkippedFile[] = [];
  const wanted: { path: string; oid: string }[] = [];
  for (const e of entries) {
    const p = e.path.slice(base.length);
    const isFleet = p === 'fleet.yaml';
    if (!isFleet && !(p.startsWith('clients/') && YAML_FILE.test(p))) continue;
    if (e.type !== 'blob') continue;
    if (e.mode === '120000') skipped.push({ path: p, message: 'is a symbolic link: config files must be regular files' });
    else if (e.size > MAX_BLOB_BYTES) skipped.push({ path: p, message: `file is larger than ${MAX_BLOB_BYTES / 1024} KiB: refusing to read it` });
    else wanted.push({ path: p, oid: e.oid });
  }
  const { blobs } = await readBlobs(repo.gitdir, [...new Set(wanted.map((w) => w.oid).filter((o) => !known?.has(o)))], MAX_BLOB_BYTES, what);
  let fleet: ConfigFile | null = null;
  const clients: ConfigFile[] = [];
  for (const w of wanted) {
    const f = { path: w.path, oid: w.oid, text: known?.get(w.oid) ?? blobs.get(w.oid)!.toString('utf8') };
    if (w.path === 'fleet.yaml') fleet = f;
    else clients.push(f);
  }
  clients.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  return { fleet, clients, skipped };
}

async function readWorktreeFiles(repo: ConfigRepo, root: string): Promise<ConfigFiles> {
  const base = repo.prefix ? `${repo.prefix}/` : '';
  const dir = path.join(root, repo.prefix);
  const status = await worktreeStatus(root, [`${base}clients`], `cannot read the status of ${repo.label}`);
  const ignored = (p: string) => [...status.ignored].some((i) => `${base}${p}` === i || (i.endsWith('/') && `${base}${p}`.startsWith(i)));
  const skipped: SkippedFile[] = [];
  const read = (p: string): ConfigFile | null => {
    const abs = path.join(dir, p);
    let st: fs.Stats;
    try {
      st = fs.lstatSync(abs);
    } catch {
      return null;
    }
    if (st.isSymbolicLink()) {
      skipped.push({ path: p, message: 'is a symbolic link: config files must be regular files' });
      return null;
    }
    if (!st.isFile()) return null;
    if (st.size > MAX_BLOB_BYTES) {
      skipped.push({ path: p, message: `file is larger than ${MAX_BLOB_BYTES / 1024} KiB: refusing to read it` });
      return null;
    }
    const content = fs.readFileSync(abs);
    return { path: p, oid: blobOid(content), text: content.toString('utf8') };
  };
  const fleet = read('fleet.yaml');
  const clients: ConfigFile[] = [];
  let names: string[] = [];
  try {
    names = fs.readdirSync(path.join(dir, 'clients'));
  } catch {
    names = [];
  }
  for (const n of names.sort()) {
    if (!YAML_FILE.test(n) || ignored(`clients/${n}`)) continue;
    const f = read(`clients/${n}`);
    if (f) clients.push(f);
  }
  return { fleet, clients, skipped };
}

/** Blob ids of the config files (cheap for a commit: no blob is read). */
export async function configOids(repo: ConfigRepo, source: ConfigSource): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  if (source.kind === 'worktree') {
    const files = await readWorktreeFiles(repo, source.dir);
    if (files.fleet) out.set('fleet.yaml', files.fleet.oid);
    for (const c of files.clients) out.set(c.path, c.oid);
    for (const s of files.skipped) out.set(s.path, `skipped:${s.message}`);
    return out;
  }
  const base = repo.prefix ? `${repo.prefix}/` : '';
  const entries = await lsTree(repo.gitdir, source.commit, [`${base}fleet.yaml`, `${base}clients/`], `cannot read revision ${source.commit.slice(0, 12)} of ${repo.label}`);
  for (const e of entries) out.set(e.path.slice(base.length), e.oid);
  return out;
}

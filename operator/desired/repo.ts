/**
 * The config repo as a ConfigRepo: files read at any revision straight from the git object
 * database (isomorphic-git, no checkout), remotes mirrored with the system git (simple-git,
 * so the user's SSH/HTTPS credentials work) into a cache directory.
 */
import git from 'isomorphic-git';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createHash } from 'node:crypto';
import { simpleGit } from 'simple-git';
import { OdoopsError, errorMessage } from '../util/errors.ts';

export interface ConfigRepo {
  /** What the user named (path or URL, credentials removed), for messages. */
  label: string;
  /** Git directory (".git" of a work tree, or a bare repo). */
  gitdir: string;
  /** Work tree or bare repo path, reported as DesiredState.repoPath. */
  repoPath: string;
  /** Folder of the config inside the git tree ("" at the root, e.g. "examples/fleet"). */
  prefix: string;
  /** Shared isomorphic-git cache (packfile indexes): big speed-up on packed repos. */
  cache: object;
}

export interface ConfigFile {
  /** Path relative to the config root, e.g. "clients/acme.yaml". */
  path: string;
  /** Blob SHA: equal SHAs mean equal contents. */
  oid: string;
  text: string;
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

/** Opens a local repo (work tree, sub-folder of one, or bare) or mirrors a remote URL. */
export async function openRepo(repo: string | undefined): Promise<ConfigRepo> {
  if (repo && isUrl(repo)) return openRemote(repo);
  const abs = path.resolve(repo ?? process.cwd());
  let stat: fs.Stats;
  try {
    stat = fs.statSync(abs);
  } catch {
    throw new OdoopsError(`config repo ${abs} does not exist`);
  }
  if (!stat.isDirectory()) throw new OdoopsError(`config repo ${abs} is not a directory`);
  if (isBare(abs)) return { label: abs, gitdir: abs, repoPath: abs, prefix: '', cache: {} };
  let root: string;
  try {
    root = await git.findRoot({ fs, filepath: abs });
  } catch {
    throw new OdoopsError(`config repo ${abs} is not in a git repository (run git init, or pass --repo)`);
  }
  let gitdir = path.join(root, '.git');
  if (fs.statSync(gitdir).isFile()) {
    // A linked work tree or submodule: ".git" is a file naming the real git dir.
    const m = /^gitdir:\s*(.+)$/m.exec(fs.readFileSync(gitdir, 'utf8'));
    if (!m) throw new OdoopsError(`cannot read ${gitdir}: expected "gitdir: PATH"`);
    gitdir = path.resolve(root, m[1]!.trim());
  }
  const prefix = path.relative(root, abs).split(path.sep).join('/');
  return { label: abs, gitdir, repoPath: root, prefix, cache: {} };
}

function isBare(dir: string): boolean {
  return ['HEAD', 'objects', 'refs'].every((n) => fs.existsSync(path.join(dir, n))) && !fs.existsSync(path.join(dir, '.git'));
}

/** Variables for editors and pagers: meaningless for clone/fetch, and refused by simple-git. */
const UNUSED_GIT_ENV = new Set(['EDITOR', 'VISUAL', 'GIT_EDITOR', 'GIT_SEQUENCE_EDITOR', 'PAGER', 'GIT_PAGER']);

async function openRemote(url: string): Promise<ConfigRepo> {
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
    if (fs.existsSync(path.join(dir, 'HEAD'))) {
      await sg(dir).fetch(['--prune', '--quiet', 'origin']);
    } else {
      fs.mkdirSync(path.dirname(dir), { recursive: true });
      // --mirror: every ref, including merge-request heads (refs/merge-requests/N/head).
      await sg().clone(url, dir, ['--mirror', '--quiet']);
    }
  } catch (err) {
    const line = errorMessage(err).split('\n').map((l) => l.trim()).find((l) => /fatal|error/i.test(l)) ?? errorMessage(err).split('\n')[0];
    throw new OdoopsError(`cannot fetch config repo ${label}: ${redact(line ?? 'git failed')}`);
  }
  return { label, gitdir: dir, repoPath: dir, prefix: '', cache: {} };
}

/** Resolves a branch, tag, remote branch, full or abbreviated SHA, or HEAD to a commit SHA. */
export async function resolveRevision(repo: ConfigRepo, rev: string | undefined): Promise<string> {
  const full = rev ?? 'HEAD';
  if (!/^[A-Za-z0-9._/@{}~^-]+$/.test(full) || full.startsWith('-')) throw new OdoopsError(`invalid revision ${JSON.stringify(full)}`);
  // Ancestry suffixes as git reads them: REV~N (N first parents), REV^N (Nth parent).
  const m = /^(.+?)((?:[~^]\d*)*)$/.exec(full)!;
  let oid = await resolveBase(repo, m[1]!);
  for (const [, op, num] of m[2]!.matchAll(/([~^])(\d*)/g)) {
    const n = num === '' ? 1 : Number(num);
    const steps = op === '~' ? n : 1;
    const parentIndex = op === '^' ? n - 1 : 0;
    for (let i = 0; i < steps; i++) {
      if (op === '^' && n === 0) break;
      const c = await git.readCommit({ fs, gitdir: repo.gitdir, oid, cache: repo.cache });
      const parent = c.commit.parent[op === '~' ? 0 : parentIndex];
      if (!parent) throw new OdoopsError(`unknown revision "${full}" in ${repo.label} (${oid.slice(0, 12)} has no such parent)`);
      oid = parent;
    }
  }
  return oid;
}

async function resolveBase(repo: ConfigRepo, ref: string): Promise<string> {
  const { gitdir, cache } = repo;
  let oid: string | null = null;
  if (/^[0-9a-f]{40}$/.test(ref)) oid = ref;
  if (!oid) {
    try {
      oid = await git.resolveRef({ fs, gitdir, ref });
    } catch {
      oid = null;
    }
  }
  if (!oid && /^[0-9a-f]{4,39}$/.test(ref)) {
    try {
      oid = await git.expandOid({ fs, gitdir, oid: ref, cache });
    } catch (err) {
      if (/ambiguous/i.test(errorMessage(err))) throw new OdoopsError(`revision "${ref}" is ambiguous in ${repo.label}: give more characters`);
      oid = null;
    }
  }
  if (!oid) {
    if (ref === 'HEAD') throw new OdoopsError(`config repo ${repo.label} has no commits yet (HEAD does not resolve)`);
    throw new OdoopsError(`unknown revision "${ref}" in ${repo.label} (not a branch, tag or commit)`);
  }
  try {
    // Peels annotated tags and proves the object is a commit.
    const c = await git.readCommit({ fs, gitdir, oid, cache });
    return c.oid;
  } catch {
    throw new OdoopsError(`unknown revision "${ref}" in ${repo.label} (${oid} is not a commit in this repository)`);
  }
}

/**
 * fleet.yaml and clients/*.yaml (plus any other *.yml / *.yaml under clients/, reported by
 * the caller) at a commit. Missing fleet.yaml is reported by the caller, not thrown.
 */
export async function readConfigFiles(repo: ConfigRepo, commit: string): Promise<{ fleet: ConfigFile | null; clients: ConfigFile[]; tooBig: string[] }> {
  const { gitdir, cache } = repo;
  const base = repo.prefix ? `${repo.prefix}/` : '';
  const tooBig: string[] = [];
  let rootTree: Awaited<ReturnType<typeof git.readTree>>;
  try {
    rootTree = await git.readTree({ fs, gitdir, oid: commit, cache, ...(repo.prefix ? { filepath: repo.prefix } : {}) });
  } catch (err) {
    if (repo.prefix) throw new OdoopsError(`folder ${repo.prefix} does not exist at revision ${commit.slice(0, 12)} of ${repo.repoPath}`);
    throw new OdoopsError(`cannot read revision ${commit.slice(0, 12)} of ${repo.label}: ${errorMessage(err)}`);
  }
  const readText = async (p: string, oid: string): Promise<ConfigFile | null> => {
    try {
      const { blob } = await git.readBlob({ fs, gitdir, oid, cache });
      if (blob.byteLength > MAX_BLOB_BYTES) {
        tooBig.push(p);
        return null;
      }
      return { path: p, oid, text: Buffer.from(blob).toString('utf8') };
    } catch (err) {
      throw new OdoopsError(`cannot read ${base}${p} at ${commit.slice(0, 12)}: ${errorMessage(err)}`);
    }
  };
  const fleetEntry = rootTree.tree.find((e) => e.path === 'fleet.yaml' && e.type === 'blob');
  const fleet = fleetEntry ? await readText('fleet.yaml', fleetEntry.oid) : null;
  const clientsEntry = rootTree.tree.find((e) => e.path === 'clients' && e.type === 'tree');
  const clients: ConfigFile[] = [];
  if (clientsEntry) {
    const t = await git.readTree({ fs, gitdir, oid: clientsEntry.oid, cache });
    const files = t.tree.filter((e) => e.type === 'blob' && /\.ya?ml$/.test(e.path));
    // Small batches overlap disk reads and inflation without holding many blobs at once.
    for (let i = 0; i < files.length; i += 32) {
      const batch = await Promise.all(files.slice(i, i + 32).map((e) => readText(`clients/${e.path}`, e.oid)));
      for (const f of batch) if (f) clients.push(f);
    }
  }
  return { fleet, clients, tooBig };
}

/** Blob SHAs of the config files at a commit (cheap: no blob is read). */
export async function configOids(repo: ConfigRepo, commit: string): Promise<Map<string, string>> {
  const { gitdir, cache } = repo;
  const out = new Map<string, string>();
  const root = await git.readTree({ fs, gitdir, oid: commit, cache, ...(repo.prefix ? { filepath: repo.prefix } : {}) }).catch(() => null);
  if (!root) return out;
  for (const e of root.tree) if (e.path === 'fleet.yaml') out.set('fleet.yaml', e.oid);
  const c = root.tree.find((e) => e.path === 'clients' && e.type === 'tree');
  if (c) for (const e of (await git.readTree({ fs, gitdir, oid: c.oid, cache })).tree) out.set(`clients/${e.path}`, e.oid);
  return out;
}

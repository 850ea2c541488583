/**
 * The system git, for what it does much faster than a JavaScript implementation: listing a
 * tree, streaming thousands of blobs through one `git cat-file --batch`, and the status of a
 * work tree. Always an argv (no shell), commits as 40-hex and paths after `--`, a timeout,
 * and a bounded amount of output.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { OdoopsError } from '../util/errors.ts';

/** A config repo is a few MB; more output than this means something is wrong. */
const MAX_OUTPUT_BYTES = 512 * 1024 * 1024;
const TIMEOUT_MS = 120_000;

/** Variables that would point git at another repository or index than the one named. */
const REPO_ENV = ['GIT_DIR', 'GIT_WORK_TREE', 'GIT_INDEX_FILE', 'GIT_OBJECT_DIRECTORY', 'GIT_ALTERNATE_OBJECT_DIRECTORIES', 'GIT_NAMESPACE', 'GIT_COMMON_DIR'];

function gitEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, GIT_TERMINAL_PROMPT: '0', GIT_OPTIONAL_LOCKS: '0', LC_ALL: 'C' };
  for (const k of REPO_ENV) delete env[k];
  return env;
}

export interface GitResult {
  code: number;
  stdout: Buffer;
  stderr: string;
}

export interface GitOptions {
  cwd?: string;
  input?: string;
  what: string;
  /**
   * Megabytes of output expected (all the blobs of a big repo): git writes them to a private
   * temporary file read once at the end. Through a pipe they arrive in ~1,000 chunks of a few
   * KB, which costs this process 3x the CPU (measured: 200 vs 65 ms for 10 MB).
   */
  bulk?: boolean;
}

/** Runs git with `args`, feeding `input` on stdin; resolves with stdout, throws one clear line on failure. */
export async function runGit(args: string[], opts: GitOptions): Promise<Buffer> {
  const r = await gitResult(args, opts);
  if (r.code !== 0) {
    const detail = r.stderr.trim().split('\n').find((l) => /fatal|error/i.test(l)) ?? r.stderr.trim().split('\n')[0] ?? `exit ${r.code}`;
    throw new OdoopsError(`${opts.what}: git ${args.find((a) => !a.startsWith('-') && !a.startsWith('/')) ?? ''} failed: ${detail.replace(/^(fatal|error):\s*/, '')}`);
  }
  return r.stdout;
}

/** Runs git; a non-zero exit is returned, not thrown (a timeout or too much output is). */
export async function gitResult(args: string[], opts: GitOptions): Promise<GitResult> {
  if (!opts.bulk) return spawnGit(args, opts, null);
  const dir = await fs.promises.mkdtemp(path.join(os.tmpdir(), 'odoops-git-'));
  const file = await fs.promises.open(path.join(dir, 'stdout'), 'w+', 0o600);
  try {
    const r = await spawnGit(args, opts, file.fd);
    const { size } = await file.stat();
    if (size > MAX_OUTPUT_BYTES) throw new OdoopsError(`${opts.what}: git ${args.find((a) => !a.startsWith('-') && !a.startsWith('/')) ?? ''} failed: more than ${MAX_OUTPUT_BYTES / 1024 / 1024} MiB of output`);
    const stdout = Buffer.allocUnsafe(size);
    let read = 0;
    while (read < size) {
      const { bytesRead } = await file.read(stdout, read, size - read, read);
      if (bytesRead === 0) break;
      read += bytesRead;
    }
    return { ...r, stdout: stdout.subarray(0, read) };
  } finally {
    await file.close();
    await fs.promises.rm(dir, { recursive: true, force: true });
  }
}

/** git with stdout to a pipe (collected), or to the file descriptor `stdoutFd`. */
function spawnGit(args: string[], opts: GitOptions, stdoutFd: number | null): Promise<GitResult> {
  return new Promise((resolve, reject) => {
    const child = spawn('git', args, { cwd: opts.cwd ?? '/', env: gitEnv(), stdio: ['pipe', stdoutFd ?? 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    let size = 0;
    let stderr = '';
    let failure: string | null = null;
    const timer = setTimeout(() => {
      failure = `timed out after ${TIMEOUT_MS / 1000} s`;
      child.kill('SIGKILL');
    }, TIMEOUT_MS);
    child.stdout?.on('data', (d: Buffer) => {
      size += d.length;
      if (size > MAX_OUTPUT_BYTES) {
        failure = `more than ${MAX_OUTPUT_BYTES / 1024 / 1024} MiB of output`;
        child.kill('SIGKILL');
        return;
      }
      out.push(d);
    });
    child.stderr!.setEncoding('utf8').on('data', (d: string) => {
      if (stderr.length < 4096) stderr += d;
    });
    child.on('error', (err) => {
      clearTimeout(timer);
      reject(new OdoopsError(`${opts.what}: cannot run git (${err.message}); odoops needs git installed`));
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      if (failure) reject(new OdoopsError(`${opts.what}: git ${args.find((a) => !a.startsWith('-') && !a.startsWith('/')) ?? ''} failed: ${failure}`));
      else resolve({ code: code ?? 1, stdout: Buffer.concat(out), stderr });
    });
    child.stdin!.on('error', () => {});
    child.stdin!.end(opts.input ?? '');
  });
}

export interface TreeEntry {
  mode: string;
  type: string;
  oid: string;
  size: number;
  /** Path relative to the tree-ish's root. */
  path: string;
}

/** `git ls-tree -z -l COMMIT -- PATHS`: entries named or directly under the given paths. */
export async function lsTree(gitdir: string, commit: string, paths: string[], what: string): Promise<TreeEntry[]> {
  if (!/^[0-9a-f]{40}$/.test(commit)) throw new OdoopsError(`${what}: not a commit id: ${commit}`);
  const out = await runGit(['--git-dir', gitdir, 'ls-tree', '-z', '-l', commit, '--', ...paths], { what });
  const entries: TreeEntry[] = [];
  for (const rec of out.toString('utf8').split('\0')) {
    if (!rec) continue;
    const tab = rec.indexOf('\t');
    const [mode, type, oid, size] = rec.slice(0, tab).split(/\s+/);
    entries.push({ mode: mode!, type: type!, oid: oid!, size: size === '-' ? 0 : Number(size), path: rec.slice(tab + 1) });
  }
  return entries;
}

/**
 * Contents of blobs by id, through one `git cat-file --batch`. Blobs larger than `maxBytes`
 * are left out (their ids are in `tooBig`), so a huge file costs no memory.
 */
export async function readBlobs(gitdir: string, oids: string[], maxBytes: number, what: string): Promise<{ blobs: Map<string, Buffer>; tooBig: Set<string> }> {
  const blobs = new Map<string, Buffer>();
  const tooBig = new Set<string>();
  if (oids.length === 0) return { blobs, tooBig };
  for (const oid of oids) if (!/^[0-9a-f]{40}$/.test(oid)) throw new OdoopsError(`${what}: not an object id: ${oid}`);
  // --batch-check first would cost a second process; sizes are known from ls-tree, so the
  // caller only asks for blobs that fit.
  const out = await runGit(['--git-dir', gitdir, 'cat-file', '--batch', '--buffer'], { input: `${oids.join('\n')}\n`, what, bulk: true });
  let pos = 0;
  while (pos < out.length) {
    const nl = out.indexOf(10, pos);
    if (nl < 0) break;
    const header = out.toString('utf8', pos, nl);
    const [oid, type, sizeText] = header.split(' ');
    if (type === 'missing' || sizeText === undefined) throw new OdoopsError(`${what}: object ${oid} is missing from the repository`);
    const size = Number(sizeText);
    const start = nl + 1;
    if (size > maxBytes) tooBig.add(oid!);
    else blobs.set(oid!, out.subarray(start, start + size));
    pos = start + size + 1;
  }
  return { blobs, tooBig };
}

export interface WorktreeStatus {
  /** Paths (relative to the work tree root) changed against HEAD: modified, added, deleted, untracked. */
  changed: string[];
  /** Untracked files that .gitignore excludes: not part of the config. */
  ignored: Set<string>;
}

/** `git status` of the given paths (relative to `root`), untracked files included. */
export async function worktreeStatus(root: string, paths: string[], what: string): Promise<WorktreeStatus> {
  const out = await runGit(['status', '--porcelain=v1', '-z', '--no-renames', '--untracked-files=all', '--ignored=matching', '--', ...paths], { cwd: root, what });
  const changed: string[] = [];
  const ignored = new Set<string>();
  for (const rec of out.toString('utf8').split('\0')) {
    if (rec.length < 4) continue;
    const code = rec.slice(0, 2);
    const p = rec.slice(3);
    if (code === '!!') ignored.add(p);
    else changed.push(p);
  }
  return { changed, ignored };
}

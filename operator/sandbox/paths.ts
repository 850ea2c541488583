/**
 * Where a sandbox lives, which machine paths each sandbox host has its own copy of, and
 * whether a directory can hold a sandbox at all. A sandbox directory must be visible from
 * inside every host (sshd reads its host key and authorized_keys there) and reachable by
 * user postgres (each server's PostgreSQL data directory is in it), so it can be neither
 * under a path the hosts shadow (/root, /srv, /etc, ...) nor below a directory other users
 * cannot traverse (a clone in a 0700 directory, `mktemp -d`).
 */
import { existsSync } from 'node:fs';
import { chmod, mkdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { OdoopsError, UsageError } from '../util/errors.ts';
import { run } from './proc.ts';

/** Directories each host has its own, empty copy of (bind mounts of DIR/.../root/<path>). */
export const PER_HOST_DIRS = ['/srv', '/var/lib/odoops', '/var/lib/docker-standin', '/run/postgresql', '/root'] as const;

/**
 * Directories each host sees as a copy-on-write view of the machine's (overlayfs, upper
 * layer in the host's directory): whatever odoops writes there on a host (cron schedules,
 * secrets, sshd/nftables/fail2ban/rsyslog/apt configs, logs) stays on that host and the
 * machine's own files are never changed.
 */
export const PER_HOST_OVERLAYS = ['/etc', '/var/log', '/var/spool', '/usr/local', '/opt'] as const;

/** Machine-wide home of sandboxes: one directory per sandbox, outside every shadowed path. */
export const SANDBOX_ROOT = '/var/lib/odoops-sandbox';

/**
 * The one default sandbox directory, shared by `odoops sandbox up|down|fault|status` and
 * `npm run demo`: $ODOOPS_SANDBOX_DIR, else /var/lib/odoops-sandbox/default.
 */
export function defaultSandboxDir(): string {
  const env = process.env.ODOOPS_SANDBOX_DIR;
  return env ? path.resolve(env) : path.join(SANDBOX_ROOT, 'default');
}

/** A directory that would work, to name in refusals. */
function suggestion(dir: string): string {
  const base = path.basename(dir).replace(/[^A-Za-z0-9_.-]/g, '') || 'default';
  return path.join(SANDBOX_ROOT, base.startsWith('.') ? `sandbox${base}` : base);
}

function under(dir: string, p: string): boolean {
  return dir === p || dir.startsWith(p + '/');
}

/** The deepest existing directory on the way to `p` (p itself when it exists). */
async function deepestExisting(p: string): Promise<string> {
  let cur = p;
  while (!existsSync(cur)) cur = path.dirname(cur);
  return cur;
}

/** The first component of `p` that users other than root cannot traverse (no o+x), if any. */
async function closedComponent(p: string): Promise<{ dir: string; mode: number } | null> {
  let cur = '/';
  for (const part of p.split('/').filter(Boolean)) {
    cur = path.join(cur, part);
    const st = await stat(cur).catch(() => null);
    if (st && (st.mode & 0o001) === 0) return { dir: cur, mode: st.mode & 0o7777 };
  }
  return null;
}

/**
 * Refuses, before anything is created, a directory a sandbox cannot work in: with the
 * reason and a directory that would work. Needs root (it checks as user postgres).
 */
export async function checkSandboxDir(dir: string): Promise<void> {
  const better = suggestion(dir);
  if (!path.isAbsolute(dir)) throw new OdoopsError(`sandbox directory ${dir} must be absolute`);
  // The path goes into sshd_config, where whitespace, quotes and % (token expansion) mean
  // something, and into overlayfs mount options, which split on ',' and ':'.
  if (!/^[A-Za-z0-9_@+=./-]+$/.test(dir)) {
    throw new UsageError(`--dir ${dir}: use a path of letters, digits and _@+=./- only (it is written into sshd_config and mount options), e.g. ${better}`);
  }
  for (const p of ['/proc', '/sys', '/dev']) {
    if (under(dir, p)) throw new UsageError(`--dir ${dir}: must not be under ${p}; use e.g. ${better}`);
  }
  for (const p of [...PER_HOST_DIRS, ...PER_HOST_OVERLAYS]) {
    if (under(dir, p)) {
      throw new UsageError(
        `--dir ${dir}: must not be under ${p}: each sandbox server has its own ${p}, so its sshd and PostgreSQL would not find the sandbox there; use e.g. ${better}`,
      );
    }
  }
  if (existsSync(dir) && !(await stat(dir)).isDirectory()) throw new UsageError(`--dir ${dir}: exists and is not a directory; use e.g. ${better}`);
  // The sandbox makes DIR itself (and any directory it creates) 0755; what is above must
  // already let user postgres through.
  const above = await deepestExisting(existsSync(dir) ? path.dirname(dir) : dir);
  const r = await run(['setpriv', '--reuid=postgres', '--regid=postgres', '--init-groups', '--', 'test', '-x', above]);
  if (r.code !== 0) {
    const closed = await closedComponent(above);
    const why = closed ? `${closed.dir} is mode ${closed.mode.toString(8).padStart(4, '0')}` : `${above} is not searchable by user postgres`;
    throw new UsageError(
      `--dir ${dir}: user postgres cannot reach it (${why}), and each server's PostgreSQL runs as postgres with its data in the sandbox directory; use e.g. ${better}`,
    );
  }
}

/** mkdir -p where every directory created is 0755, whatever the umask. */
export async function mkdirReachable(dir: string): Promise<void> {
  const missing: string[] = [];
  for (let cur = dir; !existsSync(cur); cur = path.dirname(cur)) missing.unshift(cur);
  for (const d of missing) {
    await mkdir(d).catch((err: NodeJS.ErrnoException) => {
      if (err.code !== 'EEXIST') throw err;
    });
    await chmod(d, 0o755);
  }
}

/**
 * Process helpers for the sandbox: run a command and capture its output, start a
 * long-lived detached daemon, find and stop processes by PID (verified, never by name).
 */
import { spawn } from 'node:child_process';
import { openSync, closeSync } from 'node:fs';
import { readFile, readdir, readlink } from 'node:fs/promises';
import { OdoopsError } from '../util/errors.ts';

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface RunOptions {
  input?: string;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** Kill the command after this many milliseconds (exit code 124, like timeout(1)). */
  timeoutMs?: number;
}

/** Run argv without a shell; never throws on a non-zero exit. */
export function run(argv: readonly string[], opts: RunOptions = {}): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const [cmd, ...args] = argv;
    if (!cmd) throw new Error('empty command');
    // Its own process group, so a timeout ends what it started too: a grandchild still
    // holding the output pipes (an ssh whose peer went silent) would keep us waiting.
    const child = spawn(cmd, args, { env: opts.env ?? process.env, cwd: opts.cwd, stdio: ['pipe', 'pipe', 'pipe'], detached: !!opts.timeoutMs });
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    const timer = opts.timeoutMs
      ? setTimeout(() => {
          timedOut = true;
          try {
            process.kill(-child.pid!, 'SIGKILL');
          } catch {
            child.kill('SIGKILL');
          }
        }, opts.timeoutMs)
      : undefined;
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.on('error', (err) => {
      if (timer) clearTimeout(timer);
      reject(new OdoopsError(`cannot run ${cmd}: ${err.message}`, { cause: err }));
    });
    child.on('close', (code, signal) => {
      if (timer) clearTimeout(timer);
      resolve({ code: timedOut ? 124 : (code ?? (signal ? 128 : 1)), stdout, stderr });
    });
    child.stdin.on('error', () => {});
    child.stdin.end(opts.input ?? '');
  });
}

/** Run argv and throw one clear line when it fails. */
export async function runOk(argv: readonly string[], opts: RunOptions & { what?: string } = {}): Promise<string> {
  const r = await run(argv, opts);
  if (r.code !== 0) {
    const detail = (r.stderr.trim() || r.stdout.trim()).split('\n').slice(-3).join(' | ');
    throw new OdoopsError(`${opts.what ?? argv.join(' ')} failed (exit ${r.code}): ${detail}`);
  }
  return r.stdout;
}

/**
 * Start a long-lived process detached from us (own process group, output to a log file)
 * so it outlives the `odoops sandbox up` process. Returns its PID.
 */
export function startDaemon(argv: readonly string[], logFile: string, env?: NodeJS.ProcessEnv): Promise<number> {
  return new Promise((resolve, reject) => {
    const [cmd, ...args] = argv;
    if (!cmd) throw new Error('empty command');
    const fd = openSync(logFile, 'a');
    const child = spawn(cmd, args, { detached: true, stdio: ['ignore', fd, fd], env: env ?? process.env, cwd: '/' });
    closeSync(fd);
    child.on('error', (err) => reject(new OdoopsError(`cannot start ${cmd}: ${err.message}`, { cause: err })));
    child.on('spawn', () => {
      child.unref();
      if (child.pid === undefined) reject(new OdoopsError(`cannot start ${cmd}`));
      else resolve(child.pid);
    });
  });
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The command line of a PID ('' when it does not exist or is a zombie). */
export async function cmdline(pid: number): Promise<string> {
  try {
    return (await readFile(`/proc/${pid}/cmdline`, 'utf8')).split('\0').join(' ').trim();
  } catch {
    return '';
  }
}

/** Network namespace inode of a PID, or null when it is gone. */
export async function netnsOf(pid: number): Promise<number | null> {
  try {
    const m = /^net:\[(\d+)\]$/.exec(await readlink(`/proc/${pid}/ns/net`));
    return m ? Number(m[1]) : null;
  } catch {
    return null;
  }
}

/**
 * Stop a process we started, identified by its PID *and* the network namespace it must
 * live in (a sandbox server's own), so a recycled PID belonging to someone else is never
 * signalled. `signal`, then SIGKILL after graceMs. Returns true if it was ours.
 */
export async function stopPid(
  pid: number | undefined,
  netIno: number | undefined,
  opts: { signal?: NodeJS.Signals; graceMs?: number } = {},
): Promise<boolean> {
  if (pid === undefined || netIno === undefined || !Number.isInteger(pid) || pid <= 1) return false;
  if ((await netnsOf(pid)) !== netIno) return false;
  try {
    process.kill(pid, opts.signal ?? 'SIGTERM');
  } catch {
    return true;
  }
  const deadline = Date.now() + (opts.graceMs ?? 3000);
  while (Date.now() < deadline) {
    if ((await netnsOf(pid)) !== netIno || (await cmdline(pid)) === '') return true;
    await sleep(15);
  }
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    /* already gone */
  }
  return true;
}

/** PIDs of all processes whose namespace of `kind` is the one with inode `ino`. */
export async function pidsInNamespace(kind: 'net' | 'mnt', ino: number): Promise<number[]> {
  const want = `${kind}:[${ino}]`;
  const out: number[] = [];
  for (const name of await readdir('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      if ((await readlink(`/proc/${name}/ns/${kind}`)) === want) out.push(Number(name));
    } catch {
      /* exited meanwhile, or a kernel thread */
    }
  }
  return out;
}

/** Run async jobs with at most `limit` in flight; results in input order. Rejects with the first error after all settle. */
export async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  const errors: unknown[] = [];
  let next = 0;
  async function worker(): Promise<void> {
    while (next < items.length) {
      const i = next++;
      try {
        results[i] = await fn(items[i] as T, i);
      } catch (err) {
        errors.push(err);
      }
    }
  }
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  if (errors.length) throw errors[0];
  return results;
}

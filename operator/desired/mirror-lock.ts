/**
 * One writer at a time on a config-repo mirror: an in-process queue per directory (webhooks
 * and ticks of one operator) plus `flock` on `<dir>.lock` (other odoops processes: a CLI run
 * next to the server, two operators sharing a cache). flock(1) holds the lock for as long as
 * its child reads its stdin; closing stdin (or this process dying) releases it, so a crash
 * never leaves a stale lock behind.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { OdoopsError } from '../util/errors.ts';

const inProcess = new Map<string, Promise<unknown>>();

/** Constant script run under flock: say so, then hold until stdin closes. */
const HOLD = 'echo locked; exec cat >/dev/null';

async function flock(lockPath: string, waitSeconds: number): Promise<() => Promise<void>> {
  fs.mkdirSync(path.dirname(lockPath), { recursive: true });
  const child = spawn('flock', ['--exclusive', '--wait', String(waitSeconds), lockPath, 'sh', '-c', HOLD], { stdio: ['pipe', 'pipe', 'pipe'] });
  const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  const locked = await new Promise<boolean>((resolve, reject) => {
    child.on('error', reject);
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      if (d.includes('locked')) resolve(true);
    });
    void exited.then(() => resolve(false));
  });
  if (!locked) throw new OdoopsError(`cannot lock ${lockPath} within ${waitSeconds} s${stderr.trim() ? `: ${stderr.trim()}` : ' (another odoops is fetching the config repo)'}`);
  return async () => {
    child.stdin.end();
    await exited;
  };
}

/** Runs `fn` holding the lock of `dir` (in this process and across processes). */
export async function withMirrorLock<T>(dir: string, fn: () => Promise<T>, opts: { waitSeconds?: number } = {}): Promise<T> {
  const previous = inProcess.get(dir) ?? Promise.resolve();
  const run = previous.catch(() => undefined).then(async () => {
    const release = await flock(`${dir}.lock`, opts.waitSeconds ?? 300);
    try {
      return await fn();
    } finally {
      await release();
    }
  });
  inProcess.set(dir, run);
  void run.finally(() => {
    if (inProcess.get(dir) === run) inProcess.delete(dir);
  }).catch(() => undefined);
  return run;
}

/**
 * The operator's state directory (pending applies, holds, drift schedule, seen webhook
 * deliveries) belongs to one `odoops serve` at a time: two processes writing the same files
 * would lose each other's updates. A pid file created exclusively claims it. A pid file left
 * by a process that no longer runs (killed, or from before a reboot: the boot id differs,
 * since a daemon started at boot often gets the same pid again) is taken over.
 */
import fs from 'node:fs';
import path from 'node:path';
import { OdoopsError, errorMessage } from '../util/errors.ts';

export const PID_FILE = 'serve.pid';

export interface StateDirClaim {
  dir: string;
  /** Removes the pid file if it is still ours. */
  release(): void;
}

interface Holder {
  pid: number;
  bootId: string;
}

/** Directories claimed by this process (a second claim in-process is refused too). */
const claimed = new Set<string>();

function bootId(): string {
  try {
    return fs.readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
  } catch {
    return '';
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: the process exists but belongs to someone else.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function readHolder(file: string): Holder | null {
  try {
    const v = JSON.parse(fs.readFileSync(file, 'utf8')) as Partial<Holder>;
    return typeof v.pid === 'number' && typeof v.bootId === 'string' ? { pid: v.pid, bootId: v.bootId } : null;
  } catch {
    return null;
  }
}

function inUse(h: Holder | null): boolean {
  if (!h || h.bootId !== bootId()) return false;
  if (h.pid === process.pid) return false; // a previous life of this pid: we have not claimed it (checked before)
  return alive(h.pid);
}

export function claimStateDir(dir: string): StateDirClaim {
  const abs = path.resolve(dir);
  if (claimed.has(abs)) throw new OdoopsError(`state directory ${abs} is already in use by this process`);
  try {
    fs.mkdirSync(abs, { recursive: true, mode: 0o700 });
  } catch (err) {
    throw new OdoopsError(`cannot create state directory ${abs}: ${errorMessage(err)}`);
  }
  const file = path.join(abs, PID_FILE);
  const mine = JSON.stringify({ pid: process.pid, bootId: bootId() } satisfies Holder);
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      fs.writeFileSync(file, `${mine}\n`, { flag: 'wx', mode: 0o600 });
      claimed.add(abs);
      return {
        dir: abs,
        release: () => {
          claimed.delete(abs);
          try {
            if (fs.readFileSync(file, 'utf8').trim() === mine) fs.rmSync(file);
          } catch {
            // Already gone: nothing to release.
          }
        },
      };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw new OdoopsError(`cannot write ${file}: ${errorMessage(err)}`);
    }
    const holder = readHolder(file);
    if (inUse(holder)) {
      throw new OdoopsError(`state directory ${abs} is in use by odoops serve pid ${holder!.pid} (one operator per state directory)`);
    }
    // Stale or unreadable: remove it and race for it again with 'wx'. Two operators taking over
    // the same stale file at the same instant could both win; starting two on one directory
    // at once after a crash is the one case this file does not guard.
    fs.rmSync(file, { force: true });
  }
  throw new OdoopsError(`cannot claim state directory ${abs}: ${file} keeps reappearing`);
}

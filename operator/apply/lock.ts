/**
 * The per-server lock. A long-lived remote shell (operator/host/scripts/lock.sh) holds `flock`
 * on /var/lib/odoops/lock for the whole run; the kernel releases it when that shell dies
 * (odoops killed, link lost), so a dead run can never hold a server forever. Every command a
 * run executes goes through the fence guard (host/scripts/guard.sh): it starts only while its
 * run holds the lock, and a new holder first stops and drains the commands of earlier runs.
 * lock.json says who holds it; it is removed only on a clean release, so finding one after
 * taking the flock means the previous run died mid-way: that lock was stale, its commands were
 * stopped, and the caller must deal with what it left (operator/apply/recover.ts).
 *
 * tryLock never throws: it says whether it got the lock and, if not, why (a typed reason).
 */
import os from 'node:os';
import { TIMEOUTS } from '../host/command.ts';
import { lockHolder } from '../host/commands.ts';
import type { HostSession } from '../live/ssh.ts';
import type { Reason } from '../plan/types.ts';
import { errorMessage } from '../util/errors.ts';

export interface LockInfo {
  runId: string;
  host: string;
  pid: number;
  user: string;
  command: string;
  since: string;
}

export interface ServerLock {
  acquired: true;
  info: LockInfo;
  /** The holder of a stale lock this run took over, if any. */
  takenOver: LockInfo | null;
  /** Commands of earlier runs the server stopped before granting the lock. */
  stoppedCommands: number;
  release(): Promise<void>;
}

export interface LockRefused {
  acquired: false;
  /** locked (another live run), unreachable (no answer, channel failed), internal. */
  reason: Reason;
  holder: LockInfo | null;
  /** Nothing to release; present so callers can always release in a finally. */
  release(): Promise<void>;
}

export type LockAttempt = ServerLock | LockRefused;

export interface LockOptions {
  runId: string;
  /** How long to wait for a lock held by another run; default 0 (answer at once). */
  waitMs?: number;
  command?: string;
  now?: Date;
  /** The server drops a holder that has not pinged for this long; default 60 s. */
  idleMs?: number;
  /** How long the server may take to answer at all, on top of waitMs (default TIMEOUTS.lockAnswer). */
  answerMs?: number;
}

function parseInfo(text: string): LockInfo | null {
  try {
    const v = JSON.parse(text) as LockInfo;
    return typeof v.runId === 'string' ? v : null;
  } catch {
    return null;
  }
}

export function newRunId(): string {
  return `${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
}

export function heldMessage(client: string, holder: LockInfo | null, waitedMs: number): string {
  const who = holder ? `run ${holder.runId} on host ${holder.host} since ${holder.since}` : 'another process';
  return `${client} is locked by ${who}${waitedMs > 0 ? ` (waited ${Math.round(waitedMs / 1000)} s)` : ''}`;
}

export async function tryLock(session: HostSession, client: string, opts: LockOptions): Promise<LockAttempt> {
  const info: LockInfo = {
    runId: opts.runId,
    host: os.hostname(),
    pid: process.pid,
    user: os.userInfo().username,
    command: opts.command ?? 'apply',
    since: (opts.now ?? new Date()).toISOString(),
  };
  const waitMs = opts.waitMs ?? 0;
  const idleMs = opts.idleMs ?? 60_000;
  const answerMs = opts.answerMs ?? TIMEOUTS.lockAnswer;
  const refused = (reason: Reason, holder: LockInfo | null = null): LockRefused => ({ acquired: false, reason, holder, release: async () => undefined });

  let proc;
  try {
    proc = session.spawn(lockHolder({ info: JSON.stringify(info), runId: opts.runId, waitSeconds: waitMs / 1000, idleSeconds: Math.ceil(idleMs / 1000) }));
  } catch (err) {
    return refused({ code: 'unreachable', message: `${client}: could not take the server lock: ${errorMessage(err)}` });
  }
  let buffer = '';
  let takenOver: LockInfo | null = null;
  let busyWith: LockInfo | null = null;
  let stoppedCommands = 0;
  const started = Date.now();
  type Outcome = 'locked' | { held: LockInfo | null } | { died: string } | { silent: number };
  const outcome = await new Promise<Outcome>((resolve) => {
    // A local deadline: a server that never answers (link lost after connecting, a hung
    // sshd) must not keep this run waiting. A stale takeover gets the drain time on top.
    let timer = setTimeout(() => resolve({ silent: waitMs + answerMs }), waitMs + answerMs);
    proc.onStdout((chunk) => {
      buffer += chunk;
      let nl: number;
      while ((nl = buffer.indexOf('\n')) >= 0) {
        const line = buffer.slice(0, nl);
        buffer = buffer.slice(nl + 1);
        if (line === 'LOCKED') {
          clearTimeout(timer);
          resolve('locked');
        } else if (line.startsWith('BUSY ')) busyWith = parseInfo(line.slice(5));
        else if (line.startsWith('HELD ')) {
          clearTimeout(timer);
          resolve({ held: parseInfo(line.slice(5)) ?? busyWith });
        } else if (line.startsWith('STALE ')) {
          takenOver = parseInfo(line.slice(6));
          clearTimeout(timer);
          const more = TIMEOUTS.drain * 2 + answerMs;
          timer = setTimeout(() => resolve({ silent: Date.now() - started + more }), more);
        } else if (line.startsWith('STOPPED ')) stoppedCommands = Number(line.slice(8)) || 0;
      }
    });
    void proc.exited.then((r) => {
      clearTimeout(timer);
      resolve({ died: r.stderr.trim() || `exit ${r.code}` });
    });
  });
  if (outcome !== 'locked') {
    proc.end();
    if ('held' in outcome) return refused({ code: 'locked', message: heldMessage(client, outcome.held, Date.now() - started) }, outcome.held);
    if ('silent' in outcome) {
      return refused({ code: 'unreachable', message: `${client}: the server lock did not answer within ${Math.round(outcome.silent / 1000)} s` });
    }
    return refused({ code: 'unreachable', message: `${client}: could not take the server lock: ${outcome.died}` });
  }
  let released = false;
  const ping = setInterval(() => proc.write('ping\n'), Math.max(250, idleMs / 4));
  ping.unref();
  void proc.exited.then(() => clearInterval(ping));
  return {
    acquired: true,
    info,
    takenOver,
    stoppedCommands,
    release: async () => {
      if (released) return;
      released = true;
      clearInterval(ping);
      proc.write('release\n');
      proc.end();
      // A link that died meanwhile must not hang the release: the server drops a silent holder.
      await Promise.race([proc.exited, new Promise((r) => setTimeout(r, TIMEOUTS.lockAnswer).unref())]);
    },
  };
}

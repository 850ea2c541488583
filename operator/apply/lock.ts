/**
 * The per-server lock. A long-lived remote shell holds `flock` on /var/lib/odoops/lock for
 * the whole apply; the kernel releases it when that shell dies (odoops killed, link lost),
 * so a dead run can never hold a server forever. lock.json says who holds it; it is removed
 * only on a clean release, so finding one after taking the flock means the previous run
 * died mid-way: that lock was stale and is taken over (and reported).
 */
import os from 'node:os';
import { LOCK_FILE, LOCK_INFO_FILE, ODOOPS_DIR } from '../live/commands.ts';
import type { HostSession } from '../live/ssh.ts';
import { OdoopsError } from '../util/errors.ts';

export interface LockInfo {
  runId: string;
  host: string;
  pid: number;
  user: string;
  command: string;
  since: string;
}

export interface ServerLock {
  info: LockInfo;
  /** The holder of a stale lock this run took over, if any. */
  takenOver: LockInfo | null;
  release(): Promise<void>;
}

export class LockHeldError extends OdoopsError {
  constructor(readonly client: string, readonly holder: LockInfo | null, waitedMs: number) {
    const who = holder ? `run ${holder.runId} on host ${holder.host} since ${holder.since}` : 'another process';
    super(`${client} is locked by ${who}${waitedMs > 0 ? ` (waited ${Math.round(waitedMs / 1000)} s)` : ''}`);
    this.name = 'LockHeldError';
  }
}

export const LOCK_SCRIPT = [
  'info="$1"; wait="$2"; dir="$3"; lock="$4"; json="$5"; idle="$6"',
  'mkdir -p "$dir"',
  'exec 9>>"$lock"',
  'if ! flock -n 9; then',
  '  printf "BUSY %s\\n" "$(tr -d "\\n" 2>/dev/null < "$json")"',
  '  if ! flock -w "$wait" 9; then printf "HELD %s\\n" "$(tr -d "\\n" 2>/dev/null < "$json")"; exit 75; fi',
  'fi',
  'if [ -s "$json" ]; then printf "STALE %s\\n" "$(tr -d "\\n" < "$json")"; fi',
  'printf "%s\\n" "$info" > "$json.tmp" && mv "$json.tmp" "$json"',
  'echo LOCKED',
  // Held while odoops pings; "release" is the clean end. EOF or $idle seconds of silence
  // (odoops killed, link lost even if this sshd never notices): exit, lock.json stays = stale.
  'while read -r -t "$idle" cmd; do',
  '  if [ "$cmd" = release ]; then rm -f "$json"; echo RELEASED; exit 0; fi',
  'done',
].join('\n');

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

export async function acquireLock(
  session: HostSession,
  client: string,
  opts: { runId: string; waitMs?: number; command?: string; now?: Date; idleMs?: number },
): Promise<ServerLock> {
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
  // bash for `read -t` (dash has none); bash is part of every supported server OS.
  const proc = session.spawn(['bash', '-c', LOCK_SCRIPT, 'odoops-lock', JSON.stringify(info), String(waitMs / 1000), ODOOPS_DIR, LOCK_FILE, LOCK_INFO_FILE, String(Math.ceil(idleMs / 1000))]);
  let buffer = '';
  let takenOver: LockInfo | null = null;
  let busyWith: LockInfo | null = null;
  const started = Date.now();
  const outcome = await new Promise<'locked' | { held: LockInfo | null } | { died: string }>((resolve) => {
    proc.onStdout((chunk) => {
      buffer += chunk;
      let nl: number;
      while ((nl = buffer.indexOf('\n')) >= 0) {
        const line = buffer.slice(0, nl);
        buffer = buffer.slice(nl + 1);
        if (line === 'LOCKED') resolve('locked');
        else if (line.startsWith('BUSY ')) busyWith = parseInfo(line.slice(5));
        else if (line.startsWith('HELD ')) resolve({ held: parseInfo(line.slice(5)) ?? busyWith });
        else if (line.startsWith('STALE ')) takenOver = parseInfo(line.slice(6));
      }
    });
    void proc.exited.then((r) => resolve({ died: r.stderr.trim() || `exit ${r.code}` }));
  });
  if (outcome !== 'locked') {
    if ('held' in outcome) throw new LockHeldError(client, outcome.held, Date.now() - started);
    throw new OdoopsError(`${client}: could not take the server lock: ${outcome.died}`);
  }
  let released = false;
  const ping = setInterval(() => proc.write('ping\n'), Math.max(250, idleMs / 4));
  ping.unref();
  void proc.exited.then(() => clearInterval(ping));
  return {
    info,
    takenOver,
    release: async () => {
      if (released) return;
      released = true;
      clearInterval(ping);
      proc.write('release\n');
      proc.end();
      await proc.exited;
    },
  };
}

/**
 * Helpers for tests that look at (or disturb) a sandbox server directly, without odoops:
 * SQL in its PostgreSQL, file modes, background load inside the server's namespaces.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { sandboxExec } from '../../operator/sandbox/index.ts';
import type { SandboxInfo } from '../util/sandbox.ts';

export const PSQL = ['psql', '-h', '/var/run/postgresql', '-U', 'odoo', '-X', '-q', '-At'];

/** Runs shell text inside the first (or named) server; throws with stderr when it fails. */
export async function onServer(info: SandboxInfo, script: string, client = info.servers[0]!.client, input?: string): Promise<string> {
  const r = await sandboxExec(info, client, ['sh', '-c', script], input === undefined ? {} : { input });
  if (r.code !== 0) throw new Error(`on ${client}: ${script}: exit ${r.code}: ${r.stderr.trim()}`);
  return r.stdout;
}

/** SQL on a database of the server (psql -At output). */
export async function sql(info: SandboxInfo, database: string, query: string, client = info.servers[0]!.client): Promise<string> {
  const r = await sandboxExec(info, client, [...PSQL, '-d', database, '-v', 'ON_ERROR_STOP=1', '-f', '-'], { input: `${query}\n` });
  if (r.code !== 0) throw new Error(`psql ${database}: ${r.stderr.trim()}`);
  return r.stdout.trim();
}

export async function databases(info: SandboxInfo, client = info.servers[0]!.client): Promise<string[]> {
  return (await sql(info, 'postgres', 'SELECT datname FROM pg_database ORDER BY 1', client)).split('\n');
}

/** A process running inside a server's namespaces, in its own process group (stop() kills the group). */
export interface ServerProcess {
  child: ChildProcess;
  output(): string;
  stop(): Promise<void>;
}

export async function startOnServer(info: SandboxInfo, script: string, client = info.servers[0]!.client): Promise<ServerProcess> {
  // sandbox.json records the namespace holder of each server (not part of the public SandboxInfo).
  const state = JSON.parse(await readFile(path.join(info.dir, 'sandbox.json'), 'utf8')) as { serverPath: string; servers: { client: string; holderPid?: number }[] };
  const rec = state.servers.find((s) => s.client === client);
  if (!rec?.holderPid) throw new Error(`no namespace holder for ${client}`);
  const child = spawn('nsenter', [`--target=${rec.holderPid}`, '--net', '--mount', '--uts', '--wd', '--', 'sh', '-c', script], {
    detached: true,
    stdio: ['pipe', 'pipe', 'pipe'],
    env: { PATH: state.serverPath, HOME: '/root', LANG: 'C.UTF-8' },
  });
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  const exited = new Promise<void>((resolve) => child.on('close', () => resolve()));
  return {
    child,
    output: () => out,
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null && child.pid) {
        try {
          process.kill(-child.pid, 'SIGKILL');
        } catch {
          // already gone
        }
      }
      await exited;
    },
  };
}

/** Committed CREATE/DROP TABLE pairs as fast as psql takes them: the pg_dump race of issue 7. */
export function ddlLoop(info: SandboxInfo, database: string, client?: string): Promise<ServerProcess> {
  return startOnServer(
    info,
    `i=0; while :; do i=$((i+1)); echo "CREATE TABLE tmp_race_$i (x int); DROP TABLE tmp_race_$i;"; done | ${PSQL.join(' ')} -d "$0" 2>/dev/null`.replace('"$0"', database),
    client,
  );
}

/** Polls `check` until it returns a value (not undefined), at most `tries` times; never a wall-clock assertion. */
export async function waitFor<T>(what: string, check: () => Promise<T | undefined>, tries = 600, everyMs = 50): Promise<T> {
  for (let i = 0; i < tries; i++) {
    const v = await check();
    if (v !== undefined) return v;
    await new Promise((r) => setTimeout(r, everyMs));
  }
  throw new Error(`gave up waiting for ${what}`);
}

/** Octal mode of each path ("700 /var/lib/odoops"). */
export async function modes(info: SandboxInfo, paths: string, client?: string): Promise<Map<string, string>> {
  const out = await onServer(info, `stat -c '%a %n' ${paths}`, client);
  return new Map(out.trim().split('\n').map((l) => [l.slice(l.indexOf(' ') + 1), l.slice(0, l.indexOf(' '))]));
}

/**
 * Processes of this server whose command line contains `needle` ("<pid> <cmdline>" lines).
 * /proc is the machine's: only processes in the server's network namespace count, so other
 * sandboxes (other tests, another suite running alongside) never match.
 */
export async function processes(info: SandboxInfo, needle: string, client = info.servers[0]!.client): Promise<string[]> {
  const script = [
    'self=$(readlink /proc/self/ns/net)',
    'for d in /proc/[0-9]*; do',
    '  p=${d#/proc/}',
    '  [ "$p" = "$$" ] && continue',
    '  [ "$(readlink "$d/ns/net" 2>/dev/null)" = "$self" ] || continue',
    '  c=$(tr "\\0" " " < "$d/cmdline" 2>/dev/null) || continue',
    '  case "$c" in *"$1"*) echo "$p $c" ;; esac',
    'done',
  ].join('\n');
  const r = await sandboxExec(info, client, ['sh', '-c', script, 'sh', needle]);
  return r.stdout.split('\n').filter(Boolean);
}

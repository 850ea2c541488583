/**
 * Working with a running sandbox: read it, inject faults, show what runs where, run a
 * command inside a host. Hosts are named by client (acme) or role host name (backup1, s3,
 * monitoring1, log).
 */
import path from 'node:path';
import { OdoopsError, UsageError } from '../util/errors.ts';
import { enterArgv, hostEnv, startSshd, stopSshd } from './host.ts';
import { forgetNeighbours, linkIsUp } from './network.ts';
import { netnsOf, run, runOk, type RunResult } from './proc.ts';
import { assertRoot } from './preflight.ts';
import { ROLE_HOST_PATH, runsSshd } from './roles.ts';
import { rootArgv, rootEnv, startRootSshd } from './rootfs.ts';
import { serverEnv, startPostgres, stopPostgres } from './server.ts';
import { publicInfo, readState, writeState, type HostRecord, type RoleHostRecord, type SandboxInfo, type SandboxState, type ServerRecord } from './state.ts';

export type Fault = 'link-down' | 'link-up' | 'sshd-stop' | 'sshd-start' | 'db-stop' | 'db-start';
export const FAULTS: readonly Fault[] = ['link-down', 'link-up', 'sshd-stop', 'sshd-start', 'db-stop', 'db-start'];

export async function readSandbox(dir: string): Promise<SandboxInfo | null> {
  const s = await readState(path.resolve(dir));
  return s ? publicInfo(s) : null;
}

type Located = { state: SandboxState } & ({ kind: 'server'; rec: ServerRecord } | { kind: 'role'; rec: RoleHostRecord });

async function loadHost(dir: string, name: string): Promise<Located> {
  const state = await readState(path.resolve(dir));
  if (!state) throw new OdoopsError(`no sandbox in ${path.resolve(dir)} (no sandbox.json): run odoops sandbox up`);
  const server = state.servers.find((s) => s.client === name);
  if (server) return { state, kind: 'server', rec: server };
  const role = state.hosts.find((h) => h.name === name);
  if (role) return { state, kind: 'role', rec: role };
  const others = state.hosts.length ? `; other hosts: ${state.hosts.map((h) => h.name).join(', ')}` : '';
  throw new UsageError(`no client "${name}" in the sandbox in ${state.dir} (clients: ${state.servers.map((s) => s.client).join(', ')}${others})`);
}

/** Is this PID alive and in the host's network namespace? */
async function ours(rec: HostRecord, pid?: number): Promise<boolean> {
  return !!pid && rec.netnsInode !== undefined && (await netnsOf(pid)) === rec.netnsInode;
}

export async function sandboxFault(opts: { dir: string; client: string; fault: Fault }): Promise<void> {
  assertRoot();
  if (!FAULTS.includes(opts.fault)) throw new UsageError(`unknown fault "${opts.fault}" (one of ${FAULTS.join(', ')})`);
  const h = await loadHost(opts.dir, opts.client);
  const { state, rec } = h;
  const sshdPath = h.kind === 'server' ? state.serverPath : ROLE_HOST_PATH;
  if ((opts.fault === 'sshd-stop' || opts.fault === 'sshd-start') && h.kind === 'role' && !runsSshd(h.rec)) {
    throw new UsageError(`${opts.client} runs no sshd`);
  }
  switch (opts.fault) {
    case 'link-down':
      await runOk(['ip', 'link', 'set', 'dev', rec.veth, 'down'], { what: `link-down of ${opts.client}` });
      break;
    case 'link-up':
      await runOk(['ip', 'link', 'set', 'dev', rec.veth, 'up'], { what: `link-up of ${opts.client}` });
      if (state.version >= 2) await forgetNeighbours(state.slot, rec, [...state.servers, ...state.hosts]);
      break;
    case 'sshd-stop':
      await stopSshd(rec);
      break;
    case 'sshd-start':
      if (await ours(rec, rec.sshdPid)) break;
      if (h.kind === 'server' && state.options.rootfs) await startRootSshd(h.rec);
      else await startSshd(rec, sshdPath);
      break;
    case 'db-stop':
    case 'db-start':
      if (h.kind !== 'server') throw new UsageError(`${opts.client} is a ${h.rec.role} host: it runs no PostgreSQL`);
      if (state.options.rootfs) throw new UsageError(`${opts.client} has its own root filesystem: it runs no PostgreSQL`);
      if (opts.fault === 'db-stop') await stopPostgres(h.rec);
      else if (!(await ours(rec, h.rec.postgresPid))) await startPostgres(state, h.rec);
      break;
  }
  await writeState(state);
}

export interface HostStatus {
  /** Client name or role host name. */
  name: string;
  role: 'client' | RoleHostRecord['role'];
  host: string;
  link: boolean;
  /** Daemon -> running? (sshd, db, s3rver: what this host runs). */
  services: Record<string, boolean>;
}

/** Every host's holder (or the S3 host's s3rver) still runs: the sandbox is up (faults aside). */
export async function isRunning(state: SandboxState): Promise<boolean> {
  if (state.servers.length !== state.clients) return false;
  for (const s of state.servers) if (!s.holderPid || !(await ours(s, s.holderPid))) return false;
  for (const h of state.hosts) if (!(await ours(h, h.role === 's3' ? h.servicePid : h.holderPid))) return false;
  return true;
}

export async function sandboxStatus(dir: string): Promise<{ state: SandboxState; hosts: HostStatus[]; running: boolean } | null> {
  const state = await readState(path.resolve(dir));
  if (!state) return null;
  const hosts: HostStatus[] = [];
  for (const rec of state.servers) {
    const services: Record<string, boolean> = { sshd: await ours(rec, rec.sshdPid) };
    if (!state.options.rootfs) services.db = await ours(rec, rec.postgresPid);
    hosts.push({ name: rec.client, role: 'client', host: rec.host, link: await linkIsUp(rec), services });
  }
  for (const rec of state.hosts) {
    const services: Record<string, boolean> = runsSshd(rec) ? { sshd: await ours(rec, rec.sshdPid) } : { s3rver: await ours(rec, rec.servicePid) };
    hosts.push({ name: rec.name, role: rec.role, host: rec.host, link: await linkIsUp(rec), services });
  }
  return { state, hosts, running: await isRunning(state) };
}

/**
 * Run argv as root inside a host (its network, mount and UTS namespaces), without SSH,
 * with the same PATH an SSH session gets. For tests and tools that check or tamper with
 * host state; on a --rootfs server, inside its root. The S3 host has only a network
 * namespace: use `ip netns exec`.
 */
export async function sandboxExec(
  info: SandboxInfo,
  client: string,
  argv: string[],
  opts: { input?: string; timeoutMs?: number } = {},
): Promise<RunResult> {
  const h = await loadHost(info.dir, client);
  if (argv.length === 0) throw new UsageError('sandboxExec: empty command');
  if (h.kind === 'role' && !h.rec.holderPid) throw new UsageError(`${client} has no mount namespace of its own: use ip netns exec ${h.rec.netns}`);
  if (h.kind === 'server' && h.state.options.rootfs) return run([...rootArgv(h.rec), ...argv], { env: rootEnv(), input: opts.input, timeoutMs: opts.timeoutMs });
  const env = h.kind === 'server' ? serverEnv(h.state) : hostEnv(ROLE_HOST_PATH);
  return run([...enterArgv(h.rec), ...argv], { env, input: opts.input, timeoutMs: opts.timeoutMs });
}

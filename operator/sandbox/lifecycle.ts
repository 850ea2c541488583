/** sandbox up / down / fault / status / exec. */
import { existsSync } from 'node:fs';
import { chmod, mkdir, readdir, rm, rmdir, stat, writeFile, readFile } from 'node:fs/promises';
import path from 'node:path';
import { OdoopsError, UsageError } from '../util/errors.ts';
import type { ClientSpec } from '../desired/types.ts';
import { fingerprintOfPublicKeyFile, generateKey } from './keys.ts';
import { ensureTemplate, postgresUser, PG_BIN } from './postgres.ts';
import { isAlive, mapLimit, netnsOf, pidsInNamespace, run, runOk, sleep, stopPid, type RunResult } from './proc.ts';
import { checkSandboxDir, mkdirReachable } from './paths.ts';
import { provisionServer } from './provision.ts';
import { installRuntime, runtimePaths, standInsPresent, STANDINS_SOURCE } from './runtime.ts';
import { createAddonsRepos, loadSandboxDesired, planClients, writeConfigRepo, type ServerFacts } from './repos.ts';
import { enterArgv, hostKeyPath, linkIsUp, prepareMachine, startSshd, stopSshd } from './host.ts';
import { newServerRecord, serverEnv, startPostgres, startServer, stopPostgres } from './server.ts';
import {
  claimSlot,
  MAX_CLIENTS,
  netnsName,
  publicInfo,
  readState,
  releaseSlot,
  vethName,
  writeState,
  type SandboxInfo,
  type SandboxState,
  type ServerRecord,
} from './state.ts';

export type Fault = 'link-down' | 'link-up' | 'sshd-stop' | 'sshd-start' | 'db-stop' | 'db-start';
export const FAULTS: readonly Fault[] = ['link-down', 'link-up', 'sshd-stop', 'sshd-start', 'db-stop', 'db-start'];

/** Servers brought up at once: process spawns and waits dominate, not CPU. */
const CONCURRENCY = Number(process.env.ODOOPS_SANDBOX_CONCURRENCY ?? 6);
const REQUIRED = ['/usr/sbin/sshd', '/usr/bin/ssh-keygen', `${PG_BIN}/postgres`, `${PG_BIN}/initdb`];
const REQUIRED_ON_PATH = ['ip', 'nsenter', 'unshare', 'setpriv', 'git'];

export function assertRoot(): void {
  if (typeof process.getuid === 'function' && process.getuid() !== 0) {
    throw new OdoopsError('sandbox needs root (it creates network and mount namespaces): run it as root');
  }
}

async function preflight(): Promise<void> {
  assertRoot();
  const missing = REQUIRED.filter((f) => !existsSync(f));
  for (const cmd of REQUIRED_ON_PATH) {
    if ((await run(['sh', '-c', 'command -v "$1"', 'sh', cmd])).code !== 0) missing.push(cmd);
  }
  if (missing.length) throw new OdoopsError(`sandbox: missing ${missing.join(', ')}: run npm run setup (installs openssh-server, postgresql-15, iproute2, util-linux, git)`);
}

export function parseClientCount(value: unknown): number {
  const text = String(value ?? '').trim();
  const n = /^\d+$/.test(text) ? Number(text) : NaN;
  if (!Number.isInteger(n) || n < 1 || n > MAX_CLIENTS) {
    throw new UsageError(`--clients must be a whole number from 1 to ${MAX_CLIENTS}, got "${text}"`);
  }
  return n;
}

/** Every server's namespace holder still runs: the sandbox is up (faults aside). */
async function isRunning(state: SandboxState): Promise<boolean> {
  if (state.servers.length !== state.clients) return false;
  for (const s of state.servers) {
    if (!s.holderPid || !s.netnsInode || (await netnsOf(s.holderPid)) !== s.netnsInode) return false;
  }
  return true;
}

export interface UpResult {
  info: SandboxInfo;
  alreadyRunning: boolean;
  seconds: number;
  /** Present when the odoo/docker stand-ins were missing and instances were not provisioned. */
  warning?: string;
}

export interface UpOptions {
  clients: number;
  dir: string;
  /** Servers with nothing provisioned: base OS, sshd, the host contract's programs; no /srv/odoo, no Odoo database. */
  bare?: boolean;
  log?: (line: string) => void;
}

export async function upSandbox(opts: UpOptions): Promise<UpResult> {
  // Whatever the caller's umask, what the sandbox creates must be reachable by user postgres
  // and by the hosts' daemons.
  const umask = process.umask(0o022);
  try {
    return await up(opts);
  } finally {
    process.umask(umask);
  }
}

async function up(opts: UpOptions): Promise<UpResult> {
  const started = Date.now();
  const clients = parseClientCount(opts.clients);
  const dir = path.resolve(opts.dir);
  await preflight();
  await checkSandboxDir(dir);
  const log = opts.log ?? (() => {});

  const existing = await readState(dir);
  if (existing) {
    if (existing.status === 'starting' && existing.upPid !== process.pid && isAlive(existing.upPid)) {
      throw new OdoopsError(`sandbox in ${dir} is being started by process ${existing.upPid}`);
    }
    if (existing.status === 'up' && (await isRunning(existing))) {
      // Hosts run the stand-ins from DIR/runtime: bring the copy up to date with the checkout.
      if (standInsPresent()) await installRuntime(dir);
      return { info: publicInfo(existing), alreadyRunning: true, seconds: (Date.now() - started) / 1000 };
    }
    log(`sandbox in ${dir} is stale: cleaning it up first`);
    await downSandbox({ dir });
  } else if (existsSync(dir) && (await readdir(dir)).length > 0) {
    throw new OdoopsError(`--dir ${dir}: exists, is not empty and holds no sandbox.json; refusing to use it`);
  }

  await mkdirReachable(dir);
  // PostgreSQL runs as user postgres and must traverse DIR (mkdtemp makes it 0700).
  await chmod(dir, 0o755);
  const runtime = runtimePaths(dir);
  const plan = await planClients(clients);
  const slot = await claimSlot(dir, await slotsInUse());
  const state: SandboxState = {
    version: 2,
    status: 'starting',
    dir,
    slot,
    clients,
    options: { bare: !!opts.bare },
    upPid: process.pid,
    createdAt: new Date().toISOString(),
    repoDir: path.join(dir, 'config'),
    privateKeyPath: path.join(dir, 'id_ed25519'),
    publicKeyPath: path.join(dir, 'id_ed25519.pub'),
    addonsRepos: {},
    // The stand-ins are node scripts: node's own directory comes last in case it is elsewhere.
    serverPath: [runtime.standinBin, '/usr/local/sbin', '/usr/local/bin', '/usr/sbin', '/usr/bin', '/sbin', '/bin', runtime.nodeDir]
      .filter((p, i, all) => all.indexOf(p) === i)
      .join(':'),
    servers: [],
  };
  state.servers = plan.clients.map((c, i) => newServerRecord(state, i + 1, c.name, netnsName(slot, i + 1), vethName(slot, i + 1)));
  await writeState(state);

  try {
    for (const rec of state.servers) await mkdir(rec.home, { recursive: true });
    // Host keys first: the config repo pins them, and what the servers run comes from it.
    const [template, pg, addonsRepos] = await Promise.all([
      ensureTemplate(),
      postgresUser(),
      createAddonsRepos(dir),
      generateKey(state.privateKeyPath, 'odoops-sandbox-operator'),
      prepareMachine(),
      standInsPresent() ? installRuntime(dir) : undefined,
      ...state.servers.map(async (rec) => {
        await generateKey(hostKeyPath(rec), `root@${rec.client}`);
        rec.hostKey = await fingerprintOfPublicKeyFile(`${hostKeyPath(rec)}.pub`);
      }),
    ]);
    state.addonsRepos = addonsRepos;
    await writeState(state);
    await writeFile(path.join(dir, 'authorized_keys'), await readFile(state.publicKeyPath, 'utf8'));
    const facts: Record<string, ServerFacts> = {};
    for (const s of state.servers) facts[s.client] = { host: s.host, port: s.port, user: s.user, hostKey: s.hostKey };
    // Servers start while the generated repo is written and resolved by the product.
    const desired = writeConfigRepo(state.repoDir, plan, facts, addonsRepos).then(() => loadSandboxDesired(state.repoDir));
    desired.catch(() => {}); // awaited below; no unhandled rejection meanwhile
    const specOf = async (rec: ServerRecord): Promise<ClientSpec> => {
      const spec = (await desired).get(rec.client);
      if (!spec) throw new OdoopsError(`sandbox: client ${rec.client} is missing from its generated config repo`);
      return spec;
    };
    // Each server is provisioned as soon as it is up: CPU-bound provisioning overlaps
    // with other servers' process start-ups.
    const provision = standInsPresent() && !state.options.bare;
    let serversUp = 0;
    await mapLimit(state.servers, CONCURRENCY, async (rec) => {
      await startServer({ state, template, pg, spec: specOf(rec) }, rec);
      await writeState(state);
      if (++serversUp === state.servers.length) log(`${clients} server(s) up in ${((Date.now() - started) / 1000).toFixed(1)} s`);
      if (provision) {
        rec.instances = await provisionServer(state, rec, await specOf(rec));
        await writeState(state);
      }
    });
    await desired;
    const warning = standInsPresent() ? undefined : `stand-ins ${STANDINS_SOURCE}/bin/{odoo,docker} are missing: instances were not provisioned`;
    if (provision) log(`instances provisioned, ${((Date.now() - started) / 1000).toFixed(1)} s in all`);
    state.status = 'up';
    await writeState(state);
    return { info: publicInfo(state), alreadyRunning: false, seconds: (Date.now() - started) / 1000, warning };
  } catch (err) {
    // ODOOPS_SANDBOX_KEEP=1 keeps a failed sandbox for inspection (then: sandbox down --dir).
    if (process.env.ODOOPS_SANDBOX_KEEP !== '1') await downSandbox({ dir }).catch(() => {});
    throw err;
  }
}

export async function sandboxUp(opts: UpOptions): Promise<SandboxInfo> {
  return (await upSandbox(opts)).info;
}

/** Slots whose 10.213.<slot>.1 address is configured on this machine (belt and braces next to the slot files). */
async function slotsInUse(): Promise<Set<number>> {
  const out = new Set<number>();
  const r = await run(['ip', '-o', '-4', 'addr', 'show']);
  for (const m of r.stdout.matchAll(/inet 10\.213\.(\d+)\.1\b/g)) out.add(Number(m[1]));
  return out;
}

/** Stop every process inside a server's network namespace: PostgreSQL first (fast shutdown), then the rest. */
async function stopEverything(rec: ServerRecord | undefined, ino: number): Promise<void> {
  if (rec?.postgresPid) await stopPid(rec.postgresPid, ino, { signal: 'SIGINT', graceMs: 5000 });
  let pids = await pidsInNamespace('net', ino);
  for (const pid of pids) {
    try {
      process.kill(pid, 'SIGTERM');
    } catch {
      /* gone */
    }
  }
  const deadline = Date.now() + 3000;
  while (pids.length && Date.now() < deadline) {
    await sleep(20);
    pids = await pidsInNamespace('net', ino);
  }
  for (let round = 0; pids.length && round < 50; round++) {
    for (const pid of pids) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        /* gone */
      }
    }
    await sleep(20);
    pids = await pidsInNamespace('net', ino);
  }
}

async function teardownServer(state: SandboxState, index: number): Promise<void> {
  const ns = netnsName(state.slot, index);
  const veth = vethName(state.slot, index);
  const rec = state.servers.find((s) => s.index === index);
  let ino = rec?.netnsInode;
  if (ino === undefined) ino = await stat(`/run/netns/${ns}`).then((s) => s.ino, () => undefined);
  if (ino !== undefined) await stopEverything(rec, ino);
  await run(['ip', 'link', 'del', veth]);
  await run(['ip', 'netns', 'del', ns]);
}

export async function downSandbox(opts: { dir: string }): Promise<{ found: boolean }> {
  assertRoot();
  const dir = path.resolve(opts.dir);
  const state = await readState(dir);
  if (!state) {
    if (!existsSync(dir)) return { found: false };
    if ((await readdir(dir)).length === 0) {
      await rmdir(dir);
      return { found: false };
    }
    throw new OdoopsError(`--dir ${dir}: no sandbox.json there, not a sandbox directory; nothing removed`);
  }
  const indexes = Array.from({ length: state.clients }, (_, i) => i + 1);
  await mapLimit(indexes, 8, (i) => teardownServer(state, i));
  await rm(dir, { recursive: true, force: true });
  await releaseSlot(state.slot, dir);
  return { found: true };
}

export async function sandboxDown(opts: { dir: string }): Promise<void> {
  await downSandbox(opts);
}

export async function readSandbox(dir: string): Promise<SandboxInfo | null> {
  const s = await readState(path.resolve(dir));
  return s ? publicInfo(s) : null;
}

async function loadServer(dir: string, client: string): Promise<{ state: SandboxState; rec: ServerRecord }> {
  const state = await readState(path.resolve(dir));
  if (!state) throw new OdoopsError(`no sandbox in ${path.resolve(dir)} (no sandbox.json): run odoops sandbox up`);
  const rec = state.servers.find((s) => s.client === client);
  if (!rec) throw new UsageError(`no client "${client}" in the sandbox in ${state.dir} (clients: ${state.servers.map((s) => s.client).join(', ')})`);
  return { state, rec };
}

export async function sandboxFault(opts: { dir: string; client: string; fault: Fault }): Promise<void> {
  assertRoot();
  if (!FAULTS.includes(opts.fault)) throw new UsageError(`unknown fault "${opts.fault}" (one of ${FAULTS.join(', ')})`);
  const { state, rec } = await loadServer(opts.dir, opts.client);
  switch (opts.fault) {
    case 'link-down':
      await runOk(['ip', 'link', 'set', 'dev', rec.veth, 'down'], { what: `link-down of ${rec.client}` });
      break;
    case 'link-up':
      await runOk(['ip', 'link', 'set', 'dev', rec.veth, 'up'], { what: `link-up of ${rec.client}` });
      break;
    case 'sshd-stop':
      await stopSshd(rec);
      break;
    case 'sshd-start':
      if (!(rec.sshdPid && (await netnsOf(rec.sshdPid)) === rec.netnsInode)) await startSshd(rec, state.serverPath);
      break;
    case 'db-stop':
      await stopPostgres(rec);
      break;
    case 'db-start':
      if (!(rec.postgresPid && (await netnsOf(rec.postgresPid)) === rec.netnsInode)) await startPostgres(state, rec);
      break;
  }
  await writeState(state);
}

export interface ServerStatus {
  client: string;
  host: string;
  link: boolean;
  sshd: boolean;
  db: boolean;
}

export async function sandboxStatus(dir: string): Promise<{ state: SandboxState; servers: ServerStatus[]; running: boolean } | null> {
  const state = await readState(path.resolve(dir));
  if (!state) return null;
  const servers: ServerStatus[] = [];
  for (const rec of state.servers) {
    const ours = async (pid?: number) => !!pid && rec.netnsInode !== undefined && (await netnsOf(pid)) === rec.netnsInode;
    servers.push({ client: rec.client, host: rec.host, link: await linkIsUp(rec), sshd: await ours(rec.sshdPid), db: await ours(rec.postgresPid) });
  }
  return { state, servers, running: await isRunning(state) };
}

/**
 * Run argv as root inside a server (its network, mount and UTS namespaces), without SSH,
 * with the same PATH an SSH session gets. For tests and tools that check or tamper with
 * server state.
 */
export async function sandboxExec(
  info: SandboxInfo,
  client: string,
  argv: string[],
  opts: { input?: string; timeoutMs?: number } = {},
): Promise<RunResult> {
  const { state, rec } = await loadServer(info.dir, client);
  if (argv.length === 0) throw new UsageError('sandboxExec: empty command');
  return run([...enterArgv(rec), ...argv], { env: serverEnv(state), input: opts.input, timeoutMs: opts.timeoutMs });
}

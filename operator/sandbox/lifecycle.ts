/**
 * `sandbox up`: claim a slot, record everything in DIR/sandbox.json before making it, then
 * bring up the network, the client servers and the role hosts; the config repo is generated
 * and read back by the product while the hosts start.
 */
import { existsSync } from 'node:fs';
import { chmod, mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { ClientSpec } from '../desired/types.ts';
import { OdoopsError, UsageError } from '../util/errors.ts';
import { isRunning } from './control.ts';
import { hostKeyPath, prepareMachine } from './host.ts';
import { fingerprintOfPublicKeyFile, generateKey } from './keys.ts';
import { createBridge } from './network.ts';
import { checkSandboxDir, mkdirReachable } from './paths.ts';
import { ensureTemplate, postgresUser } from './postgres.ts';
import { preflight } from './preflight.ts';
import { isAlive, mapLimit, run } from './proc.ts';
import { provisionServer } from './provision.ts';
import { ensureRootfs } from './rootfs.ts';
import { addonsRepoUrls, createAddonsRepos, loadSandboxDesired, planClients, writeConfigRepo, type SandboxDestination, type ServerFacts } from './repos.ts';
import { checkRoleHosts, LOG_PORT, plannedRoleHosts, runsSshd, startRoleHost, tlsName } from './roles.ts';
import { installRuntime, runtimePaths, standInsPresent, STANDINS_SOURCE } from './runtime.ts';
import { newServerRecord, startServer } from './server.ts';
import {
  backupKeyPath,
  BACKUP_DATA_DIR,
  bridgeName,
  caCertPath,
  claimSlot,
  knownHostsPath,
  MAX_CLIENTS,
  MAX_ROLE_HOSTS,
  netnsName,
  publicInfo,
  readState,
  s3Info,
  vethName,
  writeState,
  type HostRecord,
  type SandboxInfo,
  type SandboxOptions,
  type SandboxState,
  type ServerRecord,
} from './state.ts';
import { createCa } from './tls.ts';
import { downSandbox } from './teardown.ts';

/** Hosts brought up at once: process spawns and waits dominate, not CPU. */
const CONCURRENCY = Number(process.env.ODOOPS_SANDBOX_CONCURRENCY ?? 6);

function parseCount(option: string, value: unknown, min: number, max: number): number {
  const text = String(value ?? '').trim();
  const n = /^\d+$/.test(text) ? Number(text) : NaN;
  if (!Number.isInteger(n) || n < min || n > max) throw new UsageError(`${option} must be a whole number from ${min} to ${max}, got "${text}"`);
  return n;
}

export function parseClientCount(value: unknown): number {
  return parseCount('--clients', value, 1, MAX_CLIENTS);
}

export function parseRoleHostCount(option: '--backup-hosts' | '--monitoring', value: unknown): number {
  return parseCount(option, value, 0, MAX_ROLE_HOSTS);
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
  /** SFTP backup hosts; with one or more, an S3 host (s3rver over HTTPS) too. */
  backupHosts?: number;
  monitoring?: number;
  logHost?: boolean;
  /** Servers with their own Debian root filesystem (built once per machine, minutes); implies bare. */
  rootfs?: boolean;
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

/** The backup destinations the generated repo names: every SFTP host and the S3 host. */
async function sandboxDestinations(state: SandboxState): Promise<SandboxDestination[]> {
  const out: SandboxDestination[] = [];
  const s3 = state.hosts.find((h) => h.role === 's3');
  for (const h of state.hosts.filter((x) => x.role === 'backup')) {
    // The host key pinned as "TYPE BASE64" (the .pub line without its comment).
    const hostKey = (await readFile(`${hostKeyPath(h)}.pub`, 'utf8')).trim().split(/\s+/).slice(0, 2).join(' ');
    out.push({ name: `sandbox-${h.name}`, url: `sftp:root@${h.host}:${BACKUP_DATA_DIR}`, site: `sandbox-${h.name}`, credentials: `file:${backupKeyPath(state.dir)}`, hostKey });
    // The S3 host second, so the examples' two destinations map onto SFTP + S3.
    if (s3 && h.index === 1) {
      out.push({ name: 'sandbox-s3', url: s3Info(s3.host).resticUrl, site: 'sandbox-s3', credentials: `file:${path.join(s3.home, 'credentials')}`, caCert: `file:${caCertPath(state.dir)}` });
    }
  }
  return out;
}

async function generateHostKey(rec: HostRecord, comment: string): Promise<void> {
  await mkdir(rec.home, { recursive: true });
  await generateKey(hostKeyPath(rec), comment);
  rec.hostKey = await fingerprintOfPublicKeyFile(`${hostKeyPath(rec)}.pub`);
}

async function up(opts: UpOptions): Promise<UpResult> {
  const started = Date.now();
  const clients = parseClientCount(opts.clients);
  const options: SandboxOptions = {
    bare: !!opts.bare || !!opts.rootfs,
    rootfs: !!opts.rootfs,
    backupHosts: parseRoleHostCount('--backup-hosts', opts.backupHosts ?? 0),
    monitoring: parseRoleHostCount('--monitoring', opts.monitoring ?? 0),
    logHost: !!opts.logHost,
  };
  const dir = path.resolve(opts.dir);
  await preflight();
  await checkSandboxDir(dir);
  checkRoleHosts(options);
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
    options,
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
    bridge: bridgeName(slot),
    hosts: [],
  };
  state.servers = plan.clients.map((c, i) => newServerRecord(state, i + 1, c.name, netnsName(slot, i + 1), vethName(slot, i + 1)));
  state.hosts = plannedRoleHosts(state, options);
  // Recorded before anything exists: `down` can clean up whatever the rest leaves.
  await writeState(state);

  try {
    const tls = state.hosts.some((h) => h.role === 's3' || h.role === 'log');
    const addonsRepos = addonsRepoUrls(dir);
    state.addonsRepos = addonsRepos;
    // Host keys first: the config repo pins them. It is written and read back by the product
    // (what the servers run comes from it) while everything else is prepared and hosts start.
    const keys = Promise.all([
      ...state.servers.map((rec) => generateHostKey(rec, `root@${rec.client}`)),
      ...state.hosts.filter(runsSshd).map((rec) => generateHostKey(rec, `root@${rec.name}`)),
    ]);
    const logHost = state.hosts.find((h) => h.role === 'log');
    const desired = keys
      .then(async () => {
        const facts: Record<string, ServerFacts> = {};
        for (const s of state.servers) facts[s.client] = { host: s.host, port: s.port, user: s.user, hostKey: s.hostKey };
        return writeConfigRepo(state.repoDir, plan, facts, addonsRepos, {
          destinations: await sandboxDestinations(state),
          monitoringServers: state.hosts.filter((h) => h.role === 'monitoring').map((h) => ({ name: h.name, host: h.host, hostKey: h.hostKey })),
          ...(logHost ? { logHost: { host: logHost.host, port: LOG_PORT, caCert: `file:${caCertPath(dir)}`, serverName: tlsName(logHost) } } : {}),
        });
      })
      .then(() => loadSandboxDesired(state.repoDir));
    desired.catch(() => {}); // awaited below; no unhandled rejection meanwhile
    const [template, pg, , rootfsCache] = await Promise.all([
      ensureTemplate(),
      postgresUser(),
      createAddonsRepos(dir),
      options.rootfs ? ensureRootfs(log) : undefined,
      generateKey(state.privateKeyPath, 'odoops-sandbox-operator'),
      prepareMachine(),
      createBridge(slot),
      standInsPresent() ? installRuntime(dir) : undefined,
      options.backupHosts > 0 ? generateKey(backupKeyPath(dir), 'odoops-sandbox-backup-client') : undefined,
      tls ? createCa(dir) : undefined,
      keys,
    ]);
    await writeState(state);
    await writeFile(path.join(dir, 'authorized_keys'), await readFile(state.publicKeyPath, 'utf8'));
    await writeKnownHosts(state);
    const s3 = state.hosts.find((h) => h.role === 's3');
    if (s3) {
      await mkdir(s3.home, { recursive: true });
      const creds = s3Info(s3.host);
      await writeFile(path.join(s3.home, 'credentials'), `AWS_ACCESS_KEY_ID=${creds.accessKeyId}\nAWS_SECRET_ACCESS_KEY=${creds.secretAccessKey}\n`, { mode: 0o600 });
    }
    const specOf = async (rec: ServerRecord): Promise<ClientSpec> => {
      const spec = (await desired).get(rec.client);
      if (!spec) throw new OdoopsError(`sandbox: client ${rec.client} is missing from its generated config repo`);
      return spec;
    };
    // Each server is provisioned as soon as it is up: CPU-bound provisioning overlaps
    // with other hosts' process start-ups.
    const provision = standInsPresent() && !options.bare;
    let hostsUp = 0;
    const total = state.servers.length + state.hosts.length;
    const hostUp = async () => {
      await writeState(state);
      if (++hostsUp === total) log(`${total} host(s) up in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    };
    const jobs: (() => Promise<void>)[] = [
      ...state.hosts.map((rec) => async () => {
        await startRoleHost(state, rec);
        await hostUp();
      }),
      ...state.servers.map((rec) => async () => {
        await startServer({ state, template, pg, spec: specOf(rec), rootfsCache }, rec);
        await hostUp();
        if (provision) {
          rec.instances = await provisionServer(state, rec, await specOf(rec));
          await writeState(state);
        }
      }),
    ];
    await mapLimit(jobs, CONCURRENCY, (job) => job());
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

/** DIR/known_hosts: "ADDRESS ssh-ed25519 AAAA..." of every host running sshd (for ssh/sftp/restic from anywhere). */
async function writeKnownHosts(state: SandboxState): Promise<void> {
  const lines: string[] = [];
  for (const rec of [...state.servers, ...state.hosts.filter(runsSshd)]) {
    const [type, key] = (await readFile(`${hostKeyPath(rec)}.pub`, 'utf8')).trim().split(/\s+/);
    lines.push(`${rec.host} ${type} ${key}\n`);
  }
  await writeFile(knownHostsPath(state.dir), lines.join(''));
}

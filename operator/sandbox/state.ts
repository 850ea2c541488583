/**
 * The sandbox's record of itself, DIR/sandbox.json. It is written before anything is
 * created and updated as servers come up, so `sandbox down --dir DIR` can clean up even
 * after the process that ran `up` died half-way. Names are derived from (slot, role,
 * index), so cleanup works from the slot and the counts alone.
 */
import { mkdir, readFile, rename, writeFile, unlink } from 'node:fs/promises';
import path from 'node:path';
import { OdoopsError } from '../util/errors.ts';

/** What other parts of odoops (tests, demo, bench) use. */
export interface SandboxServer {
  client: string;
  /** Address of the server inside its network namespace. */
  host: string;
  port: number;
  /** Pinned host key fingerprint, exactly as `ssh-keygen -lf` prints it: "SHA256:<base64 without padding>". */
  hostKey: string;
  /** Network namespace name (`ip netns exec NETNS ...`). */
  netns: string;
  user: string;
  /** `up --rootfs`: the server's own Debian root filesystem, as a machine path. */
  rootfs?: string;
}

/** Hosts of the sandbox network besides the client servers. */
export type HostRole = 'backup' | 's3' | 'monitoring' | 'log';
export const HOST_ROLES: readonly HostRole[] = ['backup', 's3', 'monitoring', 'log'];

/** A backup, S3, monitoring or log host, as tests and later features use it. */
export interface SandboxHost {
  /** backup1, backup2, ..., s3, monitoring1, ..., log. */
  name: string;
  role: HostRole;
  host: string;
  /** sshd's port (22); the S3 host runs no sshd: its HTTPS port (9000). */
  port: number;
  /** Pinned sshd host key fingerprint ('' for the S3 host). */
  hostKey: string;
  netns: string;
  user: string;
  /** backup: the SFTP data directory on the host (/srv/backup). s3: the HTTPS endpoint. */
  url?: string;
  /** s3 and log: the host's TLS certificate and key (signed by the sandbox CA). */
  tls?: { cert: string; key: string };
}

/** The S3 host's endpoint and test credentials (s3rver's fixed S3RVER/S3RVER). */
export interface SandboxS3 {
  endpoint: string;
  bucket: string;
  accessKeyId: string;
  secretAccessKey: string;
  /** restic repository URL of the bucket: s3:https://HOST:9000/BUCKET. */
  resticUrl: string;
}

export interface SandboxInfo {
  dir: string;
  /** The generated config repository (a git work tree with one commit). */
  repoDir: string;
  privateKeyPath: string;
  publicKeyPath: string;
  /** Addons repo name -> file:// URL of its bare repository. */
  addonsRepos: Record<string, string>;
  servers: SandboxServer[];
  /** Backup, S3, monitoring and log hosts on the sandbox network (empty unless asked for). */
  hosts: SandboxHost[];
  /** known_hosts lines ("ADDRESS ssh-ed25519 AAAA...") of every host running sshd. */
  knownHostsPath: string;
  /** Key pair client servers use for SFTP on the backup hosts (authorized there; absent without backup hosts). */
  backupKeyPath?: string;
  /** CA certificate the sandbox signed the S3 and log hosts' TLS certificates with. */
  caCertPath?: string;
  s3?: SandboxS3;
}

/** Internal record of any sandbox host (PIDs, namespace inodes, paths). */
export interface HostRecord {
  /** 1-based, per role. */
  index: number;
  host: string;
  port: number;
  hostKey: string;
  netns: string;
  user: string;
  /** Root-namespace end of the veth pair. */
  veth: string;
  /** Per-host directory DIR/servers/<client> (or DIR/hosts/<name>). */
  home: string;
  netnsInode?: number;
  holderPid?: number;
  sshdPid?: number;
}

/** Internal per-server record of a client server. */
export interface ServerRecord extends HostRecord, SandboxServer {
  postgresPid?: number;
  /** Instances provisioned on this server: name -> database. */
  instances?: Record<string, { database: string; httpPort: number }>;
}

/** Internal record of a backup, S3, monitoring or log host. */
export interface RoleHostRecord extends HostRecord {
  role: HostRole;
  name: string;
  /** The S3 host's s3rver. */
  servicePid?: number;
}

/** What `up` was asked for, beyond the number of clients. */
export interface SandboxOptions {
  /** Servers with nothing provisioned (no /srv/odoo, no Odoo database). */
  bare: boolean;
  /** SFTP backup hosts (and, when > 0, one S3 host). */
  backupHosts: number;
  /** Monitoring hosts. */
  monitoring: number;
  logHost: boolean;
  /** Servers with their own Debian root filesystem (implies bare). */
  rootfs: boolean;
}

export interface SandboxState {
  /** 1: before per-host overlays and options (still understood by `down`). */
  version: 1 | 2;
  status: 'starting' | 'up';
  dir: string;
  slot: number;
  clients: number;
  options: SandboxOptions;
  /** PID of the `up` process while status is "starting". */
  upPid: number;
  createdAt: string;
  repoDir: string;
  privateKeyPath: string;
  publicKeyPath: string;
  addonsRepos: Record<string, string>;
  /** PATH every SSH session and sandboxExec gets on the servers. */
  serverPath: string;
  servers: ServerRecord[];
  /** The sandbox network's bridge (version 2; version 1 linked each server point to point). */
  bridge?: string;
  hosts: RoleHostRecord[];
}

export const STATE_FILE = 'sandbox.json';

export function statePath(dir: string): string {
  return path.join(dir, STATE_FILE);
}

export async function readState(dir: string): Promise<SandboxState | null> {
  let text: string;
  try {
    text = await readFile(statePath(dir), 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
  try {
    const s = JSON.parse(text) as SandboxState;
    if ((s.version !== 1 && s.version !== 2) || typeof s.slot !== 'number') throw new Error('unknown format');
    s.options = Object.assign({ bare: false, backupHosts: 0, monitoring: 0, logHost: false, rootfs: false }, s.options);
    s.hosts ??= [];
    return s;
  } catch (err) {
    throw new OdoopsError(`${statePath(dir)}: not a sandbox record (${(err as Error).message})`);
  }
}

// Writes are serialised so that concurrent server bring-ups never interleave a rename.
let writing: Promise<void> = Promise.resolve();
export function writeState(state: SandboxState): Promise<void> {
  const job = writing.then(async () => {
    const file = statePath(state.dir);
    const tmp = `${file}.${process.pid}.tmp`;
    await writeFile(tmp, JSON.stringify(state, null, 2) + '\n');
    await rename(tmp, file);
  });
  writing = job.catch(() => {});
  return job;
}

export function publicInfo(s: SandboxState): SandboxInfo {
  return {
    dir: s.dir,
    repoDir: s.repoDir,
    privateKeyPath: s.privateKeyPath,
    publicKeyPath: s.publicKeyPath,
    addonsRepos: { ...s.addonsRepos },
    servers: s.servers.map(({ client, host, port, hostKey, netns, user, home }) => ({
      client,
      host,
      port,
      hostKey,
      netns,
      user,
      ...(s.options.rootfs ? { rootfs: path.join(home, 'rootfs') } : {}),
    })),
    hosts: s.hosts.map(({ name, role, host, port, hostKey, netns, user, home }) => ({
      name,
      role,
      host,
      port,
      hostKey,
      netns,
      user,
      ...(role === 'backup' ? { url: BACKUP_DATA_DIR } : role === 's3' ? { url: `https://${host}:${port}` } : {}),
      ...(role === 's3' || role === 'log' ? { tls: { cert: path.join(home, 'tls', 'tls.crt'), key: path.join(home, 'tls', 'tls.key') } } : {}),
    })),
    knownHostsPath: knownHostsPath(s.dir),
    ...(s.options.backupHosts > 0
      ? {
          backupKeyPath: backupKeyPath(s.dir),
          caCertPath: caCertPath(s.dir),
          s3: s3Info(s3Address(s.slot)),
        }
      : s.options.logHost
        ? { caCertPath: caCertPath(s.dir) }
        : {}),
  };
}

export const BACKUP_DATA_DIR = '/srv/backup';
export const S3_PORT = 9000;
export const S3_BUCKET = 'backups';

export function s3Info(address: string): SandboxS3 {
  const endpoint = `https://${address}:${S3_PORT}`;
  return { endpoint, bucket: S3_BUCKET, accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER', resticUrl: `s3:${endpoint}/${S3_BUCKET}` };
}

export const knownHostsPath = (dir: string): string => path.join(dir, 'known_hosts');
export const backupKeyPath = (dir: string): string => path.join(dir, 'backup_ed25519');
export const caCertPath = (dir: string): string => path.join(dir, 'ca', 'ca.crt');

// ---- names and addresses ---------------------------------------------------------------

/** Subnet 10.213.<slot>.0/24 per sandbox: .1 is the root-namespace side, servers are .2 and up. */
export const MAX_SLOT = 250;
export const MAX_CLIENTS = 200;

export function netnsName(slot: number, index: number): string {
  return `odsb${slot}-c${index}`;
}
/** Interface names are limited to 15 characters: "odsb250c200" is 11. */
export function vethName(slot: number, index: number): string {
  return `odsb${slot}c${index}`;
}
export function gatewayAddress(slot: number): string {
  return `10.213.${slot}.1`;
}
export function serverAddress(slot: number, index: number): string {
  return `10.213.${slot}.${index + 1}`;
}
/** The bridge of a sandbox network (the root namespace's side holds .1/24). */
export function bridgeName(slot: number): string {
  return `odsb${slot}br`;
}

/** At most this many backup or monitoring hosts: their addresses are .211-.219 and .231-.239. */
export const MAX_ROLE_HOSTS = 9;

export function s3Address(slot: number): string {
  return `10.213.${slot}.220`;
}

/** Name, namespace, veth and address of a role host: backup N at .210+N, S3 at .220, monitoring N at .230+N, log at .240. */
export function roleHost(slot: number, role: HostRole, index: number): { name: string; netns: string; veth: string; address: string } {
  const letter = { backup: 'b', s3: 's', monitoring: 'm', log: 'l' }[role];
  const octet = { backup: 210 + index, s3: 220, monitoring: 230 + index, log: 240 }[role];
  const name = role === 'backup' || role === 'monitoring' ? `${role}${index}` : role;
  return { name, netns: `odsb${slot}-${letter}${index}`, veth: `odsb${slot}${letter}${index}`, address: `10.213.${slot}.${octet}` };
}

// ---- slots: one /24 per sandbox, claimed by an exclusive file under /run --------------

const SLOT_DIR = '/run/odoops-sandbox/slots';

/** Claim a free slot for `dir`. A slot whose owner directory no longer records it is stale and reclaimed. */
export async function claimSlot(dir: string, inUse: Set<number>): Promise<number> {
  await mkdir(SLOT_DIR, { recursive: true });
  for (let slot = 1; slot <= MAX_SLOT; slot++) {
    if (inUse.has(slot)) continue;
    const file = path.join(SLOT_DIR, String(slot));
    for (let attempt = 0; attempt < 2; attempt++) {
      try {
        await writeFile(file, dir, { flag: 'wx' });
        return slot;
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
        const owner = await readFile(file, 'utf8').catch(() => '');
        const ownerState = owner ? await readState(owner).catch(() => null) : null;
        if (ownerState && ownerState.slot === slot) break; // really taken
        await unlink(file).catch(() => {});
      }
    }
  }
  throw new OdoopsError(`no free sandbox slot (all ${MAX_SLOT} subnets 10.213.x.0/24 are in use): run odoops sandbox down on old ones`);
}

export async function releaseSlot(slot: number, dir: string): Promise<void> {
  const file = path.join(SLOT_DIR, String(slot));
  const owner = await readFile(file, 'utf8').catch(() => '');
  if (owner === dir) await unlink(file).catch(() => {});
}

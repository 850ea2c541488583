/**
 * One sandbox client server: a sandbox host (host.ts: network, own /srv /root /var/lib/odoops,
 * copy-on-write /etc, sshd) plus a real PostgreSQL 15 standing in for the compose `db`
 * services, and the OS it claims to be (/etc/os-release, the config says e.g. ubuntu-22.04;
 * binaries are the machine's).
 */
import { chown, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { ClientSpec } from '../desired/types.ts';
import { asPostgres, copyTemplate, PG_BIN, waitReady, type PgUser } from './postgres.ts';
import { runOk, startDaemon, stopPid } from './proc.ts';
import { createHolder, enterArgv, hostEnv, hostRoot, sshdConfig, startSshd } from './host.ts';
import { createNetwork } from './network.ts';
import { mountRootfs, startRootSshd, unpackRootfs } from './rootfs.ts';
import { serverAddress, writeState, type SandboxState, type ServerRecord } from './state.ts';

/** /etc/os-release of the OS the server claims to be. */
function osRelease(os: string): string {
  const m = /^ubuntu-(\d+)\.(\d+)$/.exec(os);
  if (m) {
    const ver = `${m[1]}.${m[2]}`;
    const names: Record<string, string> = { '20.04': 'focal', '22.04': 'jammy', '24.04': 'noble' };
    const code = names[ver] ?? 'ubuntu';
    return [
      'PRETTY_NAME="Ubuntu ' + ver + ' LTS"',
      'NAME="Ubuntu"',
      `VERSION_ID="${ver}"`,
      `VERSION="${ver} LTS"`,
      `VERSION_CODENAME=${code}`,
      'ID=ubuntu',
      'ID_LIKE=debian',
      `UBUNTU_CODENAME=${code}`,
      '',
    ].join('\n');
  }
  const [id = 'linux', ver = ''] = os.split('-');
  return [`NAME="${id}"`, `ID=${id}`, `VERSION_ID="${ver}"`, `PRETTY_NAME="${id} ${ver}"`, ''].join('\n');
}

export function serverEnv(state: SandboxState): NodeJS.ProcessEnv {
  return hostEnv(state.serverPath);
}

export interface ServerContext {
  state: SandboxState;
  template: string;
  pg: PgUser;
  /** The server's desired state (its server.os is the OS the server claims to be). */
  spec: Promise<ClientSpec>;
  /** --rootfs: the cached root filesystem archive. */
  rootfsCache?: string;
}

export async function startPostgres(state: SandboxState, rec: ServerRecord): Promise<void> {
  const log = path.join(rec.home, 'postgres.log');
  await writeFile(log, '');
  const pid = await startDaemon(
    [...enterArgv(rec), ...asPostgres([`${PG_BIN}/postgres`, '-D', path.join(rec.home, 'pgdata')])],
    log,
    { ...serverEnv(state), HOME: '/var/lib/postgresql' },
  );
  rec.postgresPid = pid;
  await waitReady(log, pid);
}

export async function stopPostgres(rec: ServerRecord): Promise<void> {
  // SIGINT = PostgreSQL's "fast" shutdown: disconnects clients, shuts down cleanly.
  await stopPid(rec.postgresPid, rec.netnsInode, { signal: 'SIGINT', graceMs: 10000 });
  rec.postgresPid = undefined;
}

/**
 * A --rootfs server: its own Debian root, unpacked from the cache, with the root's own sshd
 * chrooted in it; no PostgreSQL and no stand-ins (nothing is provisioned on it).
 */
async function startRootfsServer(ctx: ServerContext, rec: ServerRecord): Promise<void> {
  const { state } = ctx;
  if (!ctx.rootfsCache) throw new Error('startRootfsServer without a root filesystem cache');
  await Promise.all([
    readFile(state.publicKeyPath, 'utf8').then((key) => unpackRootfs(ctx.rootfsCache!, rec, key)),
    createNetwork(state.slot, rec, { isolated: true })
      .then(async () => createHolder(rec, rec.client, { hostname: `${rec.client}\n` }))
      .finally(() => writeState(state)),
  ]);
  await mountRootfs(rec);
  await startRootSshd(rec);
}

/** Bring one server up: network, namespaces, sshd, PostgreSQL (its host key already exists). */
export async function startServer(ctx: ServerContext, rec: ServerRecord): Promise<void> {
  const { state } = ctx;
  if (state.options.rootfs) return startRootfsServer(ctx, rec);
  await writeFile(
    path.join(rec.home, 'sshd_config'),
    sshdConfig(rec, { comment: `client server ${rec.client}`, authorizedKeys: path.join(state.dir, 'authorized_keys'), pathVar: state.serverPath }),
  );
  await Promise.all([
    copyTemplate(ctx.template, path.join(rec.home, 'pgdata')),
    createNetwork(state.slot, rec, { isolated: true })
      .then(() => createHolder(rec, rec.client, { hostname: `${rec.client}\n` }))
      .finally(() => writeState(state)),
  ]);
  await chown(path.join(hostRoot(rec), 'run/postgresql'), ctx.pg.uid, ctx.pg.gid);
  // The desired state (being resolved meanwhile) is needed only for the OS the server claims.
  await Promise.all([startSshd(rec, state.serverPath), startPostgres(state, rec), ctx.spec.then((spec) => writeOsRelease(rec, spec.server.os))]);
}

/**
 * /etc/os-release of the OS the server claims to be, written inside the server: the
 * machine's is a symlink (to /usr/lib/os-release), which is removed in the server's /etc
 * overlay first, never followed.
 */
async function writeOsRelease(rec: ServerRecord, os: string): Promise<void> {
  await runOk([...enterArgv(rec), 'sh', '-c', 'rm -f /etc/os-release && cat > /etc/os-release'], { input: osRelease(os), what: `writing /etc/os-release of ${rec.client}` });
}

export function newServerRecord(state: SandboxState, index: number, client: string, netns: string, veth: string): ServerRecord {
  return {
    client,
    index,
    host: serverAddress(state.slot, index),
    port: 22,
    hostKey: '',
    netns,
    user: 'root',
    veth,
    home: path.join(state.dir, 'servers', client),
  };
}

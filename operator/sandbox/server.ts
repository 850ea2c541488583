/**
 * One sandbox server: a network namespace with a veth pair to the root namespace, a
 * long-lived "holder" process owning a private mount + UTS namespace (its /srv,
 * /var/lib/odoops, /var/lib/docker-standin (the docker stand-in's engine state), /var/run/postgresql, /root, /etc/hostname and
 * /etc/os-release are per-server bind mounts; every other path, binaries included, is
 * the machine's), a real OpenSSH sshd and a real PostgreSQL 15 running inside them.
 */
import { mkdir, writeFile, readFile, chown, stat, readlink } from 'node:fs/promises';
import path from 'node:path';
import { OdoopsError } from '../util/errors.ts';
import { fingerprintOfPublicKeyFile, generateKey } from './keys.ts';
import { PG_BIN, asPostgres, copyTemplate, waitReady, type PgUser } from './postgres.ts';
import { run, runOk, sleep, startDaemon, stopPid } from './proc.ts';
import { gatewayAddress, serverAddress, writeState, type ServerRecord, type SandboxState } from './state.ts';

/** Paths every server has its own copy of (mount points must exist on the machine). */
export const PER_SERVER_DIRS = ['/srv', '/var/lib/odoops', '/var/lib/docker-standin', '/run/postgresql', '/root'] as const;
const PER_SERVER_FILES = ['/etc/hostname', '/etc/os-release'] as const;

export function serverRoot(rec: ServerRecord): string {
  return path.join(rec.home, 'root');
}

/** The OS the server claims to be (the config says e.g. ubuntu-22.04; binaries are the machine's). */
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

function sshdConfig(state: SandboxState, rec: ServerRecord): string {
  return [
    '# odoops sandbox server ' + rec.client,
    'Port 22',
    `ListenAddress ${rec.host}`,
    `HostKey ${path.join(rec.home, 'ssh_host_ed25519_key')}`,
    'PidFile none',
    `AuthorizedKeysFile ${path.join(state.dir, 'authorized_keys')}`,
    'PermitRootLogin prohibit-password',
    'PubkeyAuthentication yes',
    'PasswordAuthentication no',
    'KbdInteractiveAuthentication no',
    'UsePAM no',
    // The sandbox directory may live under a world-writable /tmp.
    'StrictModes no',
    'PrintMotd no',
    'MaxStartups 100:30:200',
    'MaxSessions 50',
    // Non-login `sh -c` sessions get the stand-ins first on PATH; SetEnv overrides sshd's default PATH.
    `SetEnv PATH=${state.serverPath}`,
    'Subsystem sftp internal-sftp',
    '',
  ].join('\n');
}

/** argv prefix that runs a command inside the server's namespaces (as root). */
export function enterArgv(rec: ServerRecord): string[] {
  if (!rec.holderPid) throw new OdoopsError(`sandbox server ${rec.client} has no namespace holder (is it up?)`);
  // Bare --wd: the holder's cwd ("/" inside its namespace). --wd=DIR would resolve DIR
  // *outside* the server (the machine's /root, not the server's).
  return ['nsenter', `--target=${rec.holderPid}`, '--net', '--mount', '--uts', '--wd', '--'];
}

export function serverEnv(state: SandboxState): NodeJS.ProcessEnv {
  return { PATH: state.serverPath, HOME: '/root', USER: 'root', LOGNAME: 'root', SHELL: '/bin/sh', LANG: 'C.UTF-8' };
}

async function nsInode(file: string): Promise<number> {
  return (await stat(file)).ino;
}

async function waitFor(what: string, check: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new OdoopsError(`timed out waiting for ${what}`);
    await sleep(5);
  }
}

export interface ServerContext {
  state: SandboxState;
  template: string;
  pg: PgUser;
  os: string;
}

/** Create the network namespace and the veth pair; record the namespace inode. */
async function createNetwork(state: SandboxState, rec: ServerRecord): Promise<void> {
  const gw = gatewayAddress(state.slot);
  await runOk(['ip', 'netns', 'add', rec.netns], { what: `ip netns add ${rec.netns}` });
  rec.netnsInode = await nsInode(`/run/netns/${rec.netns}`);
  await runOk(['ip', '-batch', '-'], {
    input: [
      `link add ${rec.veth} type veth peer name eth0 netns ${rec.netns}`,
      `addr add ${gw} peer ${rec.host}/32 dev ${rec.veth}`,
      `link set ${rec.veth} up`,
      '',
    ].join('\n'),
    what: `creating veth ${rec.veth}`,
  });
  await runOk(['ip', '-n', rec.netns, '-batch', '-'], {
    input: [`addr add ${rec.host} peer ${gw}/32 dev eth0`, 'link set lo up', 'link set eth0 up', ''].join('\n'),
    what: `configuring ${rec.netns}`,
  });
}

/** Start the namespace holder and bind-mount the per-server paths inside its mount namespace. */
async function createHolder(state: SandboxState, rec: ServerRecord): Promise<void> {
  const self = await readlink('/proc/self/ns/mnt');
  const pid = await startDaemon(
    ['nsenter', `--net=/run/netns/${rec.netns}`, 'unshare', '--mount', '--uts', '--propagation', 'private', 'sleep', 'infinity'],
    path.join(rec.home, 'holder.log'),
  );
  rec.holderPid = pid;
  await waitFor(
    `the namespace holder of ${rec.client}`,
    async () => {
      const mnt = await readlink(`/proc/${pid}/ns/mnt`).catch(() => self);
      const comm = (await readFile(`/proc/${pid}/comm`, 'utf8').catch(() => '')).trim();
      return mnt !== self && comm === 'sleep';
    },
    5000,
  );
  // Arguments are passed positionally: no value is ever spliced into the script text.
  const script = [
    'set -e',
    // Do not pin other sandboxes' namespaces through our private copy of /run/netns.
    'umount -l /run/netns 2>/dev/null || true',
    'root=$1; shift',
    'for p in "$@"; do mount --bind "$root$p" "$p"; done',
  ].join('\n');
  await runOk(
    ['nsenter', `--target=${pid}`, '--mount', '--uts', 'sh', '-c', script, 'sh', serverRoot(rec), ...PER_SERVER_DIRS, ...PER_SERVER_FILES],
    { what: `mounting the private paths of ${rec.client}` },
  );
  await runOk(['nsenter', `--target=${pid}`, '--uts', 'hostname', rec.client], { what: `setting hostname of ${rec.client}` });
}

export async function startSshd(state: SandboxState, rec: ServerRecord): Promise<void> {
  const log = path.join(rec.home, 'sshd.log');
  await writeFile(log, '');
  const pid = await startDaemon(
    [...enterArgv(rec), '/usr/sbin/sshd', '-D', '-e', '-f', path.join(rec.home, 'sshd_config')],
    log,
    serverEnv(state),
  );
  rec.sshdPid = pid;
  await waitFor(
    `sshd of ${rec.client} (see ${log})`,
    async () => {
      const text = await readFile(log, 'utf8').catch(() => '');
      if (text.includes('Server listening on')) return true;
      try {
        process.kill(pid, 0);
      } catch {
        throw new OdoopsError(`sshd of ${rec.client} exited: ${text.trim().split('\n').slice(-2).join(' | ')}`);
      }
      return false;
    },
    10000,
  );
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

export async function stopSshd(rec: ServerRecord): Promise<void> {
  await stopPid(rec.sshdPid, rec.netnsInode);
  rec.sshdPid = undefined;
}

export async function stopPostgres(rec: ServerRecord): Promise<void> {
  // SIGINT = PostgreSQL's "fast" shutdown: disconnects clients, shuts down cleanly.
  await stopPid(rec.postgresPid, rec.netnsInode, { signal: 'SIGINT', graceMs: 10000 });
  rec.postgresPid = undefined;
}

/** Bring one server up: files, keys, network, namespaces, sshd, PostgreSQL. */
export async function startServer(ctx: ServerContext, rec: ServerRecord): Promise<void> {
  const { state } = ctx;
  const root = serverRoot(rec);
  for (const d of PER_SERVER_DIRS) await mkdir(path.join(root, d), { recursive: true, mode: 0o755 });
  await mkdir(path.join(root, 'srv/odoo'), { recursive: true });
  await mkdir(path.join(root, 'etc'), { recursive: true });
  await writeFile(path.join(root, 'etc/hostname'), `${rec.client}\n`);
  await writeFile(path.join(root, 'etc/os-release'), osRelease(ctx.os));
  await chown(path.join(root, 'run/postgresql'), ctx.pg.uid, ctx.pg.gid);
  await writeFile(path.join(rec.home, 'sshd_config'), sshdConfig(state, rec));
  await Promise.all([
    generateKey(path.join(rec.home, 'ssh_host_ed25519_key'), `root@${rec.client}`).then(async () => {
      rec.hostKey = await fingerprintOfPublicKeyFile(path.join(rec.home, 'ssh_host_ed25519_key.pub'));
    }),
    copyTemplate(ctx.template, path.join(rec.home, 'pgdata')),
    createNetwork(state, rec)
      .then(() => createHolder(state, rec))
      .finally(() => writeState(state)),
  ]);
  await Promise.all([startSshd(state, rec), startPostgres(state, rec)]);
}

/** Root-namespace preparation shared by all servers (mount points, sshd privilege separation dir). */
export async function prepareMachine(): Promise<void> {
  for (const d of PER_SERVER_DIRS) await mkdir(d, { recursive: true });
  await mkdir('/run/sshd', { recursive: true, mode: 0o755 });
}

export function newRecord(state: SandboxState, index: number, client: string, netns: string, veth: string): ServerRecord {
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

/** Does the link to this server carry traffic? */
export async function linkIsUp(rec: ServerRecord): Promise<boolean> {
  const r = await run(['ip', '-o', 'link', 'show', 'dev', rec.veth]);
  return r.code === 0 && /[<,]UP[,>]/.test(r.stdout);
}

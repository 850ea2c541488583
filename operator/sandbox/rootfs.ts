/**
 * Servers with their own Debian root filesystem (`sandbox up --rootfs`), for what must run
 * on a real OS: apt and dpkg, package upgrades, sshd's own configuration. A debootstrap
 * minbase bookworm (plus python3, git, openssh-server) is built once per machine (about two
 * minutes), cached as a tar.zst outside any clone under a lock, so concurrent suites build
 * it once, and unpacked per server. Inside the server's private mount namespace the root
 * gets /proc and /dev, and sshd runs chrooted in it (the root's own /usr/sbin/sshd with the
 * root's /etc/ssh/sshd_config): an SSH session sees only that root. Nothing is started by
 * package installs (policy-rc.d), and apt's sources are a local file:// repository the
 * tests fill (/var/local/apt-repo): the Debian mirror is unreachable from the sandbox network.
 */
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { chmod, copyFile, mkdir, readdir, readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { OdoopsError } from '../util/errors.ts';
import { enterArgv, hostKeyPath, waitFor } from './host.ts';
import { run, runOk, startDaemon } from './proc.ts';
import type { ServerRecord } from './state.ts';

export const ROOTFS_CACHE_DIR = '/var/cache/odoops';
const SUITE = 'bookworm';
// unattended-upgrades: `odoops maintain --kind security` runs it; curl: the instances' health check.
const INCLUDE = ['python3', 'git', 'openssh-server', 'ca-certificates', 'unattended-upgrades', 'curl'];
/** Inside the root: the apt repository the tests fill (flat: .deb files and Packages). */
export const APT_REPO_DIR = '/var/local/apt-repo';
const ROOT_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

// Run inside `flock`: whoever gets the lock first builds; the others find the cache made.
const BUILD_SCRIPT = [
  'set -e',
  'cache=$1; mirror=$2; include=$3; suite=$4',
  '[ -s "$cache" ] && exit 0',
  'tmp=$(mktemp -d "$(dirname "$cache")/.rootfs-build.XXXXXX")',
  'trap \'rm -rf --one-file-system "$tmp"\' EXIT',
  // debootstrap mounts /proc inside the target: a private mount namespace keeps that from leaking.
  'unshare --mount --propagation private debootstrap --variant=minbase --include="$include" "$suite" "$tmp/root" "$mirror"',
  // Per-server host keys are made at unpack time; package caches are dead weight.
  'rm -f "$tmp"/root/etc/ssh/ssh_host_*',
  'rm -rf "$tmp"/root/var/cache/apt/archives/*.deb "$tmp"/root/var/lib/apt/lists/*',
  'tar --numeric-owner --xattrs -C "$tmp/root" -I "zstd -T0 -3" -cf "$tmp/rootfs.tar.zst" .',
  'mv "$tmp/rootfs.tar.zst" "$cache"',
].join('\n');

/** The machine's Debian mirror (from its apt sources), else deb.debian.org. */
export async function debianMirror(): Promise<string> {
  if (process.env.ODOOPS_DEBIAN_MIRROR) return process.env.ODOOPS_DEBIAN_MIRROR;
  const files = ['/etc/apt/sources.list', ...(await readdir('/etc/apt/sources.list.d').catch(() => [])).map((f) => path.join('/etc/apt/sources.list.d', f))];
  for (const f of files.filter((x) => /\.(list|sources)$/.test(x))) {
    const text = await readFile(f, 'utf8').catch(() => '');
    for (const stanza of text.split(/\n\s*\n/)) {
      const uri = /^URIs:\s*(\S+)/m.exec(stanza)?.[1];
      if (uri && new RegExp(`^Suites:.*\\b${SUITE}\\b`, 'm').test(stanza) && !uri.includes('security')) return uri;
    }
    const line = new RegExp(`^deb\\s+(?:\\[[^\\]]*\\]\\s+)?(\\S+)\\s+${SUITE}\\s`, 'm').exec(text);
    if (line) return line[1]!;
  }
  return 'http://deb.debian.org/debian';
}

/** The cached archive's path: its name changes with the recipe, so a changed recipe builds anew. */
export function rootfsCachePath(): string {
  const key = createHash('sha256').update(SUITE).update(INCLUDE.join(',')).update(BUILD_SCRIPT).digest('hex').slice(0, 10);
  return path.join(ROOTFS_CACHE_DIR, `rootfs-${SUITE}-minbase-${key}.tar.zst`);
}

/** The cached root filesystem, built first if this machine has none (minutes, once). */
export async function ensureRootfs(log: (line: string) => void): Promise<string> {
  const cache = rootfsCachePath();
  if (existsSync(cache)) return cache;
  for (const cmd of ['debootstrap', 'zstd', 'flock']) {
    if ((await run(['sh', '-c', 'command -v "$1"', 'sh', cmd])).code !== 0) throw new OdoopsError(`--rootfs needs ${cmd}: run npm run setup`);
  }
  await mkdir(ROOTFS_CACHE_DIR, { recursive: true, mode: 0o755 });
  log(`building the Debian root filesystem ${cache} (debootstrap, a few minutes, once per machine)`);
  const mirror = await debianMirror();
  const r = await run(['flock', '-w', '1800', path.join(ROOTFS_CACHE_DIR, '.rootfs.lock'), 'sh', '-c', BUILD_SCRIPT, 'sh', cache, mirror, INCLUDE.join(','), SUITE], {
    timeoutMs: 40 * 60_000,
  });
  await writeFile(path.join(ROOTFS_CACHE_DIR, 'rootfs-build.log'), r.stdout + r.stderr).catch(() => {});
  if (r.code !== 0 || !existsSync(cache)) {
    const tail = (r.stderr.trim() || r.stdout.trim()).split('\n').slice(-3).join(' | ');
    throw new OdoopsError(`building the Debian root filesystem failed (exit ${r.code}; log in ${ROOTFS_CACHE_DIR}/rootfs-build.log): ${tail}`);
  }
  return cache;
}

export function rootfsPath(rec: ServerRecord): string {
  return path.join(rec.home, 'rootfs');
}

/** Where a path inside a --rootfs server is on the machine. */
export function inRoot(rec: ServerRecord, p: string): string {
  return path.join(rootfsPath(rec), p);
}

function sshdConfig(rec: ServerRecord): string {
  return [
    `# odoops sandbox: client server ${rec.client} with its own root filesystem`,
    // As Debian's and Ubuntu's own sshd_config: drop-ins first (sshd keeps the first value of
    // each keyword), so the security baseline's drop-in means here what it means on a server.
    'Include /etc/ssh/sshd_config.d/*.conf',
    'Port 22',
    `ListenAddress ${rec.host}`,
    'HostKey /etc/ssh/ssh_host_ed25519_key',
    'PidFile none',
    'AuthorizedKeysFile .ssh/authorized_keys',
    'PermitRootLogin prohibit-password',
    'PubkeyAuthentication yes',
    'PasswordAuthentication no',
    'KbdInteractiveAuthentication no',
    'UsePAM no',
    'PrintMotd no',
    'MaxStartups 100:30:200',
    `SetEnv PATH=${ROOT_PATH}`,
    'Subsystem sftp internal-sftp',
    '',
  ].join('\n');
}

/** Unpack the cached root and make it this server's: host key, operator key, sshd config, apt repository. */
export async function unpackRootfs(cache: string, rec: ServerRecord, operatorPublicKey: string): Promise<void> {
  const root = rootfsPath(rec);
  await mkdir(root, { recursive: true, mode: 0o755 });
  await runOk(['tar', '--numeric-owner', '--xattrs', '-I', 'zstd', '-C', root, '-xpf', cache], { what: `unpacking the root filesystem of ${rec.client}`, timeoutMs: 10 * 60_000 });
  await writeFile(inRoot(rec, 'etc/hostname'), `${rec.client}\n`);
  await copyFile(hostKeyPath(rec), inRoot(rec, 'etc/ssh/ssh_host_ed25519_key'));
  await chmod(inRoot(rec, 'etc/ssh/ssh_host_ed25519_key'), 0o600);
  await copyFile(`${hostKeyPath(rec)}.pub`, inRoot(rec, 'etc/ssh/ssh_host_ed25519_key.pub'));
  await writeFile(inRoot(rec, 'etc/ssh/sshd_config'), sshdConfig(rec));
  await mkdir(inRoot(rec, 'root/.ssh'), { recursive: true, mode: 0o700 });
  await writeFile(inRoot(rec, 'root/.ssh/authorized_keys'), operatorPublicKey, { mode: 0o600 });
  await mkdir(inRoot(rec, 'run/sshd'), { recursive: true, mode: 0o755 });
  // Package installs start no daemon inside the root (there is no init to manage one).
  await writeFile(inRoot(rec, 'usr/sbin/policy-rc.d'), '#!/bin/sh\nexit 101\n', { mode: 0o755 });
  // A real reboot would reboot the machine (the root shares its kernel): systemctl is a stand-in that only "reboots".
  await copyFile(new URL('./standins/rootfs/systemctl', import.meta.url), inRoot(rec, 'usr/local/bin/systemctl'));
  await chmod(inRoot(rec, 'usr/local/bin/systemctl'), 0o755);
  // apt: only the local repository (the mirror is unreachable from the sandbox network).
  if (existsSync(inRoot(rec, 'etc/apt/sources.list'))) await rename(inRoot(rec, 'etc/apt/sources.list'), inRoot(rec, 'etc/apt/sources.list.debootstrap'));
  await mkdir(inRoot(rec, APT_REPO_DIR), { recursive: true, mode: 0o755 });
  await writeFile(inRoot(rec, `${APT_REPO_DIR}/Packages`), '');
  await writeFile(inRoot(rec, 'etc/apt/sources.list.d/sandbox-local.list'), `deb [trusted=yes] file:${APT_REPO_DIR} ./\n`);
}

/** Mount /proc and /dev into the root, inside the server's own mount namespace only. */
export async function mountRootfs(rec: ServerRecord): Promise<void> {
  const script = ['set -e', 'root=$1', 'mount -t proc proc "$root/proc"', 'mount --rbind /dev "$root/dev"', 'mount --make-rslave "$root/dev"'].join('\n');
  await runOk(['nsenter', `--target=${rec.holderPid}`, '--mount', 'sh', '-c', script, 'sh', rootfsPath(rec)], { what: `mounting /proc and /dev in the root of ${rec.client}` });
}

/** argv prefix that runs a command inside the server's root (namespaces + chroot). */
export function rootArgv(rec: ServerRecord): string[] {
  return [...enterArgv(rec), 'chroot', rootfsPath(rec)];
}

export function rootEnv(): NodeJS.ProcessEnv {
  return { PATH: ROOT_PATH, HOME: '/root', USER: 'root', LOGNAME: 'root', SHELL: '/bin/sh', LANG: 'C.UTF-8' };
}

/** The root's own sshd, chrooted, with the root's own /etc/ssh/sshd_config. */
export async function startRootSshd(rec: ServerRecord): Promise<void> {
  const log = path.join(rec.home, 'sshd.log');
  await writeFile(log, '');
  const pid = await startDaemon([...rootArgv(rec), '/usr/sbin/sshd', '-D', '-e', '-f', '/etc/ssh/sshd_config'], log, rootEnv());
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

/**
 * What every sandbox host is made of: a network namespace linked to the root namespace, a
 * long-lived "holder" process owning a private mount + UTS namespace, and a real OpenSSH
 * sshd running inside them. In the holder's mount namespace the host has
 *   - its own empty PER_HOST_DIRS (/srv, /root, /var/lib/odoops, ...): bind mounts of
 *     HOME/root/<path>;
 *   - a copy-on-write view of PER_HOST_OVERLAYS (/etc, /var/log, /usr/local, ...): overlayfs
 *     with the machine's directory below and HOME/overlay/<name>/upper above, so what odoops
 *     writes there stays on the host and the machine's own files are never changed;
 * while every other path, binaries included, is the machine's.
 */
import { mkdir, readFile, readlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { OdoopsError } from '../util/errors.ts';
import { PER_HOST_DIRS, PER_HOST_OVERLAYS } from './paths.ts';
import { runOk, sleep, startDaemon, stopPid } from './proc.ts';
import type { HostRecord } from './state.ts';

export function hostRoot(rec: HostRecord): string {
  return path.join(rec.home, 'root');
}

/** HOME/overlay/<name>/{upper,work} of an overlaid machine directory ("/var/log" -> "var_log"). */
export function overlayDirs(rec: HostRecord, target: string): { upper: string; work: string } {
  const base = path.join(rec.home, 'overlay', target.slice(1).replace(/\//g, '_'));
  return { upper: path.join(base, 'upper'), work: path.join(base, 'work') };
}

/** Where a file written at `p` inside the host ends up on the machine (per-host and overlaid paths only). */
export function machinePath(rec: HostRecord, p: string): string {
  for (const d of PER_HOST_DIRS) if (p === d || p.startsWith(d + '/')) return path.join(hostRoot(rec), p);
  for (const d of PER_HOST_OVERLAYS) if (p === d || p.startsWith(d + '/')) return path.join(overlayDirs(rec, d).upper, p.slice(d.length));
  throw new OdoopsError(`${p} is the machine's own path, not the sandbox host's`);
}

/** argv prefix that runs a command inside the host's namespaces (as root). */
export function enterArgv(rec: HostRecord): string[] {
  if (!rec.holderPid) throw new OdoopsError(`sandbox host ${rec.host} has no namespace holder (is it up?)`);
  // Bare --wd: the holder's cwd ("/" inside its namespace). --wd=DIR would resolve DIR
  // *outside* the host (the machine's /root, not the host's).
  return ['nsenter', `--target=${rec.holderPid}`, '--net', '--mount', '--uts', '--wd', '--'];
}

export function hostEnv(pathVar: string): NodeJS.ProcessEnv {
  return { PATH: pathVar, HOME: '/root', USER: 'root', LOGNAME: 'root', SHELL: '/bin/sh', LANG: 'C.UTF-8' };
}

export async function waitFor(what: string, check: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new OdoopsError(`timed out waiting for ${what}`);
    await sleep(5);
  }
}

/**
 * Start the namespace holder and mount the host's own paths inside its mount namespace.
 * `etcFiles` (e.g. hostname, os-release) are placed in the /etc overlay's upper layer first.
 */
export async function createHolder(rec: HostRecord, hostname: string, etcFiles: Record<string, string>): Promise<void> {
  const root = hostRoot(rec);
  for (const d of PER_HOST_DIRS) await mkdir(path.join(root, d), { recursive: true, mode: 0o755 });
  const overlays = PER_HOST_OVERLAYS.map((target) => ({ target, ...overlayDirs(rec, target) }));
  for (const o of overlays) {
    await mkdir(o.upper, { recursive: true, mode: 0o755 });
    await mkdir(o.work, { recursive: true, mode: 0o755 });
  }
  const etcUpper = overlayDirs(rec, '/etc').upper;
  for (const [name, content] of Object.entries(etcFiles)) await writeFile(path.join(etcUpper, name), content);

  const self = await readlink('/proc/self/ns/mnt');
  const pid = await startDaemon(
    ['nsenter', `--net=/run/netns/${rec.netns}`, 'unshare', '--mount', '--uts', '--propagation', 'private', 'sleep', 'infinity'],
    path.join(rec.home, 'holder.log'),
  );
  rec.holderPid = pid;
  await waitFor(
    `the namespace holder of ${hostname}`,
    async () => {
      const mnt = await readlink(`/proc/${pid}/ns/mnt`).catch(() => self);
      const comm = (await readFile(`/proc/${pid}/comm`, 'utf8').catch(() => '')).trim();
      return mnt !== self && comm === 'sleep';
    },
    5000,
  );
  // Arguments are passed positionally: no value is ever spliced into the script text.
  // Paths are checked to hold no ',' or ':' (paths.ts), which overlayfs options would split on.
  // volatile: the upper layers are disposable, so overlayfs need not sync them (nor the
  // machine's file system they live on) when a host goes down.
  const script = [
    'set -e',
    // Do not pin other sandboxes' namespaces through our private copy of /run/netns.
    'umount -l /run/netns 2>/dev/null || true',
    'root=$1; shift',
    'while [ "$1" != -- ]; do mount --bind "$root$1" "$1"; shift; done; shift',
    'while [ $# -gt 0 ]; do mount -t overlay overlay -o "lowerdir=$1,upperdir=$2,workdir=$3,volatile" "$1"; shift 3; done',
  ].join('\n');
  await runOk(
    ['nsenter', `--target=${pid}`, '--mount', '--uts', 'sh', '-c', script, 'sh', root, ...PER_HOST_DIRS, '--', ...overlays.flatMap((o) => [o.target, o.upper, o.work])],
    { what: `mounting the private paths of ${hostname}` },
  );
  await runOk(['nsenter', `--target=${pid}`, '--uts', 'hostname', hostname], { what: `setting hostname of ${hostname}` });
}

export function sshdConfig(rec: HostRecord, opts: { comment: string; authorizedKeys: string; pathVar: string }): string {
  return [
    `# odoops sandbox: ${opts.comment}`,
    'Port 22',
    `ListenAddress ${rec.host}`,
    `HostKey ${hostKeyPath(rec)}`,
    'PidFile none',
    `AuthorizedKeysFile ${opts.authorizedKeys}`,
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
    `SetEnv PATH=${opts.pathVar}`,
    'Subsystem sftp internal-sftp',
    '',
  ].join('\n');
}

export function hostKeyPath(rec: HostRecord): string {
  return path.join(rec.home, 'ssh_host_ed25519_key');
}

export async function startSshd(rec: HostRecord, pathVar: string): Promise<void> {
  const log = path.join(rec.home, 'sshd.log');
  await writeFile(log, '');
  const pid = await startDaemon([...enterArgv(rec), '/usr/sbin/sshd', '-D', '-e', '-f', path.join(rec.home, 'sshd_config')], log, hostEnv(pathVar));
  rec.sshdPid = pid;
  await waitFor(
    `sshd of ${rec.host} (see ${log})`,
    async () => {
      const text = await readFile(log, 'utf8').catch(() => '');
      if (text.includes('Server listening on')) return true;
      try {
        process.kill(pid, 0);
      } catch {
        throw new OdoopsError(`sshd of ${rec.host} exited: ${text.trim().split('\n').slice(-2).join(' | ')}`);
      }
      return false;
    },
    10000,
  );
}

export async function stopSshd(rec: HostRecord): Promise<void> {
  await stopPid(rec.sshdPid, rec.netnsInode);
  rec.sshdPid = undefined;
}

/** Root-namespace preparation shared by all hosts (mount points, sshd privilege separation dir). */
export async function prepareMachine(): Promise<void> {
  for (const d of [...PER_HOST_DIRS, ...PER_HOST_OVERLAYS]) await mkdir(d, { recursive: true });
  await mkdir('/run/sshd', { recursive: true, mode: 0o755 });
}

/**
 * Servers with their own Debian root filesystem (`sandbox up --rootfs`, issue 9 items 1/4
 * infrastructure): sshd runs chrooted in the server's root, python3 and git are there, and a
 * local file:// apt repository the test fills with a package it builds (dpkg-deb) installs
 * and upgrades inside the root only; the machine's own packages are untouched. The first run
 * on a machine builds the cached root (debootstrap, minutes).
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, readlink, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { connectSsh, type HostSession } from '../../operator/live/ssh.ts';
import { APT_REPO_DIR, rootfsCachePath, sandboxDown, sandboxExec, sandboxUp } from '../../operator/sandbox/index.ts';
import { readState } from '../../operator/sandbox/state.ts';
import { adhoc } from '../host/adhoc.ts';
import { serverSpec, type SandboxInfo } from '../util/sandbox.ts';

const t = suite('sandbox: servers with their own Debian root filesystem');
let info: SandboxInfo | undefined;
let ssh: HostSession | undefined;
let work = '';

t.before(async () => {
  work = await mkdtemp(path.join(os.tmpdir(), 'odoops-debs-'));
  info = await sandboxUp({ clients: 1, dir: await mkdtemp(path.join(os.tmpdir(), 'odoops-sandbox-')), rootfs: true });
  ssh = await connectSsh(info.servers[0]!.client, serverSpec(info), { privateKeyPath: info.privateKeyPath, readyTimeoutMs: 10_000 });
});
t.after(async () => {
  await ssh?.close().catch(() => {});
  if (info) await sandboxDown({ dir: info.dir });
  await rm(work, { recursive: true, force: true });
});

const sha = async (file: string) => createHash('sha256').update(await readFile(file)).digest('hex');

/** Build a .deb on the machine (dpkg-deb), as a test publishing an update would. */
async function buildDeb(name: string, version: string): Promise<string> {
  const dir = path.join(work, `${name}-${version}`);
  await mkdir(path.join(dir, 'DEBIAN'), { recursive: true });
  await mkdir(path.join(dir, 'usr/share', name), { recursive: true });
  await writeFile(
    path.join(dir, 'DEBIAN/control'),
    [`Package: ${name}`, `Version: ${version}`, 'Architecture: all', 'Maintainer: odoops tests <tests@odoops.invalid>', 'Description: package built by the sandbox rootfs test', ''].join('\n'),
  );
  await writeFile(path.join(dir, 'usr/share', name, 'version'), `${version}\n`);
  const deb = path.join(work, `${name}_${version}_all.deb`);
  const r = spawnSync('dpkg-deb', ['--root-owner-group', '-b', dir, deb], { encoding: 'utf8' });
  assert.is(r.status, 0, r.stderr);
  return deb;
}

/** Put a .deb into the server's local repository and regenerate its index. */
async function publish(deb: string): Promise<void> {
  const repo = path.join(info!.servers[0]!.rootfs!, APT_REPO_DIR);
  spawnSync('cp', [deb, repo]);
  const r = spawnSync('sh', ['-c', 'dpkg-scanpackages --multiversion . > Packages', 'sh'], { cwd: repo, encoding: 'utf8' });
  assert.is(r.status, 0, r.stderr);
}

t('the root filesystem is cached outside the clone; the server runs its own sshd chrooted in its own root', async () => {
  assert.ok(existsSync(rootfsCachePath()), rootfsCachePath());
  assert.match(rootfsCachePath(), /^\/var\/cache\/odoops\/rootfs-bookworm-minbase-[0-9a-f]+\.tar\.zst$/);
  const state = (await readState(info!.dir))!;
  const rec = state.servers[0]!;
  assert.is(await readlink(`/proc/${rec.sshdPid}/root`), info!.servers[0]!.rootfs, 'sshd is chrooted in the server root');
  const r = await ssh!.exec(adhoc(['sh', '-c', 'cat /etc/debian_version; hostname; python3 -c "print(1 + 1)"; git --version; command -v node || echo no-node-here; ls /var/local']));
  assert.is(r.code, 0, r.stderr);
  const [debian, hostname, two, git, node, local] = r.stdout.trim().split('\n');
  assert.match(debian!, /^12\./);
  assert.is(hostname, rec.client);
  assert.is(two, '2');
  assert.match(git!, /^git version /);
  assert.is(node, 'no-node-here', 'the machine\'s programs are not in the root');
  assert.is(local, 'apt-repo');
});

t('a package built by the test is installed and upgraded from the local file:// repository, inside the root only', async () => {
  const machineStatus = await sha('/var/lib/dpkg/status');
  await publish(await buildDeb('odoops-probe', '1.0'));
  const install = await ssh!.exec(adhoc(['sh', '-c', 'apt-get update -q >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -q odoops-probe >/dev/null && dpkg-query -W odoops-probe'], { timeoutMs: 300_000 }));
  assert.is(install.code, 0, install.stderr);
  assert.is(install.stdout, 'odoops-probe\t1.0\n');
  await publish(await buildDeb('odoops-probe', '1.1'));
  const pending = await ssh!.exec(adhoc(['sh', '-c', 'apt-get update -q >/dev/null && apt-get -s upgrade | grep "^Inst "'], { timeoutMs: 300_000 }));
  assert.match(pending.stdout, /^Inst odoops-probe \[1\.0\] \(1\.1 /m, pending.stderr);
  const held = await sandboxExec(info!, info!.servers[0]!.client, ['sh', '-c', 'apt-mark hold odoops-probe >/dev/null && apt-mark showhold']);
  assert.is(held.stdout, 'odoops-probe\n', held.stderr);
  const upgrade = await ssh!.exec(adhoc(['sh', '-c', 'apt-mark unhold odoops-probe >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -q odoops-probe >/dev/null && cat /usr/share/odoops-probe/version'], { timeoutMs: 300_000 }));
  assert.is(upgrade.stdout, '1.1\n', upgrade.stderr);
  // The machine: no such package, its dpkg database byte for byte the same.
  assert.is.not(spawnSync('dpkg-query', ['-W', 'odoops-probe']).status, 0);
  assert.is(await sha('/var/lib/dpkg/status'), machineStatus);
  assert.not.ok(existsSync('/usr/share/odoops-probe'));
});

t.run();

/**
 * Packages built by the maintain tests (dpkg-deb on the machine) and flat file:// apt
 * repositories of them (dpkg-scanpackages, a Release with hashes as apt wants).
 */
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';

/**
 * A .deb built in `work`: its one file is <dataDir>/<name>/version. `rebootRequired`: its
 * postinst asks for a reboot, as kernel and libc packages do.
 */
export async function buildDeb(work: string, name: string, version: string, opts: { rebootRequired?: boolean; dataDir?: string } = {}): Promise<string> {
  const dir = path.join(work, `${name}-${version}`);
  const data = path.join(opts.dataDir ?? '/usr/share', name).slice(1);
  await mkdir(path.join(dir, 'DEBIAN'), { recursive: true });
  await mkdir(path.join(dir, data), { recursive: true });
  await writeFile(path.join(dir, 'DEBIAN/control'), [
    `Package: ${name}`, `Version: ${version}`, 'Architecture: all', 'Maintainer: odoops tests <tests@odoops.invalid>', 'Priority: optional',
    `Description: package built by the maintain test`, '',
  ].join('\n'));
  if (opts.rebootRequired) {
    await writeFile(path.join(dir, 'DEBIAN/postinst'), `#!/bin/sh\nset -e\ntouch /var/run/reboot-required\necho ${name} >> /var/run/reboot-required.pkgs\n`, { mode: 0o755 });
  }
  await writeFile(path.join(dir, data, 'version'), `${version}\n`);
  const deb = path.join(work, `${name}_${version}_all.deb`);
  const r = spawnSync('dpkg-deb', ['--root-owner-group', '-b', dir, deb], { encoding: 'utf8' });
  assert.is(r.status, 0, r.stderr);
  return deb;
}

/** Puts .debs into the flat repository `dir` (a machine path) and writes its Packages and Release. */
export async function publish(dir: string, release: Record<string, string>, ...debs: string[]): Promise<void> {
  await mkdir(dir, { recursive: true });
  for (const deb of debs) spawnSync('cp', [deb, dir]);
  const scan = spawnSync('dpkg-scanpackages', ['--multiversion', '.'], { cwd: dir, encoding: 'utf8' });
  assert.is(scan.status, 0, scan.stderr);
  await writeFile(path.join(dir, 'Packages'), scan.stdout);
  const packages = Buffer.from(scan.stdout);
  await writeFile(path.join(dir, 'Release'), [
    ...Object.entries(release).map(([k, v]) => `${k}: ${v}`),
    'Architectures: all amd64',
    `Date: ${new Date().toUTCString()}`,
    'SHA256:',
    ` ${createHash('sha256').update(packages).digest('hex')} ${packages.length} Packages`,
    '',
  ].join('\n'));
}

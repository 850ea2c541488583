#!/usr/bin/env node
// Installs what odoops' tests, sandbox and demo need, only when missing (idempotent).
// Plain Node with no npm dependency: it runs before node_modules exists.
//   Debian packages: openssh-server (sshd), postgresql (server binaries), iproute2 (ip netns),
//   git, curl, python3, util-linux (unshare, nsenter, flock), procps; and the real programs the
//   maintenance tests run: restic (off-site backups), nagios4-core + nrpe + monitoring plugins,
//   nftables, fail2ban, rsyslog (+gnutls), debootstrap + zstd (a Debian root filesystem for
//   OS-update tests), chromium-headless-shell (status page in a real browser), openssl.
//   npm packages: `npm ci` when node_modules is missing or older than package-lock.json.
//   The CLI's compiled dist/ (scripts/build.mjs) when it is missing or older than the sources.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, statSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const quiet = process.argv.includes('--quiet');
const log = (msg) => { if (!quiet) process.stdout.write(`setup: ${msg}\n`); };

// Each package with a file that proves it is installed.
const debianPackages = [
  ['openssh-server', '/usr/sbin/sshd'],
  ['openssh-client', '/usr/bin/ssh-keygen'],
  ['postgresql', null], // checked through findPgBin()
  ['iproute2', '/usr/sbin/ip'],
  ['git', '/usr/bin/git'],
  ['curl', '/usr/bin/curl'],
  ['python3', '/usr/bin/python3'],
  ['util-linux', '/usr/bin/unshare'],
  ['procps', '/usr/bin/pkill'],
  ['restic', '/usr/bin/restic'],
  ['nagios4-core', '/usr/sbin/nagios4'],
  ['nagios-nrpe-server', '/usr/sbin/nrpe'],
  ['nagios-nrpe-plugin', '/usr/lib/nagios/plugins/check_nrpe'],
  ['monitoring-plugins-basic', '/usr/lib/nagios/plugins/check_http'],
  ['monitoring-plugins-standard', '/usr/lib/nagios/plugins/check_pgsql'],
  ['nftables', '/usr/sbin/nft'],
  ['fail2ban', '/usr/bin/fail2ban-client'],
  ['rsyslog', '/usr/sbin/rsyslogd'],
  ['rsyslog-gnutls', '/usr/lib/x86_64-linux-gnu/rsyslog/lmnsd_gtls.so'],
  ['debootstrap', '/usr/sbin/debootstrap'],
  ['zstd', '/usr/bin/zstd'],
  ['openssl', '/usr/bin/openssl'],
  ['chromium-headless-shell', '/usr/lib/chromium/chromium-headless-shell'],
];

function findPgBin() {
  const base = '/usr/lib/postgresql';
  if (!existsSync(base)) return null;
  const versions = readdirSync(base).filter((v) => existsSync(path.join(base, v, 'bin', 'postgres'))).sort((a, b) => Number(b) - Number(a));
  return versions.length ? path.join(base, versions[0], 'bin') : null;
}

function missingDebianPackages() {
  return debianPackages
    .filter(([name, proof]) => (name === 'postgresql' ? findPgBin() === null : !existsSync(proof)))
    .map(([name]) => name);
}

function installDebian() {
  const missing = missingDebianPackages();
  if (missing.length === 0) { log('Debian packages present'); return; }
  if (process.getuid?.() !== 0) {
    process.stderr.write(`setup: missing Debian packages (${missing.join(', ')}) and not root: run 'sudo apt-get install -y ${missing.join(' ')}'\n`);
    process.exit(1);
  }
  process.stdout.write(`setup: installing Debian packages: ${missing.join(', ')}\n`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  // Another apt run (a second test suite, the machine's own) holds the dpkg lock: wait for it
  // instead of failing.
  const wait = ['-o', 'DPkg::Lock::Timeout=900'];
  execFileSync('apt-get', [...wait, 'update', '-qq'], { stdio: 'inherit', env });
  execFileSync('apt-get', [...wait, 'install', '-y', '-qq', '--no-install-recommends', ...missing], { stdio: 'inherit', env });
  // The Debian postgresql package starts a system cluster; odoops' sandbox runs its own
  // clusters, so the system one is left as Debian set it up.
  const still = missingDebianPackages();
  if (still.length) { process.stderr.write(`setup: still missing after install: ${still.join(', ')}\n`); process.exit(1); }
}

function installNpm() {
  const modules = path.join(root, 'node_modules');
  const lock = path.join(root, 'package-lock.json');
  const marker = path.join(modules, '.package-lock.json');
  const fresh = existsSync(marker) && statSync(marker).mtimeMs >= statSync(lock).mtimeMs;
  if (fresh) { log('npm packages present'); return; }
  process.stdout.write('setup: installing npm packages (npm ci)\n');
  const r = spawnSync('npm', ['ci', '--no-audit', '--no-fund'], { cwd: root, stdio: ['ignore', 'inherit', 'inherit'] });
  if (r.status !== 0) { process.stderr.write('setup: npm ci failed\n'); process.exit(1); }
}

function buildCli() {
  const r = spawnSync(process.execPath, [path.join(root, 'scripts/build.mjs'), ...(quiet ? ['--quiet'] : [])], { cwd: root, stdio: ['ignore', 'inherit', 'inherit'] });
  if (r.status !== 0) { process.stderr.write('setup: building dist/ failed (the CLI still runs from the sources, slower)\n'); process.exit(1); }
}

installNpm();
buildCli();
installDebian();
log('ready');

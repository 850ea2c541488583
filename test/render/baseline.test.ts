/**
 * The security baseline checked by the real programs, on copies in temp directories (never
 * the machine's own /etc): sshd -t / sshd -T on a full sshd_config including the drop-in,
 * fail2ban-client -t / -d on a copy of /etc/fail2ban, apt-config on the unattended-upgrades
 * files next to a distribution-like 50unattended-upgrades, and Python's re (what
 * unattended-upgrades uses) on the blacklist patterns.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fs from 'node:fs';
import path from 'node:path';
import type { ClientSpec } from '../../operator/desired/types.ts';
import { renderBaseline } from '../../operator/render/baseline.ts';
import { fail2banJail } from '../../operator/render/fail2ban.ts';
import { sshdDropIn } from '../../operator/render/sshd.ts';
import { blacklistPattern, unattendedUpgradesFiles } from '../../operator/render/unattended-upgrades.ts';
import { run, runOk } from '../../operator/sandbox/proc.ts';
import { exampleClient, tempDir } from './helpers.ts';

const dirs: string[] = [];
test.after(() => {
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
});
function scratch(name: string): string {
  const d = tempDir(name);
  dirs.push(d);
  return d;
}

test('renderBaseline: the four concerns, each with the program that validates it on the server', async () => {
  const acme = await exampleClient('acme');
  const r = renderBaseline(acme);
  assert.equal(r.files.map((f) => f.path), [
    '/etc/apt/apt.conf.d/51odoops-unattended-upgrades',
    '/etc/apt/apt.conf.d/52odoops-periodic',
    '/etc/fail2ban/jail.d/odoops.local',
    '/etc/nftables.d/odoops.nft',
    '/etc/ssh/sshd_config.d/00-odoops.conf',
  ]);
  assert.equal(r.validate.map((v) => v.argv), [['sshd', '-t'], ['nft', '-c', '-f', '/etc/nftables.d/odoops.nft'], ['fail2ban-client', '-t'], ['apt-config', 'dump']]);
  assert.is(renderBaseline(acme).digest, r.digest, 'stable');
  const cobalt = await exampleClient('cobalt');
  assert.is.not(renderBaseline({ ...acme, security: cobalt.security }).digest, r.digest);
});

/** A full sshd_config that includes the drop-in directory first, like Debian's and Ubuntu's. */
async function sshdConfig(dir: string, client: ClientSpec): Promise<string> {
  await runOk(['ssh-keygen', '-q', '-t', 'ed25519', '-N', '', '-f', path.join(dir, 'host_ed25519')]);
  const dropins = path.join(dir, 'sshd_config.d');
  fs.mkdirSync(dropins);
  const d = sshdDropIn(client, path.join(dropins, '00-odoops.conf'));
  fs.writeFileSync(d.path, d.content);
  // What cloud images ship, and what a stock sshd_config says further down: both must lose.
  fs.writeFileSync(path.join(dropins, '50-cloud-init.conf'), 'PasswordAuthentication yes\n');
  const main = path.join(dir, 'sshd_config');
  fs.writeFileSync(main, [`Include ${dropins}/*.conf`, `HostKey ${dir}/host_ed25519`, `PidFile ${dir}/sshd.pid`, 'PasswordAuthentication yes', 'KbdInteractiveAuthentication yes', 'PermitRootLogin yes', 'UsePAM yes', ''].join('\n'));
  return main;
}

test('sshd: sshd -t accepts it, and sshd -T shows its settings winning over cloud-init and stock lines', async () => {
  const acme = await exampleClient('acme');
  const dir = scratch('sshd');
  const main = await sshdConfig(dir, acme);
  const t = await run(['/usr/sbin/sshd', '-t', '-f', main]);
  assert.is(t.code, 0, t.stderr);
  const eff = await runOk(['/usr/sbin/sshd', '-T', '-f', main, '-C', 'user=root,host=client.example,addr=192.0.2.9']);
  assert.match(eff, /^passwordauthentication no$/m);
  assert.match(eff, /^kbdinteractiveauthentication no$/m);
  assert.match(eff, /^permitemptypasswords no$/m);
  assert.match(eff, /^permitrootlogin without-password$/m, 'prohibit-password (sshd -T prints its old name)');

  const strict: ClientSpec = { ...acme, security: { ...acme.security, sshPermitRootLogin: 'no' } };
  const dir2 = scratch('sshd-no-root');
  const eff2 = await runOk(['/usr/sbin/sshd', '-T', '-f', await sshdConfig(dir2, strict), '-C', 'user=root,host=client.example,addr=192.0.2.9']);
  assert.match(eff2, /^permitrootlogin no$/m);
});

test('sshd: a broken drop-in fails sshd -t (the check can fail)', async () => {
  const acme = await exampleClient('acme');
  const dir = scratch('sshd-broken');
  const main = await sshdConfig(dir, acme);
  fs.appendFileSync(path.join(dir, 'sshd_config.d/00-odoops.conf'), 'PasswordAuthentification no\n');
  const t = await run(['/usr/sbin/sshd', '-t', '-f', main]);
  assert.is(t.code, 255);
  assert.match(t.stderr, /Bad configuration option: PasswordAuthentification/);
});

/** A copy of the machine's /etc/fail2ban with the jail added and sshd's log pointed at a temp file. */
function fail2banDir(dir: string, client: ClientSpec): string {
  const etc = path.join(dir, 'fail2ban');
  fs.cpSync('/etc/fail2ban', etc, { recursive: true, dereference: true });
  const jail = fail2banJail(client, path.join(etc, 'jail.d/odoops.local'));
  fs.writeFileSync(jail.path, jail.content);
  // Debian 12 has no auth.log (journald); Ubuntu has. fail2ban's own override hook:
  fs.writeFileSync(path.join(dir, 'auth.log'), '');
  fs.writeFileSync(path.join(etc, 'paths-overrides.local'), `[DEFAULT]\nsshd_log = ${dir}/auth.log\n`);
  return etc;
}

test('fail2ban: -t accepts the jail; -d shows the sshd jail, nftables bans and the monitoring servers ignored', async () => {
  const cobalt = await exampleClient('cobalt');
  const dir = scratch('fail2ban');
  const etc = fail2banDir(dir, cobalt);
  const t = await run(['fail2ban-client', '-c', etc, '-t']);
  assert.is(t.code, 0, t.stdout + t.stderr);
  assert.match(t.stdout + t.stderr, /OK: configuration test is successful/);
  const dump = await runOk(['fail2ban-client', '-c', etc, '-d']);
  assert.match(dump, /\['add', 'sshd', 'auto'\]|\['add', 'sshd', 'polling'\]|\['add', 'sshd', 'pyinotify'\]/);
  assert.match(dump, /\['set', 'sshd', 'maxretry', 3\]/, "cobalt's override");
  assert.match(dump, /\['set', 'sshd', 'bantime', '1h'\]/);
  assert.match(dump, /\['set', 'sshd', 'addaction', 'nftables-multiport'\]/);
  assert.match(dump, /\['set', 'sshd', 'addignoreip', '127\.0\.0\.1\/8', '::1', '198\.51\.100\.201', '203\.0\.113\.202'\]/);
  assert.match(dump, /\['port', '22'\]/);
});

test('fail2ban: an unknown ban action fails -t (the check can fail)', async () => {
  const acme = await exampleClient('acme');
  const dir = scratch('fail2ban-broken');
  const etc = fail2banDir(dir, acme);
  const jail = path.join(etc, 'jail.d/odoops.local');
  fs.writeFileSync(jail, fs.readFileSync(jail, 'utf8').replace('banaction = nftables-multiport', 'banaction = nftables-nosuch'));
  const t = await run(['fail2ban-client', '-c', etc, '-t']);
  assert.is.not(t.code, 0);
  assert.match(t.stdout + t.stderr, /nftables-nosuch/);
});

/** apt-config dump over a temp apt.conf.d holding a distribution-like file and ours. */
async function aptDump(dir: string, client: ClientSpec): Promise<{ code: number; out: string; err: string }> {
  const parts = path.join(dir, 'apt.conf.d');
  fs.mkdirSync(parts);
  fs.writeFileSync(
    path.join(parts, '50unattended-upgrades'),
    'Unattended-Upgrade::Allowed-Origins {\n\t"${distro_id}:${distro_codename}";\n\t"${distro_id}:${distro_codename}-updates";\n};\nUnattended-Upgrade::Package-Blacklist {\n};\nUnattended-Upgrade::Automatic-Reboot "true";\n',
  );
  fs.writeFileSync(path.join(parts, '20auto-upgrades'), 'APT::Periodic::Update-Package-Lists "1";\nAPT::Periodic::Unattended-Upgrade "1";\n');
  for (const f of unattendedUpgradesFiles(client, parts)) fs.writeFileSync(f.path, f.content);
  fs.writeFileSync(path.join(dir, 'apt.conf'), `Dir::Etc::parts "${parts}";\n`);
  const r = await run(['apt-config', 'dump'], { env: { ...process.env, APT_CONFIG: path.join(dir, 'apt.conf') } });
  return { code: r.code, out: r.stdout, err: r.stderr };
}

const values = (dump: string, key: string) =>
  // apt prints values between double quotes, backslashes as they are (no escapes).
  dump.split('\n').filter((l) => l.startsWith(`${key}:: "`)).map((l) => l.slice(key.length + 4).replace(/";$/, ''));

test('unattended-upgrades: apt reads security origins only, Odoo held, no reboot, periodic run as configured', async () => {
  const acme = await exampleClient('acme');
  const held: ClientSpec = { ...acme, security: { ...acme.security, heldPackages: ['odoo', 'libstdc++6', 'docker-ce'] } };
  const { code, out, err } = await aptDump(scratch('apt'), held);
  assert.is(code, 0, err);
  assert.equal(values(out, 'Unattended-Upgrade::Allowed-Origins'), [], "the distribution's list is cleared");
  const origins = values(out, 'Unattended-Upgrade::Origins-Pattern');
  assert.is(origins.length, 5);
  assert.ok(origins.every((o) => /security|Security/.test(o)), origins.join(' | '));
  assert.ok(origins.some((o) => o.startsWith('origin=Ubuntu,')) && origins.some((o) => o.startsWith('origin=Debian,')));
  assert.equal(values(out, 'Unattended-Upgrade::Package-Blacklist'), ['odoo$', 'libstdc\\+\\+6$', 'docker-ce$']);
  assert.match(out, /^Unattended-Upgrade::Automatic-Reboot "false";$/m);
  assert.match(out, /^APT::Periodic::Unattended-Upgrade "0";$/m, 'ours (52) after the distribution (20)');
  const on = await aptDump(scratch('apt-on'), { ...acme, security: { ...acme.security, unattendedUpgrades: true } });
  assert.match(on.out, /^APT::Periodic::Unattended-Upgrade "1";$/m);

  // unattended-upgrades matches with Python's re.match, i.e. from the start of the name.
  const script = 'import re,sys,json\npats=json.loads(sys.argv[1])\nfor n in sys.argv[2:]:\n  print(n, any(re.match(p, n) for p in pats))\n';
  const names = ['odoo', 'odoops-probe', 'odoo-enterprise', 'libstdc++6', 'libstdc++6-dev', 'docker-ce', 'docker-ce-cli'];
  const rendered = await runOk(['/usr/bin/python3', '-c', script, JSON.stringify(values(out, 'Unattended-Upgrade::Package-Blacklist')), ...names]);
  assert.equal(rendered.trim().split('\n'), ['odoo True', 'odoops-probe False', 'odoo-enterprise False', 'libstdc++6 True', 'libstdc++6-dev False', 'docker-ce True', 'docker-ce-cli False']);
  // The pitfall the anchoring avoids:
  const naive = await runOk(['/usr/bin/python3', '-c', script, JSON.stringify(['odoo']), 'odoops-probe']);
  assert.is(naive.trim(), 'odoops-probe True');
  assert.is(blacklistPattern('a.b+c'), 'a\\.b\\+c$');
});

test('unattended-upgrades: a syntax error apt detects fails apt-config (the check can fail)', async () => {
  const acme = await exampleClient('acme');
  const dir = scratch('apt-broken');
  await aptDump(dir, acme);
  fs.appendFileSync(path.join(dir, 'apt.conf.d/52odoops-periodic'), 'APT::Periodic::Verbose "1"\n');
  const r = await run(['apt-config', 'dump'], { env: { ...process.env, APT_CONFIG: path.join(dir, 'apt.conf') } });
  assert.is(r.code, 100);
  assert.match(r.stderr, /Syntax error .*52odoops-periodic/);
});

test.run();

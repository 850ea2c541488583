// Managed files on real sandbox hosts (issue 9 items 2-5, 7): the security baseline, NRPE,
// Traefik and rsyslog written, validated, activated and drift-checked on a client server's
// own copy-on-write /etc, with real sshd, nft, fail2ban, nrpe and rsyslogd running inside
// its namespaces; Nagios pushed to monitoring hosts. The machine's own files are never
// touched (checked at the end).
//
// Sandbox adaptations the test makes on the hosts (never on the machine): a `systemctl`
// stand-in in each host's own /usr/local/sbin (there is no systemd here) with unit files in
// the host's /etc/odoops-standin; an sshd reading the host's /etc/ssh/sshd_config (and so
// odoops' drop-in) on port 2222, the port the client spec names; fail2ban, rsyslog and
// nagios4 state paths moved off the machine-wide /run and /var/lib.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { tryLock, newRunId } from '../../operator/apply/lock.ts';
import { loadDesiredState } from '../../operator/desired/load.ts';
import type { ClientSpec, DesiredState } from '../../operator/desired/types.ts';
import { guarded } from '../../operator/host/commands.ts';
import { managedInstall, nftLoad } from '../../operator/host/managed.ts';
import { connectSsh, type HostSession } from '../../operator/live/ssh.ts';
import { applyObservedManaged, observeManaged } from '../../operator/managed/index.ts';
import { reconcileMonitoring } from '../../operator/managed/monitoring.ts';
import { MANAGED_ENTRIES, type ManagedEntry } from '../../operator/managed/registry.ts';
import { driftStatusOf } from '../../operator/drift/observe.ts';
import { reconcile } from '../../operator/reconcile/index.ts';
import { rendering } from '../../operator/render/digest.ts';
import { NFTABLES_FILE, NFT_TABLE, nftablesValidate } from '../../operator/render/nftables.ts';
import { SSHD_DROPIN, SSHD_VALIDATE } from '../../operator/render/sshd.ts';
import { sandboxDown, sandboxExec, sandboxUp, type SandboxInfo } from '../../operator/sandbox/index.ts';
import { runOdoops } from '../util/cli.ts';

const t = suite('managed files on sandbox hosts');
const here = path.dirname(fileURLToPath(import.meta.url));
const SYSTEMCTL = readFileSync(path.join(here, 'systemctl-standin.py'), 'utf8');
const SSH_PORT = 2222;
const HTPASSWD = 'ops:$2y$05$abcdefghijklmnopqrstuuS3cretHashValueXXXXXXXXXXXXXXXXX';

let info: SandboxInfo | undefined;
let desired: DesiredState;
let client: ClientSpec;
let env: NodeJS.ProcessEnv;
/** The secrets the client spec names (env:NAME), as the CLI's environment adds them. */
let secretsEnv: Record<string, string>;
let machineBefore = '';
const ssh = () => ({ privateKeyPath: info!.privateKeyPath, readyTimeoutMs: 5000 });

/** What the machine's own files look like where the test writes on hosts (and its firewall). */
function machineDigest(): string {
  const paths = ['/etc/ssh', '/etc/fail2ban', '/etc/apt/apt.conf.d', '/etc/nagios', '/etc/nagios4', '/etc/rsyslog.conf', '/etc/rsyslog.d', '/etc/traefik', '/etc/odoops', '/etc/odoops-standin', '/etc/nftables.d', '/usr/local/sbin', '/usr/local/lib/odoops'];
  const h = createHash('sha256');
  for (const p of paths) {
    const r = sandboxLessRun(['sh', '-c', 'find "$1" -xdev -printf "%p %m %u %s\\n" 2>/dev/null | sort; find "$1" -xdev -type f -exec sha256sum {} + 2>/dev/null | sort', 'sh', p]);
    h.update(r);
  }
  h.update(sandboxLessRun(['sh', '-c', 'nft list tables 2>&1']));
  return h.digest('hex');
}

function sandboxLessRun(argv: string[]): string {
  return spawnSync(argv[0]!, argv.slice(1), { encoding: 'utf8' }).stdout;
}

async function on(host: string, script: string, ...args: string[]): Promise<{ code: number; out: string }> {
  const r = await sandboxExec(info!, host, ['sh', '-c', script, 'sh', ...args], { timeoutMs: 60_000 });
  return { code: r.code ?? -1, out: `${r.stdout}${r.stderr}` };
}

async function must(host: string, script: string, ...args: string[]): Promise<string> {
  const r = await on(host, script, ...args);
  assert.is(r.code, 0, `${host}: ${script}: ${r.out}`);
  return r.out;
}

async function put(host: string, file: string, content: string, mode = '0644'): Promise<void> {
  const r = await sandboxExec(info!, host, ['sh', '-c', 'mkdir -p "$(dirname "$1")" && cat > "$1" && chmod "$2" "$1"', 'sh', file, mode], { input: content });
  assert.is(r.code, 0, r.stderr);
}

async function unit(host: string, name: string, def: object): Promise<void> {
  await put(host, `/etc/odoops-standin/units/${name}.json`, JSON.stringify(def));
}

async function waitUntil<T>(what: string, fn: () => Promise<T | null | undefined | false>, tries = 240): Promise<T> {
  for (let i = 0; i < tries; i++) {
    const v = await fn();
    if (v) return v;
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`gave up waiting for ${what}`);
}

const PREFIX = "import sys,time\nfor l in sys.stdin:\n    sys.stdout.write(time.strftime('%Y-%m-%dT%H:%M:%S') + ' acme sshd[1]: ' + l.replace('\\r',''))\n    sys.stdout.flush()\n";

async function prepareServer(name: string): Promise<void> {
  await put(name, '/usr/local/sbin/systemctl', SYSTEMCTL, '0755');
  await put(name, '/root/.ssh/authorized_keys', readFileSync(info!.publicKeyPath, 'utf8'), '0600');
  await must(name, 'mkdir -p /var/spool/odoops-standin /var/spool/fail2ban /var/spool/rsyslog /srv/odoo/production/log /srv/odoo/test/log && touch /var/log/auth.log');
  await put(name, '/usr/local/lib/odoops-test/prefix.py', PREFIX);
  // sshd with the host's own /etc/ssh/sshd_config (which includes sshd_config.d/*.conf); its
  // log gets the "sshd[pid]:" prefix fail2ban's filter expects and goes to /var/log/auth.log.
  await unit(name, 'ssh', {
    exec: ['sh', '-c', `{ /usr/sbin/sshd -D -e -o Port=${SSH_PORT} -o PidFile=none -o HostKeyAlgorithms=ssh-ed25519 & echo $! > /var/spool/odoops-standin/sshd.real.pid; wait; } 2>&1 | python3 -u /usr/local/lib/odoops-test/prefix.py >> /var/log/auth.log`],
    reload: 'HUP',
    pidFile: '/var/spool/odoops-standin/sshd.real.pid',
  });
  await put(name, '/etc/fail2ban/fail2ban.local', '[Definition]\nlogtarget = /var/log/fail2ban.log\nsocket = /var/spool/fail2ban/fail2ban.sock\npidfile = /var/spool/fail2ban/fail2ban.pid\ndbfile = /var/spool/fail2ban/fail2ban.sqlite3\n');
  await unit(name, 'fail2ban', { exec: ['fail2ban-client', '-f', '-x', 'start'], reload: ['fail2ban-client', 'reload'] });
  // NRPE's pid file is /run/nagios/nrpe.pid (as on Debian), and /run is the machine's: an NRPE
  // of another sandbox would make this one exit 2 ("already running"). This server's own copy.
  await must(name, 'mkdir -p /var/spool/odoops-standin/run-nagios /run/nagios && chown nagios:nagios /var/spool/odoops-standin/run-nagios && mount --bind /var/spool/odoops-standin/run-nagios /run/nagios');
  await unit(name, 'nagios-nrpe-server', { exec: ['/usr/sbin/nrpe', '-c', '/etc/nagios/nrpe.cfg', '-f'], reload: 'HUP' });
  await put(name, '/etc/rsyslog.conf', 'global(workDirectory="/var/spool/rsyslog")\ninclude(file="/etc/rsyslog.d/*.conf" mode="optional")\n');
  await unit(name, 'rsyslog', { exec: ['rsyslogd', '-n', '-f', '/etc/rsyslog.conf', '-i', '/var/spool/rsyslog/rsyslogd.pid'] });
  await must(name, 'systemctl start ssh');
}

async function prepareMonitoring(name: string): Promise<void> {
  await put(name, '/usr/local/sbin/systemctl', SYSTEMCTL, '0755');
  // Nagios' state off the machine-wide /var/lib/nagios4 and /run (only this host's spool).
  await must(name, 'mkdir -p /var/spool/nagios4/rw /var/spool/nagios4/spool/checkresults /var/spool/nagios4/run /var/log/nagios4/archives && chown -R nagios:nagios /var/spool/nagios4 /var/log/nagios4 && sed -i -e "s#/var/lib/nagios4#/var/spool/nagios4#g" -e "s#/var/run/nagios4#/var/spool/nagios4/run#g" /etc/nagios4/nagios.cfg');
  await unit(name, 'nagios4', { exec: ['/usr/sbin/nagios4', '/etc/nagios4/nagios.cfg'], reload: 'HUP' });
}

async function prepareLogHost(): Promise<void> {
  const tls = path.join(info!.dir, 'hosts', 'log', 'tls');
  await put('log', '/etc/rsyslog-central.conf', [
    'global(workDirectory="/var/spool/rsyslog-central"',
    `  DefaultNetstreamDriver="gtls" DefaultNetstreamDriverCAFile="${info!.caCertPath}"`,
    `  DefaultNetstreamDriverCertFile="${tls}/tls.crt" DefaultNetstreamDriverKeyFile="${tls}/tls.key")`,
    'module(load="imtcp" StreamDriver.Name="gtls" StreamDriver.Mode="1" StreamDriver.AuthMode="anon")',
    'input(type="imtcp" port="6514")',
    'template(name="per_program" type="string" string="/var/log/central/%HOSTNAME%/%PROGRAMNAME%.log")',
    'action(type="omfile" dynaFile="per_program")',
    '',
  ].join('\n'));
  await must('log', 'mkdir -p /var/spool/rsyslog-central /var/log/central && rsyslogd -f /etc/rsyslog-central.conf -i /var/spool/rsyslog-central/rsyslogd.pid');
}

t.before(async () => {
  machineBefore = machineDigest();
  info = await sandboxUp({ clients: 1, dir: await mkdtemp(path.join(os.tmpdir(), 'odoops-sandbox-')), monitoring: 1, logHost: true });
  desired = await loadDesiredState({ repo: info.repoDir });
  // A second monitoring server at an address of the sandbox network where nothing answers.
  const m1 = desired.fleet.monitoringServers.find((m) => m.name === 'monitoring1')!;
  const nowhere = m1.host.replace(/\.\d+$/, '.239');
  desired = { ...desired, fleet: { ...desired.fleet, monitoringServers: [m1, { ...m1, name: 'monitoring2', host: nowhere, addresses: [nowhere] }] } };
  // Backups are a managed unit too, tested with restic in test/backup/: left out here.
  const { backups: _backups, ...base } = desired.clients[0]!;
  const server = info.servers[0]!;
  await prepareServer(server.client);
  const fp = (await must(server.client, 'ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub')).split(' ')[1]!;
  const monitoring = info.hosts.filter((h) => h.role === 'monitoring');
  client = {
    ...base,
    server: { ...base.server, port: SSH_PORT, hostKey: fp },
    // Instances stay out of these runs: their windows never open.
    instances: base.instances.map((i) => ({ ...i, windows: [{ kind: 'deny', schedule: '0 0 * * *', duration: '24h', timeZone: 'UTC', manualSync: false }] })),
    monitoring: {
      servers: monitoring.map((m) => m.host),
      checks: [...base.monitoring.checks.filter((c) => c.command === 'check_load' || c.command === 'check_disk'), { name: 'check_forced_failure', command: 'check_dummy', args: ['2', 'forced failure'] }],
    },
  };
  secretsEnv = {};
  for (const p of Object.values(client.proxy.protect)) if (p.basicAuth) secretsEnv[p.basicAuth.usersSecret.slice(4)] = HTPASSWD;
  env = { ...process.env, ...secretsEnv };
  // The sshd odoops talks to in these tests is listening before anything else runs.
  const first = await waitUntil('sshd on port 2222', async () => connectSsh(client.name, client.server, ssh()).catch(() => null));
  await first.close();
  for (const m of monitoring) await prepareMonitoring(m.name);
  await prepareLogHost();
});

t.after(async () => {
  if (info) {
    for (const p of ['/var/spool/rsyslog-central/rsyslogd.pid']) await on('log', 'kill "$(cat "$1")"', p).catch(() => undefined);
    await sandboxDown({ dir: info.dir });
  }
});

const apply = () => reconcile(client, desired.revision, { mode: 'apply', fleet: desired.fleet, ssh: ssh(), env, lockIdleMs: 120_000 });
const plan = () => reconcile(client, desired.revision, { mode: 'plan', fleet: desired.fleet, ssh: ssh(), env });

// Every registered unit but backup (this client declares none: restic is test/backup/'s).
const UNITS = MANAGED_ENTRIES.map((e) => e.unit).filter((u) => u !== 'backup');

t('first apply writes every unit, validated and activated; the next plan is clean', async () => {
  const before = await plan();
  assert.ok(before.plan.managed, JSON.stringify(before.plan).slice(0, 500));
  assert.equal(before.plan.managed!.refused, []);
  assert.equal(before.plan.managed!.actions.map((a) => a.unit), UNITS);
  const out = await apply();
  const results = out.apply?.managed?.actions ?? [];
  assert.equal(results.map((a) => [a.unit, a.outcome, a.detail ?? '']), UNITS.map((u) => [u, 'applied', '']));
  assert.ok(results.find((a) => a.unit === 'baseline/sshd')!.steps.includes('confirmed over a new SSH connection'));
  const after = await plan();
  assert.equal(after.plan.managed!.drift, []);
  // Each is really in use: the firewall table loaded, nrpe and rsyslog running, sshd with the drop-in.
  assert.match(await must(client.name, 'nft list table inet odoops'), /tcp dport \{ [^}]*2222/);
  await must(client.name, 'systemctl is-active nagios-nrpe-server && systemctl is-active rsyslog && systemctl is-active fail2ban');
  assert.match(await must(client.name, 'sshd -T -o Port=2222 | grep -i "^passwordauthentication"'), /passwordauthentication no/);
});

t('baseline drift by hand is reported, then fixed by apply', async () => {
  await must(client.name, 'sed -i "s/^PasswordAuthentication no/PasswordAuthentication yes/" "$1" && rm /etc/fail2ban/jail.d/odoops.local && chmod 0600 /etc/apt/apt.conf.d/52odoops-periodic', SSHD_DROPIN);
  const drifted = await plan();
  const report = driftStatusOf([client], [drifted], drifted.plan.revision, new Date(), env);
  const paths = (report.clients[0]?.managed ?? []).map((c) => c.path);
  assert.equal(paths, ['managed.baseline/sshd:/etc/ssh/sshd_config.d/00-odoops.conf', 'managed.baseline/fail2ban:/etc/fail2ban/jail.d/odoops.local', 'managed.baseline/unattended-upgrades:/etc/apt/apt.conf.d/52odoops-periodic']);
  const sshdAction = drifted.plan.managed!.actions.find((a) => a.unit === 'baseline/sshd')!;
  assert.match(sshdAction.files[0]!.diff, /\n-PasswordAuthentication yes\n\+PasswordAuthentication no\n/);
  const fixed = await apply();
  assert.equal(fixed.apply!.managed!.actions.map((a) => [a.unit, a.outcome]), [['baseline/sshd', 'applied'], ['baseline/fail2ban', 'applied'], ['baseline/unattended-upgrades', 'applied']]);
  assert.equal((await plan()).plan.managed!.drift, []);
});

/** Runs a managed apply of custom entries under the server lock, as reconcile would. */
async function applyEntries(entries: ManagedEntry[], reconnectWithinMs = 30_000) {
  const session = await connectSsh(client.name, client.server, ssh());
  const runId = newRunId();
  const lock = await tryLock(session, client.name, { runId });
  assert.ok(lock.acquired);
  try {
    const state = await observeManaged(session, client, desired.fleet, { entries, env });
    const result = await applyObservedManaged(session, state, { runId, reconnectWithinMs, reconnect: () => connectSsh(client.name, client.server, ssh()) });
    return { state, result };
  } finally {
    await lock.release();
    await session.close();
  }
}

const sha = async (file: string) => (await must(client.name, 'sha256sum "$1"', file)).split(' ')[0];

t('a broken sshd rendering is refused by sshd -t and nothing changes', async () => {
  const before = await sha(SSHD_DROPIN);
  const broken: ManagedEntry = {
    unit: 'baseline/sshd', safe: true, guard: 'ssh', activate: () => [],
    render: () => rendering('broken sshd', [{ path: SSHD_DROPIN, content: 'PasswordAuthentication no\nNoSuchKeyword yes\n', mode: 0o644 }], [SSHD_VALIDATE]),
  };
  const { result } = await applyEntries([{ ...broken, activate: MANAGED_ENTRIES[0]!.activate }]);
  assert.is(result.actions[0]!.outcome, 'refused');
  assert.match(result.actions[0]!.detail!, /sshd configuration refused the new files: exit 255.*NoSuchKeyword.*the previous files are back/s);
  assert.is(await sha(SSHD_DROPIN), before);
  const fresh = await connectSsh(client.name, client.server, ssh());
  await fresh.close();
});

/** A firewall that keeps established connections but refuses new ones to the SSH port. */
const cutting: ManagedEntry = {
  unit: 'baseline/nftables', safe: true, guard: 'ssh',
  activate: () => [nftLoad(NFTABLES_FILE, 'inet', NFT_TABLE)],
  render: () => rendering('cutting nftables', [{
    path: NFTABLES_FILE, mode: 0o644,
    content: `table inet ${NFT_TABLE}\ndelete table inet ${NFT_TABLE}\ntable inet ${NFT_TABLE} {\n\tchain input {\n\t\ttype filter hook input priority filter; policy accept;\n\t\tct state established,related accept\n\t\ttcp dport ${SSH_PORT} drop\n\t}\n}\n`,
  }], [nftablesValidate()]),
};

t('an nftables change that would cut SSH: the new connection fails, the previous ruleset is back', async () => {
  const before = await sha(NFTABLES_FILE);
  const table = await must(client.name, 'nft list table inet odoops');
  // The cut is permanent: a few refused attempts are enough to give up and revert.
  const { result } = await applyEntries([cutting], 6000);
  assert.is(result.actions[0]!.outcome, 'reverted', JSON.stringify(result));
  assert.match(result.actions[0]!.detail!, /a new SSH connection failed after activation.*the previous files were restored and re-activated/s);
  assert.is(await sha(NFTABLES_FILE), before);
  assert.is(await must(client.name, 'nft list table inet odoops'), table);
  const fresh = await connectSsh(client.name, client.server, ssh());
  await fresh.close();
});

t('a cut link reverts too: the timed revert on the server restores the firewall when odoops never confirms', async () => {
  const before = await sha(NFTABLES_FILE);
  const session = await connectSsh(client.name, client.server, ssh());
  const runId = newRunId();
  const lock = await tryLock(session, client.name, { runId });
  assert.ok(lock.acquired);
  const r = cutting.render({ client, fleet: desired.fleet, secrets: new Map() })!;
  // What applyManaged sends, with odoops then gone: nobody confirms.
  const res = await session.exec(guarded(managedInstall({
    token: `${runId}-cut`, label: 'cutting nftables', files: r.files, validate: r.validate, activate: cutting.activate(r), guard: true, revertAfterS: 3,
  }), runId));
  assert.is(res.code, 0, res.stderr);
  assert.ok((JSON.parse(res.stdout) as { ok: boolean }).ok);
  await lock.release();
  await session.close();
  assert.is.not(await sha(NFTABLES_FILE), before);
  // New connections are refused until the server reverts by itself.
  const back = await waitUntil('the timed revert', async () => {
    try {
      return await connectSsh(client.name, client.server, { ...ssh(), readyTimeoutMs: 2000 });
    } catch {
      return null;
    }
  });
  await back.close();
  assert.is(await sha(NFTABLES_FILE), before);
  assert.match(await must(client.name, 'cat /var/lib/odoops/managed/"$1"/reverted.json', `${runId}-cut`), /"problems": \[\]/);
});

t('fail2ban (real, in the server namespace) bans after failed logins and unbans', async () => {
  const logHost = info!.hosts.find((h) => h.role === 'log')!;
  const target = info!.servers[0]!.host;
  const probe = `timeout 3 bash -c '</dev/tcp/${target}/${SSH_PORT}'`;
  await must('log', probe);
  for (let i = 0; i < client.security.fail2banMaxRetry + 2; i++) {
    // The ban can land mid-handshake: its packets are then dropped, and only a bound ends ssh.
    await on('log', `timeout -k 2 15 ssh -o BatchMode=yes -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o ConnectTimeout=3 -o ServerAliveInterval=2 -o ServerAliveCountMax=2 -p ${SSH_PORT} nosuchuser${i}@${target} true`);
  }
  await waitUntil('the ban', async () => (await on(client.name, 'fail2ban-client status sshd')).out.includes(logHost.host));
  // fail2ban lists the ban before its action has added the address to the nftables set.
  await waitUntil('the nftables ban', async () => (await on(client.name, 'nft list table inet f2b-table')).out.includes(logHost.host));
  assert.is.not((await on('log', probe)).code, 0);
  await must(client.name, 'fail2ban-client set sshd unbanip "$1"', logHost.host);
  await waitUntil('the unban', async () => (await on('log', probe)).code === 0);
});

t('NRPE answers only the monitoring servers; a failing check is reported as CRITICAL', async () => {
  const target = info!.servers[0]!.host;
  const ok = await on('monitoring1', '/usr/lib/nagios/plugins/check_nrpe -H "$1" -c check_load', target);
  // The machine's load decides OK, WARNING or CRITICAL: what matters is that NRPE answered.
  assert.ok([0, 1, 2].includes(ok.code), ok.out);
  assert.match(ok.out, /^LOAD (OK|WARNING|CRITICAL) - /);
  const failing = await on('monitoring1', '/usr/lib/nagios/plugins/check_nrpe -H "$1" -c check_forced_failure', target);
  assert.is(failing.code, 2, failing.out);
  assert.match(failing.out, /CRITICAL: forced failure/);
  const other = await on('log', '/usr/lib/nagios/plugins/check_nrpe -t 5 -H "$1" -c check_load', target);
  assert.is.not(other.code, 0);
  assert.not.match(other.out, /LOAD/);
});

t('rsyslog forwards an Odoo log line to the log host over TLS', async () => {
  const line = `odoops-test ${Date.now()} werkzeug: GET /web/login 200`;
  const central = `/var/log/central/${client.name}/odoo-production.log`;
  await waitUntil('the line on the log host', async () => {
    await must(client.name, 'printf "%s\\n" "$1" >> /srv/odoo/production/log/odoo.log', line);
    return (await on('log', 'cat "$1"', central)).out.includes(line);
  });
  // Over TLS: the log host only listens with gtls; a plain TCP line would not be parsed as syslog.
  assert.match(await must('log', 'grep -c "" "$1"', central), /\d+/);
});

const odoops = (args: string[]) => runOdoops(info!, args, secretsEnv);

t('odoops drift --managed-files reports the managed files of the config repo\'s server and the monitoring servers', async () => {
  // The config repo's own view of the server (its sandbox sshd on port 22): nothing managed was written through it.
  const out = await odoops(['drift', '--repo', info!.repoDir, '--managed-files', '--detailed-exitcode', '--connect-timeout', '5']);
  assert.is(out.code, 2, out.stderr + out.stdout);
  assert.match(out.stdout, /acme \(managed files\): drift: \d+ files? differ from their rendering/);
  // It renders port 22 where the test's client spec says 2222: the firewall differs.
  assert.match(out.stdout, /managed\.baseline\/nftables:\/etc\/nftables\.d\/odoops\.nft.*content differs/);
  assert.match(out.stdout, /Monitoring servers \(Nagios\):/);
  assert.match(out.stdout, /monitoring1 nagios/);
  const json = JSON.parse((await odoops(['drift', '--repo', info!.repoDir, '--managed-files', '--json', '--connect-timeout', '5'])).stdout) as { monitoring: { server: string }[]; clients: { managed?: unknown[] }[] };
  assert.equal(json.monitoring.map((m) => m.server), ['monitoring1']);
  assert.ok((json.clients[0]?.managed ?? []).length > 0);
});

t('Nagios is pushed to the monitoring servers; one unreachable is reported without failing the client', async () => {
  {
    const out = await reconcileMonitoring(desired.fleet, [client], { mode: 'apply', ssh: ssh() });
    const [m1, m2] = out;
    assert.equal(m1!.apply!.actions.map((a) => [a.unit, a.outcome, a.detail ?? '']), [['nagios', 'applied', '']]);
    assert.ok(m1!.apply!.actions[0]!.steps.some((s) => s.includes('nagios4')), m1!.apply!.actions[0]!.steps.join(', '));
    await must('monitoring1', 'systemctl is-active nagios4 && test -f /etc/nagios4/conf.d/odoops/odoops.cfg');
    assert.is(m2!.apply!.error?.code, 'unreachable');
    // The client's own apply is unaffected by the monitoring server being away.
    const c = await apply();
    assert.is(c.apply!.error, undefined);
  }
  // Drift on a monitoring server: a hand edit is reported.
  await must('monitoring1', 'echo "# edited by hand" >> /etc/nagios4/conf.d/odoops/odoops.cfg');
  const drift = await reconcileMonitoring(desired.fleet, [client], { mode: 'plan', ssh: ssh() });
  assert.equal(drift[0]!.plan.drift.map((d) => d.files.map((f) => [f.path, f.change])), [[['/etc/nagios4/conf.d/odoops/odoops.cfg', 'update']]]);
  assert.match(drift[0]!.plan.drift[0]!.files[0]!.diff, /\n-# edited by hand\n/);
});

t('the machine itself was not changed', () => {
  assert.is(machineDigest(), machineBefore);
});

t.run();

/**
 * Bare servers, the machine's own files and the sandbox network (issue 8 items 1 and 2):
 * `sandbox up --bare` gives servers with the host contract's programs and nothing
 * provisioned; whatever odoops may write on a server outside /srv and /var/lib/odoops
 * (schedules, secrets, sshd/nftables/fail2ban/rsyslog/apt configs, logs, programs) lands in
 * that server's own copy: the machine's /etc is byte-for-byte the same after a run that
 * writes there through SSH; client servers reach the backup (SFTP and S3), monitoring and
 * log hosts of their sandbox network, and not each other.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { connectSsh, type HostSession } from '../../operator/live/ssh.ts';
import { loadDesiredState } from '../../operator/desired/index.ts';
import { sandboxDown, sandboxExec, sandboxFault, sandboxUp } from '../../operator/sandbox/index.ts';
import { adhoc } from '../host/adhoc.ts';
import { runOdoops } from '../util/cli.ts';
import { differences, etcDigest } from '../util/machine-etc.ts';
import { serverSpec, type SandboxInfo } from '../util/sandbox.ts';

const t = suite('sandbox: bare servers, the machine never changed, the sandbox network');
let info: SandboxInfo | undefined;
const sessions: HostSession[] = [];

t.before(async () => {
  info = await sandboxUp({ clients: 2, dir: await mkdtemp(path.join(os.tmpdir(), 'odoops-sandbox-')), bare: true, backupHosts: 2, monitoring: 1, logHost: true });
});
t.after(async () => {
  for (const s of sessions) await s.close().catch(() => {});
  if (info) await sandboxDown({ dir: info.dir });
});

async function ssh(client: string): Promise<HostSession> {
  const s = await connectSsh(client, serverSpec(info!, client), { privateKeyPath: info!.privateKeyPath, readyTimeoutMs: 10_000 });
  sessions.push(s);
  return s;
}

const odoops = (args: string[]) => runOdoops(info!, args);

t('bare: sshd, python3, git and the docker/odoo stand-ins are there; no /srv/odoo, no Odoo database', async () => {
  for (const s of info!.servers) {
    const session = await ssh(s.client);
    const r = await session.exec(adhoc(['sh', '-c', 'for c in python3 git docker odoo; do command -v $c >/dev/null && echo $c; done; ls -A /srv; test -e /srv/odoo && echo has-srv-odoo; true']));
    assert.is(r.stdout, 'python3\ngit\ndocker\nodoo\n', r.stderr);
    const dbs = await session.exec(adhoc(['psql', '-h', '/var/run/postgresql', '-U', 'odoo', '-d', 'postgres', '-Atc', 'SELECT datname FROM pg_database ORDER BY 1']));
    assert.is(dbs.stdout, 'postgres\ntemplate0\ntemplate1\n', dbs.stderr);
    const ps = await session.exec(adhoc(['docker', 'ps', '--format', 'json']));
    assert.is(ps.stdout.trim(), '', 'no container');
  }
});

t('bare: the generated config repo validates; the plan provisions every instance (test/provision/ applies it)', async () => {
  const v = await odoops(['validate', '--repo', info!.repoDir]);
  assert.is(v.code, 0, v.stdout + v.stderr);
  const p = await odoops(['plan', '--repo', info!.repoDir, '--json']);
  const plans = (JSON.parse(p.stdout) as { clients: { client: string; instances: { instance: string; blocked?: unknown; actions: { kind: string }[] }[] }[] }).clients;
  assert.equal(plans.map((c) => c.client).sort(), info!.servers.map((s) => s.client).sort());
  for (const c of plans) {
    for (const i of c.instances) {
      assert.is(i.blocked, undefined, `${c.client}/${i.instance}`);
      assert.is(i.actions[0]?.kind, 'provision-layout', `${c.client}/${i.instance}`);
    }
  }
});

t('writes through SSH outside /srv and /var/lib/odoops land in the server\'s own copy: the machine\'s /etc is unchanged', async () => {
  const [a, b] = info!.servers.map((s) => s.client) as [string, string];
  const before = await etcDigest();
  const written = [
    '/etc/cron.d/odoops-backup',
    '/etc/odoops/secrets/restic-password',
    '/etc/nagios/nrpe.d/odoops.cfg',
    '/etc/ssh/sshd_config.d/50-odoops.conf',
    '/etc/fail2ban/jail.d/odoops.local',
    '/etc/rsyslog.d/50-odoops.conf',
    '/etc/apt/apt.conf.d/50odoops',
    '/etc/restic/env',
    '/var/log/odoops/backup.log',
    '/var/spool/cron/crontabs/root',
    '/usr/local/bin/odoops-reboot',
    '/opt/odoops/marker',
  ];
  const session = await ssh(a);
  // As odoops writes files on a server: an argv, values as positional parameters, the
  // secret on stdin, umask 077 for it.
  const script = [
    'set -e',
    'for f in "$@"; do mkdir -p "$(dirname "$f")"; printf "written by the test\\n" > "$f"; done',
    'rm -f /etc/odoops/secrets/restic-password; (umask 077; cat > /etc/odoops/secrets/restic-password)',
    // Existing machine files: changed, appended to, removed, made a directory of.
    'printf "flush ruleset\\n" > /etc/nftables.conf',
    'echo "# odoops" >> /etc/hosts',
    'rm -f /etc/motd /etc/issue.net',
    'chmod 600 /etc/hostname',
    'mkdir -p /etc/odoops-dir && touch /etc/odoops-dir/x',
  ].join('\n');
  const w = await session.exec(adhoc(['sh', '-c', script, 'sh', ...written], { stdin: 'not-a-real-secret\n' }));
  assert.is(w.code, 0, w.stderr);
  const seen = await session.exec(adhoc(['sh', '-c', 'cat "$@"; stat -c %a /etc/odoops/secrets/restic-password; cat /etc/nftables.conf; test -e /etc/motd || echo no-motd', 'sh', ...written.filter((f) => !f.includes('secrets'))]));
  assert.is(seen.stdout, 'written by the test\n'.repeat(written.length - 1) + '600\nflush ruleset\nno-motd\n', seen.stderr);

  const after = await etcDigest();
  assert.equal(differences(before, after), [], 'the machine\'s /etc changed');
  for (const f of [...written, '/etc/odoops-dir']) assert.not.ok(existsSync(f), `${f} leaked to the machine`);
  assert.is.not(await readFile('/etc/nftables.conf', 'utf8'), 'flush ruleset\n', 'the machine\'s nftables.conf is untouched');

  // The other server has its own copy too: none of it there.
  const other = await ssh(b);
  const r = await other.exec(adhoc(['sh', '-c', 'for f in "$@"; do test -e "$f" && echo "$f"; done; test -e /etc/motd && echo motd-still-there; true', 'sh', ...written]));
  assert.is(r.stdout, 'motd-still-there\n', r.stderr);
});

/** Can `from` open a TCP connection to host:port? (bash's /dev/tcp inside the host's namespaces) */
async function reaches(from: string, host: string, port: number): Promise<boolean> {
  const r = await sandboxExec(info!, from, ['timeout', '5', 'bash', '-c', 'exec 3<>"/dev/tcp/$1/$2"', 'bash', host, String(port)]);
  return r.code === 0;
}

const hostOf = (name: string) => info!.hosts.find((h) => h.name === name)!;

t('the sandbox network: every host is recorded with its role; clients reach the backup, S3, monitoring and log hosts, not each other', async () => {
  assert.equal(info!.hosts.map((h) => `${h.name}:${h.role}`), ['backup1:backup', 'backup2:backup', 's3:s3', 'monitoring1:monitoring', 'log:log']);
  const st = await odoops(['sandbox', 'status', '--dir', info!.dir, '--json']);
  assert.is(st.code, 0, st.stderr);
  const hosts = (JSON.parse(st.stdout) as { hosts: { name: string; role: string; link: boolean; services: Record<string, boolean> }[] }).hosts;
  assert.equal(hosts.map((h) => `${h.name}:${h.role}:${Object.entries(h.services).map(([k, v]) => `${k}=${v}`).join(',')}`), [
    'acme:client:sshd=true,db=true',
    'boreal:client:sshd=true,db=true',
    'backup1:backup:sshd=true',
    'backup2:backup:sshd=true',
    's3:s3:s3rver=true',
    'monitoring1:monitoring:sshd=true',
    'log:log:sshd=true',
  ]);
  const [a, b] = info!.servers as [SandboxInfo['servers'][0], SandboxInfo['servers'][0]];
  for (const name of ['backup1', 'backup2', 'monitoring1', 'log']) assert.ok(await reaches(a.client, hostOf(name).host, 22), `${a.client} -> ${name}`);
  assert.ok(await reaches(a.client, hostOf('s3').host, 9000), 'client -> s3');
  // Client servers are isolated from each other, both ways, even on their public sshd.
  assert.not.ok(await reaches(a.client, b.host, 22), `${a.client} must not reach ${b.client}`);
  assert.not.ok(await reaches(b.client, a.host, 22), `${b.client} must not reach ${a.client}`);
  // The monitoring host reaches clients (NRPE will live there); private services listen on loopback only.
  assert.ok(await reaches('monitoring1', a.host, 22));
  assert.not.ok(await reaches('monitoring1', a.host, 5432), 'PostgreSQL is not on the network');
});

t('restic from a client server: SFTP to a backup host with its pinned host key, S3 over HTTPS with the sandbox CA; the generated repo names them and the monitoring and log hosts', async () => {
  const client = info!.servers[0]!.client;
  const b1 = hostOf('backup1');
  const s3 = info!.s3!;
  const sftp = `ssh -i ${info!.backupKeyPath} -o UserKnownHostsFile=${info!.knownHostsPath} -o StrictHostKeyChecking=yes -o BatchMode=yes root@${b1.host} -s sftp`;
  const script = [
    'set -e',
    'export RESTIC_CACHE_DIR=/root/.cache/restic RESTIC_PASSWORD_FILE=/root/restic-password',
    '(umask 077; cat > /root/restic-password)',
    'mkdir -p /srv/data && echo "some data" > /srv/data/file',
    'restic -q -r "$1" -o sftp.command="$2" init',
    'restic -q -r "$1" -o sftp.command="$2" backup /srv/data',
    'restic -r "$1" -o sftp.command="$2" snapshots --json',
    'AWS_ACCESS_KEY_ID="$4" AWS_SECRET_ACCESS_KEY="$5" restic -q --cacert "$6" -r "$3" init',
    'AWS_ACCESS_KEY_ID="$4" AWS_SECRET_ACCESS_KEY="$5" restic -q --cacert "$6" -r "$3" backup /srv/data',
    'AWS_ACCESS_KEY_ID="$4" AWS_SECRET_ACCESS_KEY="$5" restic --cacert "$6" -r "$3" snapshots --json',
  ].join('\n');
  const r = await sandboxExec(info!, client, ['sh', '-c', script, 'sh', `sftp:root@${b1.host}:${b1.url}/${client}`, sftp, `${s3.resticUrl}/${client}`, s3.accessKeyId, s3.secretAccessKey, info!.caCertPath!], {
    input: 'test-repository-password\n',
    timeoutMs: 120_000,
  });
  assert.is(r.code, 0, r.stderr);
  const snapshots = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as { paths: string[] }[]);
  assert.equal(snapshots.map((s) => s.map((x) => x.paths)), [[['/srv/data']], [['/srv/data']]]);
  // The data landed on the backup host and the S3 host, not on the machine.
  assert.ok(existsSync(path.join(info!.dir, 'hosts/backup1/root/srv/backup', client, 'config')));
  assert.ok(existsSync(path.join(info!.dir, 'hosts/s3/data', s3.bucket, client)));
  // The generated repo backs up to these hosts (two distinct sites) and is valid.
  const desired = await loadDesiredState({ repo: info!.repoDir });
  const spec = desired.clients.find((c) => c.name === client)!;
  assert.equal(spec.backups?.destinations.map((d) => `${d.name} ${d.url}`), [`sandbox-backup1 sftp:root@${b1.host}:/srv/backup`, `sandbox-s3 ${s3.resticUrl}`]);
  const m1 = hostOf('monitoring1');
  assert.equal(desired.fleet.monitoringServers.map((m) => [m.name, m.host, m.port, m.hostKey, m.addresses]), [['monitoring1', m1.host, 22, m1.hostKey, [m1.host]]]);
  assert.equal(desired.fleet.logHost, { host: hostOf('log').host, port: 6514, caCert: `file:${info!.caCertPath}`, serverName: 'log.sandbox.odoops.test' });
  // The log host's certificate is signed by the sandbox CA for that name and address.
  const verify = spawnSync('openssl', ['verify', '-CAfile', info!.caCertPath!, '-verify_hostname', 'log.sandbox.odoops.test', '-verify_ip', hostOf('log').host, hostOf('log').tls!.cert], { encoding: 'utf8' });
  assert.is(verify.status, 0, verify.stdout + verify.stderr);
});

t('a backup host can be cut off (link-down) and brought back, like a client server', async () => {
  const client = info!.servers[0]!.client;
  const b2 = hostOf('backup2');
  await sandboxFault({ dir: info!.dir, client: 'backup2', fault: 'link-down' });
  try {
    assert.not.ok(await reaches(client, b2.host, 22));
    assert.ok(await reaches(client, hostOf('backup1').host, 22), 'the other backup host is still there');
  } finally {
    await sandboxFault({ dir: info!.dir, client: 'backup2', fault: 'link-up' });
  }
  assert.ok(await reaches(client, b2.host, 22));
});

t.run();

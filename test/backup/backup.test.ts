/**
 * Daily off-site backups on the sandbox, with real restic to an SFTP backup host (pinned host
 * key) and the S3 host (s3rver over HTTPS, the sandbox CA), through the odoops CLI (issue 8
 * items 2-4 and 6): the installed schedule entry run as written makes a snapshot on both
 * destinations; a database dropped and a filestore deleted by hand come back identical (row
 * counts, checksums, file hashes); one backup host down is degraded with a fresh copy on the
 * other; a wrong repository password is a clear error and deletes nothing; --into test is a
 * neutralized copy of production; a hand-edited schedule file is drift.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { ensureBackupFiles } from '../../operator/backup/files.ts';
import { newRunId, tryLock } from '../../operator/apply/lock.ts';
import { loadDesiredState } from '../../operator/desired/index.ts';
import type { ClientSpec, FleetSpec } from '../../operator/desired/types.ts';
import { connectSsh, type HostSession } from '../../operator/live/ssh.ts';
import { sandboxDown, sandboxExec, sandboxFault, sandboxUp } from '../../operator/sandbox/index.ts';
import { BACKUP_CRON_FILE } from '../../operator/host/paths.ts';
import { serverMinutes } from '../../operator/render/backup.ts';
import { Cron } from 'croner';
import { adhoc } from '../host/adhoc.ts';
import { runOdoops } from '../util/cli.ts';
import { serverSpec, type SandboxInfo } from '../util/sandbox.ts';

const t = suite('backups: restic to SFTP + S3, restore, degraded, wrong password, --into test, schedule drift');
let info: SandboxInfo | undefined;
let spec: ClientSpec;
let fleet: FleetSpec;
let client: string;
const PASSWORD = 'correct horse battery staple';
const sessions: HostSession[] = [];

const odoops = (args: string[], env: Record<string, string> = {}) =>
  runOdoops(info!, [...args, '--repo', info!.repoDir], { [`RESTIC_PASSWORD_${client.toUpperCase()}`]: PASSWORD, ...env });

async function inServer(argv: string[], input?: string): Promise<string> {
  const r = await sandboxExec(info!, client, argv, { timeoutMs: 120_000, ...(input !== undefined ? { input } : {}) });
  assert.is(r.code, 0, `${argv.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

const psql = (db: string, sql: string) => inServer(['psql', '-h', '/var/run/postgresql', '-U', 'odoo', '-d', db, '-X', '-At', '-v', 'ON_ERROR_STOP=1', '-c', sql]);
const inst = (name: string) => spec.instances.find((i) => i.name === name)!;

/** What "identical data" means here: row counts and content checksums of chosen tables, and every filestore file's hash. */
async function fingerprint(name: string): Promise<{ tables: string; files: string }> {
  const db = inst(name).database;
  const tables = await psql(db, [
    "SELECT 'res_partner', count(*), md5(coalesce(string_agg(id || ':' || name, ',' ORDER BY id), '')) FROM res_partner",
    "SELECT 'ir_module_module', count(*), md5(coalesce(string_agg(name || ':' || state, ',' ORDER BY name), '')) FROM ir_module_module",
    "SELECT 'ir_mail_server', count(*), md5(coalesce(string_agg(name || ':' || active, ',' ORDER BY id), '')) FROM ir_mail_server",
  ].join(' UNION ALL '));
  const files = await inServer(['sh', '-c', 'cd "$1" && find . -type f | sort | xargs -r sha256sum', 'sh', `/srv/odoo/${name}/filestore`]);
  return { tables, files };
}

t.before(async () => {
  info = await sandboxUp({ clients: 1, dir: await mkdtemp(path.join(os.tmpdir(), 'odoops-sandbox-')), backupHosts: 1 });
  client = info.servers[0]!.client;
  const desired = await loadDesiredState({ repo: info.repoDir });
  spec = desired.clients.find((c) => c.name === client)!;
  fleet = desired.fleet;
  // Production data worth keeping: partners, a mail server, an active cron, attachments.
  const prod = inst('production').database;
  await psql(prod, "INSERT INTO res_partner (name, display_name, create_date, write_date) SELECT 'Customer ' || g, 'Customer ' || g, now(), now() FROM generate_series(1, 250) g");
  await psql(prod, "INSERT INTO ir_mail_server (name, smtp_host, smtp_port, active) VALUES ('Production SMTP', 'smtp.example.com', 587, true)");
  await inServer(['sh', '-c', 'set -e; d="/srv/odoo/production/filestore/filestore/$1"; mkdir -p "$d/ab" "$d/cd"; head -c 200000 /dev/urandom > "$d/ab/abcdef"; echo "attachment" > "$d/cd/cdef01"', 'sh', prod]);
});

t.after(async () => {
  for (const s of sessions) await s.close().catch(() => undefined);
  if (info) await sandboxDown({ dir: info.dir });
});

async function session(): Promise<HostSession> {
  const s = await connectSsh(client, serverSpec(info!, client), { privateKeyPath: info!.privateKeyPath, readyTimeoutMs: 10_000 });
  sessions.push(s);
  return s;
}

interface DriftJson {
  clients: { client: string; managed?: { path: string; reason: string }[]; backups?: { state: string; changes: { path: string; reason: string }[] } }[];
}

async function drift(): Promise<DriftJson['clients'][number] | undefined> {
  const r = await odoops(['drift', '--json', '--managed-files', '--client', client]);
  return (JSON.parse(r.stdout) as DriftJson).clients.find((c) => c.client === client);
}

/** What `odoops drift` says of the backup unit's files: "path: reason" per differing file. */
async function backupDrift(): Promise<string[]> {
  return ((await drift())?.managed ?? [])
    .filter((c) => c.path.startsWith('managed.backup:'))
    .map((c) => `${c.path.slice('managed.backup:'.length)}: ${c.reason}`);
}

interface Listing {
  destinations: Record<string, { ok: boolean; snapshots?: { id: string; instance: string; revision: string; time: string }[]; code?: string }>;
  health: { state: string; destinations: { destination: string; ok: boolean; problems: string[] }[] };
}

async function listing(env: Record<string, string> = {}): Promise<Listing> {
  const r = await odoops(['backups', client, '--json'], env);
  return JSON.parse(r.stdout) as Listing;
}

const newest = (l: Listing, dest: string, instance: string) =>
  l.destinations[dest]!.snapshots!.filter((s) => s.instance === instance).sort((a, b) => (a.time < b.time ? 1 : -1))[0]!;

/** Each instance has a newer snapshot on `dest` than before (retention keeps one a day: counts do not grow). */
function assertNewest(before: Listing, after: Listing, dest: string): void {
  for (const i of ['production', 'test']) {
    const [a, b] = [newest(before, dest, i), newest(after, dest, i)];
    assert.is.not(b.id, a.id, `${dest} ${i}`);
    assert.ok(b.time > a.time, `${dest} ${i}: ${b.time} > ${a.time}`);
  }
  // forget --prune per backups.retention (daily 7): one snapshot a day per instance is kept.
  assert.is(after.destinations[dest]!.snapshots!.length, 2, `${dest}: retention`);
}

const ids = (l: Listing) => Object.fromEntries(Object.entries(l.destinations).map(([d, v]) => [d, (v.snapshots ?? []).map((s) => s.id).sort()]));

t('odoops backup installs the files, then backs up both instances to both destinations; backups lists them, healthy', async () => {
  const r = await odoops(['backup', client]);
  assert.is(r.code, 0, r.stdout + r.stderr);
  assert.match(r.stdout, /installed the backup files: .*\/etc\/cron\.d\/odoops-backup/);
  assert.match(r.stdout, /backup complete on every destination/);
  assert.not.match(r.stdout + r.stderr, PASSWORD);
  const l = await listing();
  const names = spec.backups!.destinations.map((d) => d.name);
  assert.equal(Object.keys(l.destinations).sort(), [...names].sort());
  for (const n of names) {
    assert.ok(l.destinations[n]!.ok, n);
    assert.equal(l.destinations[n]!.snapshots!.map((s) => s.instance).sort(), ['production', 'test'], n);
  }
  assert.is(l.health.state, 'ok', JSON.stringify(l.health));
  // The secrets are 0600 on the server, the schedule 0644, and match the desired state; the backups are healthy: no drift.
  const d = await drift();
  assert.equal((d?.managed ?? []).filter((c) => c.path.startsWith('managed.backup:')), []);
  assert.is(d?.backups, undefined);
  const modes = await inServer(['sh', '-c', 'stat -c "%a %n" /etc/odoops/backup/* /etc/cron.d/odoops-backup | sort -k2']);
  for (const line of modes.trim().split('\n')) {
    const [mode, file] = line.split(' ') as [string, string];
    assert.is(mode, /\.(known_hosts|ca\.crt)$|cron\.d/.test(file) ? '644' : '600', file);
  }
});

t('the installed schedule entry, run as written at a scheduled minute, makes a new snapshot on both destinations', async () => {
  const before = await listing();
  const cron = await inServer(['cat', BACKUP_CRON_FILE]);
  const entry = cron.split('\n').find((l) => /^\S+ \S+ \S+ \S+ \S+ root /.test(l))!;
  // cron ignores CRON_TZ on Debian: it wakes the program every quarter hour from the
  // schedule's minute, and the program checks the schedule in backups.timeZone.
  assert.not.match(cron, /CRON_TZ/);
  const prefix = `${serverMinutes(spec.backups!.schedule.trim().split(/\s+/)[0]!)} * * * * root `;
  assert.ok(entry.startsWith(prefix), entry);
  const command = entry.slice(prefix.length);
  assert.match(command, / scheduled >> /);
  // As cron runs it: sh -c with the command line of the entry (through SSH: the server's PATH),
  // at the next minute the schedule fires in its zone (the program's --at).
  const next = new Cron(spec.backups!.schedule, { timezone: spec.backups!.timeZone }).nextRun()!;
  const s = await session();
  const res = await s.exec(adhoc(['sh', '-c', command.replace(' scheduled ', ` scheduled --at ${Math.floor(next.getTime() / 1000)} `)], { timeoutMs: 300_000 }));
  assert.is(res.code, 0, res.stderr);
  const after = await listing();
  for (const d of spec.backups!.destinations) assertNewest(before, after, d.name);
  const log = await inServer(['cat', '/var/log/odoops-backup.log']);
  assert.match(log, /scheduled backup of \S+ /);
  assert.match(log, /RESULT /);
  // The same scheduled minute again (cron woke it twice, clocks went back): nothing more.
  const again = await s.exec(adhoc(['sh', '-c', command.replace(' scheduled ', ` scheduled --at ${Math.floor(next.getTime() / 1000) + 30} `)], { timeoutMs: 300_000 }));
  assert.is(again.code, 0, again.stderr);
  const ids = (l: Listing) => Object.values(l.destinations).flatMap((d) => (d.snapshots ?? []).map((x) => x.id)).sort();
  assert.equal(ids(await listing()), ids(after));
});

t('drop the database and delete the filestore by hand, restore: identical data', async () => {
  const before = await fingerprint('production');
  assert.match(before.tables, /^res_partner\|25\d\|/m);
  assert.match(before.files, /abcdef/);
  const prod = inst('production');
  await inServer(['docker', 'compose', '-f', '/srv/odoo/production/compose.yaml', 'stop', 'odoo']);
  await psql('postgres', `DROP DATABASE "${prod.database}"`);
  await inServer(['rm', '-rf', '/srv/odoo/production/filestore']);
  const r = await odoops(['restore', client, '--instance', 'production', '--yes']);
  assert.is(r.code, 0, r.stdout + r.stderr);
  assert.match(r.stdout, /restored from snapshot [0-9a-f]{8}/);
  assert.match(r.stdout, /did not exist before/);
  assert.equal(await fingerprint('production'), before);
  const health = await inServer(['curl', '-fsS', `http://127.0.0.1:${prod.httpPort}/web/health`]);
  assert.match(health, /pass/);
});

t('restore over a live database keeps a verified safety copy and drops the replaced database only after health', async () => {
  const before = await fingerprint('production');
  await psql(inst('production').database, "INSERT INTO res_partner (name, display_name, create_date, write_date) VALUES ('Written after the backup', 'x', now(), now())");
  const r = await odoops(['restore', client, '--instance', 'production', '--yes', '--json']);
  assert.is(r.code, 0, r.stdout + r.stderr);
  const res = JSON.parse(r.stdout) as { safetyCopy: string; wasAbsent: boolean };
  assert.not.ok(res.wasAbsent);
  assert.equal(await fingerprint('production'), before);
  // The safety copy holds the replaced database (with the row written after the backup), verified.
  const toc = await inServer(['sh', '-c', 'test -f "$1/complete" && pg_restore --list "$1/db.dump" | grep -c "TABLE DATA"', 'sh', res.safetyCopy]);
  assert.ok(Number(toc.trim()) > 0);
  const dbs = await psql('postgres', "SELECT count(*) FROM pg_database WHERE datname LIKE 'odoops_%'");
  assert.is(dbs.trim(), '0', 'no scratch or aside database is left');
});

t('restore without --yes off a terminal refuses and changes nothing', async () => {
  const r = await odoops(['restore', client, '--instance', 'production']);
  assert.is(r.code, 2);
  assert.match(r.stderr, /confirm with --yes/);
});

t('one backup host down: the backup is degraded, the other destination has a fresh copy', async () => {
  const [sftpDest, s3Dest] = spec.backups!.destinations.map((d) => d.name) as [string, string];
  const before = await listing();
  await sandboxFault({ dir: info!.dir, client: 'backup1', fault: 'link-down' });
  try {
    const r = await odoops(['backup', client, '--json']);
    assert.is(r.code, 1, r.stderr);
    const res = JSON.parse(r.stdout) as { outcome: string; destinations: Record<string, { ok: boolean; code?: string }> };
    assert.is(res.outcome, 'degraded');
    assert.not.ok(res.destinations[sftpDest]!.ok);
    assert.ok(res.destinations[s3Dest]!.ok);
    const l = await listing();
    assert.not.ok(l.destinations[sftpDest]!.ok, 'the SFTP destination cannot be listed');
    assertNewest(before, l, s3Dest);
    assert.is(l.health.state, 'degraded');
    assert.ok(l.health.destinations.find((d) => d.destination === sftpDest)!.problems.some((p) => /last run failed/.test(p)));
    // Drift says so too: degraded, the failing destination named.
    const d = (await drift())!.backups!;
    assert.is(d.state, 'degraded');
    assert.ok(d.changes.some((c) => c.path === `backups.${sftpDest}` && /last run failed/.test(c.reason)), JSON.stringify(d));
    assert.not.ok(d.changes.some((c) => c.path === `backups.${s3Dest}`));
  } finally {
    await sandboxFault({ dir: info!.dir, client: 'backup1', fault: 'link-up' });
  }
});

t('a wrong repository password is a clear error and deletes nothing', async () => {
  const before = await listing();
  const data = await fingerprint('production');
  const wrong = { [`RESTIC_PASSWORD_${client.toUpperCase()}`]: 'not the password' };
  const b = await odoops(['backup', client, '--json'], wrong);
  assert.is(b.code, 1);
  const res = JSON.parse(b.stdout) as { outcome: string; destinations: Record<string, { ok: boolean; code?: string; error?: string }> };
  assert.is(res.outcome, 'failed');
  for (const d of Object.values(res.destinations)) {
    assert.is(d.code, 'wrong-password');
    assert.match(d.error ?? '', /wrong password/);
  }
  const r = await odoops(['restore', client, '--instance', 'production', '--yes'], wrong);
  assert.is(r.code, 1);
  assert.match(r.stderr, /wrong password/);
  assert.match(r.stderr, /nothing was changed/);
  assert.equal(await fingerprint('production'), data);
  // Back to the right password: every snapshot is still there.
  // Under the server lock, as every install: the fence lets only the lock holder's commands run.
  const s = await session();
  const runId = newRunId();
  const lock = await tryLock(s, client, { runId, command: 'test', now: new Date() });
  assert.ok(lock.acquired);
  try {
    assert.equal(await ensureBackupFiles(s, spec, fleet, { runId, env: { ...process.env, [`RESTIC_PASSWORD_${client.toUpperCase()}`]: PASSWORD } }), ['/etc/odoops/backup/password']);
  } finally {
    await lock.release();
  }
  assert.equal(ids(await listing()), ids(before));
});

t('--into test: a neutralized copy of production (no mail server can send, crons off), said so', async () => {
  const prod = await fingerprint('production');
  const r = await odoops(['restore', client, '--instance', 'production', '--into', 'test', '--yes']);
  assert.is(r.code, 0, r.stdout + r.stderr);
  assert.match(r.stdout, new RegExp(`${client}/test is now a neutralized copy of production at snapshot [0-9a-f]{8}`));
  const testDb = inst('test').database;
  const partners = await psql(testDb, 'SELECT count(*) FROM res_partner');
  assert.is(partners.trim(), prod.tables.match(/^res_partner\|(\d+)\|/m)![1]);
  assert.is((await psql(testDb, "SELECT count(*) FROM ir_mail_server WHERE active AND smtp_host <> 'invalid'")).trim(), '0');
  assert.is((await psql(testDb, "SELECT count(*) FROM ir_mail_server WHERE active AND smtp_host = 'invalid'")).trim(), '1');
  assert.is((await psql(testDb, "SELECT count(*) FROM ir_cron WHERE active")).trim(), '1', 'only the autovacuum');
  assert.is((await psql(testDb, "SELECT value FROM ir_config_parameter WHERE key = 'database.is_neutralized'")).trim(), 'true');
  // Production itself still sends mail.
  assert.is((await psql(inst('production').database, "SELECT count(*) FROM ir_mail_server WHERE active AND smtp_host = 'smtp.example.com'")).trim(), '1');
  // The files came along under the test database's name.
  const files = await inServer(['sh', '-c', 'cd /srv/odoo/test/filestore/filestore && ls "$1"/ab', 'sh', testDb]);
  assert.is(files.trim(), 'abcdef');
});

t('the schedule file matches the desired state; a hand edit is drift, and the managed unit puts it back', async () => {
  assert.equal(await backupDrift(), []);
  await inServer(['sh', '-c', 'sed -i "s/ root / root nice /" "$1"', 'sh', BACKUP_CRON_FILE]);
  await inServer(['chmod', '644', '/etc/odoops/backup/password']);
  assert.equal(await backupDrift(), [
    `${BACKUP_CRON_FILE}: content differs (edited by hand?)`,
    '/etc/odoops/backup/password: mode differs (edited by hand?)',
  ]);
  // What apply runs for the unit (the managed-files mechanism), without the rest of the plan.
  const env = { ...process.env, [`RESTIC_PASSWORD_${client.toUpperCase()}`]: PASSWORD };
  const s = await session();
  const runId = newRunId();
  const lock = await tryLock(s, client, { runId, command: 'test', now: new Date() });
  assert.ok(lock.acquired);
  try {
    assert.equal(await ensureBackupFiles(s, spec, fleet, { runId, env }), [BACKUP_CRON_FILE, '/etc/odoops/backup/password']);
  } finally {
    await lock.release();
  }
  assert.equal(await backupDrift(), []);
  assert.match(await inServer(['cat', BACKUP_CRON_FILE]), / root \/usr\/local\/sbin\/odoops-backup scheduled /);
});

t.run();

/**
 * The pure parts of backups: the rendering (operator/render/backup.ts), the health judgement
 * (operator/backup/health.ts) and the reinstall's config patch (checked with real `git apply`).
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { unifiedDiff, withNewServer } from '../../operator/backup/config-patch.ts';
import { backupHealth, type BackupStatusFile } from '../../operator/backup/health.ts';
import { backupChanges } from '../../operator/backup/observe.ts';
import { driftStatusExitCode, fleetDriftStatus } from '../../operator/drift/classify.ts';
import type { LiveState } from '../../operator/live/types.ts';
import type { Plan } from '../../operator/plan/types.ts';
import type { ClientSpec } from '../../operator/desired/types.ts';
import { BACKUP_CONFIG_DIR, BACKUP_CRON_FILE, BACKUP_PROGRAM } from '../../operator/host/paths.ts';
import { BACKUP_PROGRAM_PY } from '../../operator/host/scripts.ts';
import { renderBackup, sftpTarget } from '../../operator/render/backup.ts';
import { RenderError } from '../../operator/render/types.ts';

const KEY = '-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA\n-----END OPENSSH PRIVATE KEY-----\n';
const CA = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n';

function client(over: Partial<NonNullable<ClientSpec['backups']>> = {}): ClientSpec {
  return {
    name: 'acme',
    file: 'clients/acme.yaml',
    server: { host: '203.0.113.10', port: 22, user: 'root', hostKey: 'SHA256:x', os: 'ubuntu-22.04' },
    instances: [
      { name: 'test', database: 'acme_test' },
      { name: 'production', database: 'acme_prod' },
    ],
    backups: {
      schedule: '0 1 * * *',
      timeZone: 'Europe/Paris',
      retention: { daily: 7, weekly: 4, monthly: 6 },
      encryptionKey: 'env:RESTIC_PASSWORD_ACME',
      destinations: [
        { name: 'site-a', url: 'sftp:backup@192.0.2.5:/srv/backup', site: 'a', credentials: 'file:/keys/a', hostKey: 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIFake' },
        { name: 'site-b', url: 's3:https://s3.example.net/bucket/', site: 'b', credentials: 'env:S3_B', caCert: 'file:/ca.crt' },
      ],
      ...over,
    },
  } as unknown as ClientSpec;
}

const secrets = new Map([
  ['env:RESTIC_PASSWORD_ACME', 'repository-password'],
  ['file:/keys/a', KEY],
  ['env:S3_B', 'AWS_ACCESS_KEY_ID=AKIA\nAWS_SECRET_ACCESS_KEY=verysecret\n'],
  ['file:/ca.crt', CA],
]);

const t = suite('backups: rendering, health, config patch');

t('renders the cron entry, the program, the configuration and 0600 secrets; one repository per client', () => {
  const r = renderBackup(client(), secrets, BACKUP_PROGRAM_PY);
  assert.equal(r.files.map((f) => `${f.path} ${f.mode.toString(8)}${f.secret ? ' secret' : ''}`), [
    `${BACKUP_CRON_FILE} 644`,
    `${BACKUP_CONFIG_DIR}/config.json 600`,
    `${BACKUP_CONFIG_DIR}/password 600 secret`,
    `${BACKUP_CONFIG_DIR}/site-a.key 600 secret`,
    `${BACKUP_CONFIG_DIR}/site-a.known_hosts 644`,
    `${BACKUP_CONFIG_DIR}/site-b.ca.crt 644`,
    `${BACKUP_CONFIG_DIR}/site-b.env 600 secret`,
    `${BACKUP_PROGRAM} 755`,
  ]);
  const cron = r.files[0]!.content;
  // No CRON_TZ (Debian's cron ignores it): cron wakes the program at each quarter hour the
  // schedule's minute can be on the server's clock; the program checks the time in the zone.
  assert.not.match(cron, /CRON_TZ/);
  assert.match(cron, new RegExp(`^0,15,30,45 \\* \\* \\* \\* root ${BACKUP_PROGRAM} scheduled >> /var/log/odoops-backup.log 2>&1$`, 'm'));
  assert.equal((JSON.parse(r.files[1]!.content) as { schedule: string; timeZone: string }).schedule, '0 1 * * *');
  assert.equal((JSON.parse(r.files[1]!.content) as { schedule: string; timeZone: string }).timeZone, 'Europe/Paris');
  assert.ok(cron.endsWith('\n'), 'cron needs a final newline');
  const config = JSON.parse(r.files[1]!.content) as { destinations: { repository: string; sftp?: { host: string; user: string; port: number } }[] };
  assert.equal(config.destinations.map((d) => d.repository), ['sftp:backup@192.0.2.5:/srv/backup/acme', 's3:https://s3.example.net/bucket/acme']);
  assert.equal(config.destinations[0]!.sftp, { user: 'backup', host: '192.0.2.5', port: 22, keyFile: `${BACKUP_CONFIG_DIR}/site-a.key`, knownHostsFile: `${BACKUP_CONFIG_DIR}/site-a.known_hosts` });
  assert.is(r.files[4]!.content, '192.0.2.5 ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIFake\n');
  // No secret outside the secret files.
  for (const f of r.files.filter((x) => !x.secret)) for (const v of ['repository-password', 'verysecret', 'b3BlbnNzaC1rZXktdjEAAAAA']) assert.not.ok(f.content.includes(v), f.path);
  // The program's own idea of where its configuration is agrees with the host contract.
  assert.ok(BACKUP_PROGRAM_PY.includes(`CONFIG_DIR = "${BACKUP_CONFIG_DIR}"`));
  assert.is(renderBackup(client(), secrets, BACKUP_PROGRAM_PY).digest, r.digest, 'stable');
  assert.is.not(renderBackup(client({ schedule: '0 2 * * *' }), secrets, BACKUP_PROGRAM_PY).digest, r.digest);
});

t('refuses what cannot work, naming the setting and never the secret', () => {
  const noKey = client();
  delete (noKey.backups!.destinations[0] as { hostKey?: string }).hostKey;
  assert.throws(() => renderBackup(noKey, secrets, ''), (e: unknown) => e instanceof RenderError && e.code === 'missing-setting' && /site-a: an sftp destination needs hostKey/.test(e.message));
  const bad = new Map(secrets).set('env:S3_B', 'AWS_ACCESS_KEY_ID=AKIA\nthis-is-the-secret');
  assert.throws(() => renderBackup(client(), bad, ''), (e: unknown) => e instanceof RenderError && /line 2 is not NAME=VALUE/.test(e.message) && !e.message.includes('this-is-the-secret'));
  assert.throws(() => renderBackup(client(), new Map(), ''), (e: unknown) => e instanceof RenderError && e.code === 'missing-secret');
  assert.equal(sftpTarget('sftp://u@h.example:2222//srv/x'), { user: 'u', host: 'h.example', port: 2222 });
  assert.equal(sftpTarget('sftp:h:/srv'), { user: 'root', host: 'h', port: 22 });
  assert.is(sftpTarget('s3:https://x/y'), null);
});

function status(times: Record<string, Record<string, string>>, extra: Partial<BackupStatusFile['destinations'][string]> = {}): BackupStatusFile {
  return {
    destinations: Object.fromEntries(Object.entries(times).map(([d, inst]) => [d, {
      lastRun: { at: '2026-12-01T01:05:00Z', ok: true },
      newest: Object.fromEntries(Object.entries(inst).map(([i, time]) => [i, { id: `${d}-${i}`, time, size: 1000 }])),
      check: { ok: true, at: '2026-12-01T01:05:00Z' },
      ...extra,
    }])),
  };
}

t('health: fresh everywhere is ok; missing, too old, failing or unchecked is drift; one destination still fresh is degraded', () => {
  const now = new Date('2026-12-01T10:00:00Z');
  const fresh = { test: '2026-12-01T00:02:00Z', production: '2026-12-01T00:03:00Z' };
  assert.is(backupHealth(client(), status({ 'site-a': fresh, 'site-b': fresh }), now).state, 'ok');
  assert.is(backupHealth(client(), null, now).state, 'failing');
  const old = { test: '2026-11-29T00:02:00Z', production: '2026-11-29T00:03:00Z' };
  const h = backupHealth(client(), status({ 'site-a': old, 'site-b': fresh }), now);
  assert.is(h.state, 'degraded');
  assert.equal(h.destinations.map((d) => d.instances.map((i) => i.problem)), [['too-old', 'too-old'], [null, null]]);
  assert.match(h.destinations[0]!.problems[0]!, /before the run scheduled at 2026-12-01T00:00:00.000Z/);
  const missing = backupHealth(client(), status({ 'site-b': fresh }), now);
  assert.is(missing.state, 'degraded');
  assert.ok(missing.destinations[0]!.problems.includes('site-a: no snapshot of test since the run scheduled at 2026-12-01T00:00:00.000Z'), missing.destinations[0]!.problems.join('\n'));
  // Installed after the last scheduled run: nothing is due yet, no drift; once a run was due, missing is drift.
  const installed = (at: string): BackupStatusFile => ({ destinations: {}, configSince: at });
  assert.is(backupHealth(client(), installed('2026-12-01T09:00:00Z'), now).state, 'ok');
  assert.is(backupHealth(client(), installed('2026-11-30T09:00:00Z'), now).state, 'failing');
  const failed = backupHealth(client(), status({ 'site-a': fresh, 'site-b': fresh }, { check: { ok: false, at: '2026-12-01T01:05:00Z', error: 'pack 1234 damaged' } }), now);
  assert.is(failed.state, 'failing');
  assert.match(failed.destinations[1]!.problems.join('\n'), /restic check failed .*pack 1234 damaged/);
  // Within the margin after the scheduled time, yesterday's snapshot still counts.
  assert.is(backupHealth(client(), status({ 'site-a': { test: '2026-11-30T00:02:00Z', production: '2026-11-30T00:02:00Z' }, 'site-b': fresh }), new Date('2026-12-01T02:00:00Z')).state, 'ok');
});

t('backup health in drift: a degraded client is drift (exit 2), named per destination; healthy backups are not', () => {
  const now = new Date('2026-12-01T10:00:00Z');
  const fresh = { test: '2026-12-01T00:02:00Z', production: '2026-12-01T00:03:00Z' };
  const h = backupHealth(client(), status({ 'site-b': fresh }), now);
  const plan = (backups: Plan['backups']): Plan => ({ client: 'acme', revision: 'r', instances: [], ...(backups ? { backups } : {}) }) as unknown as Plan;
  // The drift command's classification (operator/drift/): only the backups differ.
  const live: LiveState = { client: 'acme', reachable: true, host: { hostname: 'acme-srv', os: 'debian-12' }, instances: {} };
  const drift = (backups: Plan['backups']) => fleetDriftStatus([{ spec: client(), live, plan: plan(backups) }], 'r', now);
  const degraded = drift({ state: h.state, changes: backupChanges(h) });
  assert.is(driftStatusExitCode(degraded), 2);
  assert.is(degraded.clients[0]!.state, 'drift');
  const changes = degraded.clients[0]!.backups!.changes;
  assert.equal(changes.map((c) => c.path), ['backups.site-a', 'backups.site-a', 'backups.site-a']);
  assert.match(changes.map((c) => c.reason).join('\n'), /site-a: no snapshot of production since the run scheduled at .*\(degraded: another destination has fresh copies\)/);
  const ok = backupHealth(client(), status({ 'site-a': fresh, 'site-b': fresh }), now);
  const healthy = drift({ state: ok.state, changes: backupChanges(ok) });
  assert.is(driftStatusExitCode(healthy), 0);
  assert.is(healthy.clients[0]!.state, 'in-sync');
});

t('the reinstall patch changes server.host and server.hostKey only, keeps comments, and git apply takes it', () => {
  const text = '# acme: the client\napiVersion: odoops/v1\nkind: Client\nname: acme\nserver:\n  host: 203.0.113.10  # old VPS\n  hostKey: SHA256:old\ninstances:\n  production:\n    series: "17.0"\n';
  const after = withNewServer(text, '198.51.100.7', 'SHA256:new');
  assert.match(after, /# acme: the client/);
  assert.match(after, /host: 198\.51\.100\.7/);
  const patch = unifiedDiff('clients/acme.yaml', text, after);
  assert.equal(patch.split('\n').filter((l) => /^[-+][^-+]/.test(l)), ['-  host: 203.0.113.10  # old VPS', '-  hostKey: SHA256:old', `+${after.split('\n')[5]}`, '+  hostKey: SHA256:new']);
  const dir = mkdtempSync(path.join(os.tmpdir(), 'odoops-patch-'));
  spawnSync('git', ['init', '-q', dir]);
  mkdirSync(path.join(dir, 'clients'));
  writeFileSync(path.join(dir, 'clients/acme.yaml'), text);
  const r = spawnSync('git', ['-C', dir, 'apply', '-'], { input: patch, encoding: 'utf8' });
  assert.is(r.status, 0, r.stderr);
  assert.is(readFileSync(path.join(dir, 'clients/acme.yaml'), 'utf8'), after);
  assert.is(unifiedDiff('x', text, text), '');
});

t.run();

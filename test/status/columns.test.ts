/**
 * The fleet view's backups and monitoring columns (pure): backups judged as drift judges
 * them (operator/backup/health.ts) from the server's status file, monitoring from the
 * managed-files plan of the NRPE unit; both shown on the page and in the table.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { BackupStatusFile } from '../../operator/backup/health.ts';
import type { ClientSpec } from '../../operator/desired/types.ts';
import type { ManagedPlan } from '../../operator/managed/types.ts';
import { BACKUP_NOT_INSTALLED, backupStatuses } from '../../operator/status/backups.ts';
import { backupsText, monitoringText } from '../../operator/status/format.ts';
import { renderClientPage, renderFleetPage } from '../../operator/status/html.ts';
import { MONITORING_NOT_CHECKED, monitoringStatus } from '../../operator/status/monitoring.ts';
import type { ClientStatus, FleetStatus } from '../../operator/status/types.ts';

const t = suite('status: the backups and monitoring columns');
const NOW = new Date('2026-12-01T10:00:00Z');

const spec = {
  name: 'acme',
  file: 'clients/acme.yaml',
  server: { host: '203.0.113.10', port: 22, user: 'root', hostKey: 'SHA256:x', os: 'ubuntu-22.04' },
  instances: [{ name: 'test', database: 'acme_test' }, { name: 'production', database: 'acme_prod' }],
  backups: {
    schedule: '0 1 * * *', timeZone: 'UTC', retention: { daily: 7, weekly: 4, monthly: 6 }, encryptionKey: 'env:K',
    destinations: [{ name: 'site-a', url: 'sftp:b@192.0.2.5:/srv/backup', site: 'a', credentials: 'file:/k' }, { name: 'site-b', url: 's3:https://s3.example.net/b/', site: 'b', credentials: 'env:S' }],
  },
  monitoring: { servers: ['192.0.2.20', '192.0.2.21'], checks: [{ name: 'check_disk', command: 'x' }, { name: 'check_load', command: 'y' }] },
} as unknown as ClientSpec;

function statusFile(b: Record<string, string>): BackupStatusFile {
  const dest = (newest: Record<string, string>, ok = true) => ({
    lastRun: { at: '2026-12-01T01:05:00Z', ok },
    newest: Object.fromEntries(Object.entries(newest).map(([i, time]) => [i, { id: `${i}1`, time, size: 1000 }])),
    check: { ok: true, at: '2026-12-01T01:06:00Z' },
  });
  return { destinations: { 'site-a': dest({ test: '2026-12-01T01:01:00Z', production: '2026-12-01T01:03:00Z' }), 'site-b': dest(b) } };
}

t('backups: fresh copies -> ok with the oldest newest copy; a stale destination -> problem naming why; unread or not installed -> unknown with the reason', () => {
  const [a, b] = backupStatuses(spec, { read: true, status: statusFile({ test: '2026-11-28T01:00:00Z', production: '2026-12-01T01:02:00Z' }) }, NOW);
  assert.is(a!.state, 'ok');
  assert.is(a!.state !== 'unknown' && a!.newestAt, '2026-12-01T01:01:00.000Z', 'every instance has a copy at least this fresh');
  assert.is(a!.state !== 'unknown' && a!.ageSeconds, 8 * 3600 + 59 * 60);
  assert.is(b!.state, 'problem');
  assert.match(b!.state === 'problem' ? b!.problems.join('\n') : '', /site-b: newest snapshot of test is from 2026-11-28T01:00:00Z/);
  const missing = backupStatuses(spec, { read: true, status: statusFile({ production: '2026-12-01T01:02:00Z' }) }, NOW)[1]!;
  assert.is(missing.state, 'problem');
  assert.is(missing.state !== 'unknown' && missing.newestAt, null, 'an instance without any copy: no common freshness');
  assert.equal(backupStatuses(spec, { read: true, status: null }, NOW).map((x) => x.state === 'unknown' && x.reason), [BACKUP_NOT_INSTALLED, BACKUP_NOT_INSTALLED]);
  assert.equal(backupStatuses(spec, { read: false, reason: 'cannot read the backup status: exit 2' }, NOW).map((x) => x.state), ['unknown', 'unknown']);
  assert.equal(backupStatuses({ ...spec, backups: undefined } as ClientSpec, { read: true, status: null }, NOW), []);
});

const managed = (over: Partial<ManagedPlan> = {}): ManagedPlan => ({ target: 'acme', drift: [], actions: [], refused: [], ...over });

t('monitoring: NRPE in place, drifted (which file, what differs), refused, not monitored, unknown (unreachable, not checked)', () => {
  const inPlace = monitoringStatus(spec, managed(), true);
  assert.equal(inPlace.state, 'in-place');
  assert.match(inPlace.state === 'in-place' ? inPlace.detail : '', /2 checks, queried only by 192\.0\.2\.20, 192\.0\.2\.21/);
  const other = monitoringStatus(spec, managed({ drift: [{ unit: 'baseline/sshd', target: 'acme', safe: true, files: [] }] }), true);
  assert.is(other.state, 'in-place', 'another unit\'s drift is not monitoring\'s');
  const file = { path: '/etc/nagios/nrpe.d/odoops.cfg', change: 'update' as const, differs: ['content' as const], from: { mode: 0o644, owner: 'root:root' }, to: { mode: 0o644, owner: 'root:root' }, diff: '', secret: false };
  const drifted = monitoringStatus(spec, managed({ drift: [{ unit: 'nrpe', target: 'acme', safe: true, files: [file] }] }), true);
  assert.is(drifted.state, 'drifted');
  assert.match(drifted.state === 'drifted' ? drifted.detail : '', /\/etc\/nagios\/nrpe\.d\/odoops\.cfg \(content differs\)/);
  const refused = monitoringStatus(spec, managed({ refused: [{ unit: 'nrpe', reason: { code: 'render-refused', message: 'check_disk named twice' } }] }), true);
  assert.equal(refused, { state: 'refused', detail: 'check_disk named twice' });
  assert.is(monitoringStatus({ ...spec, monitoring: { servers: [], checks: [] } }, managed(), true).state, 'not-monitored');
  assert.equal(monitoringStatus(spec, undefined, true), { state: 'unknown', reason: MONITORING_NOT_CHECKED });
  assert.equal(monitoringStatus(spec, managed(), false), { state: 'unknown', reason: 'server unreachable' });
});

t('the page and the table show them: freshness and problems, the NRPE state and why', () => {
  const backups = backupStatuses(spec, { read: true, status: statusFile({ test: '2026-11-28T01:00:00Z', production: '2026-12-01T01:02:00Z' }) }, NOW);
  const file = { path: '/etc/nagios/nrpe.d/odoops.cfg', change: 'create' as const, differs: ['content' as const], from: null, to: { mode: 0o644, owner: 'root:root' }, diff: '', secret: false };
  const c = {
    client: 'acme', file: 'clients/acme.yaml', host: '203.0.113.10:22', reachable: true, os: { expected: 'ubuntu-22.04', live: 'ubuntu-22.04', pretty: null },
    instances: [], drift: 'in-sync', managedChanges: [], lastApply: null, backups,
    updates: null, rebootRequired: false, windows: [], recentRuns: [], errors: [],
    monitoring: monitoringStatus(spec, managed({ drift: [{ unit: 'nrpe', target: 'acme', safe: true, files: [file] }] }), true),
  } as ClientStatus;
  assert.is(backupsText(c, NOW), 'site-a: 8 h 59 min ago, site-b: PROBLEM (3 d ago): site-b: newest snapshot of test is from 2026-11-28T01:00:00Z, before the run scheduled at 2026-12-01T01:00:00.000Z');
  assert.is(monitoringText(c), 'NRPE DRIFTED (2 checks)');
  const fleet: FleetStatus = { generatedAt: NOW.toISOString(), revision: 'b'.repeat(40), clients: [c] };
  const page = renderFleetPage(fleet, { refreshSeconds: 30 });
  assert.match(page, /data-label="backups" class="bad"><div>site-a: 8 h 59 min ago, site-b: PROBLEM/);
  assert.match(page, /data-label="monitoring" class="bad"><div><span title="NRPE configuration differs from the inventory: \/etc\/nagios\/nrpe\.d\/odoops\.cfg \(missing\)">NRPE DRIFTED \(2 checks\)/);
  const detail = renderClientPage(fleet, 'acme', { refreshSeconds: 30 })!;
  assert.match(detail, /<li><code>site-a<\/code> ok: test 2026-12-01T01:01:00Z, production 2026-12-01T01:03:00Z; checked 2026-12-01T01:06:00Z<\/li>/);
  assert.match(detail, /<li><code>site-b<\/code> problem: site-b: newest snapshot of test/);
  assert.match(detail, /NRPE DRIFTED \(2 checks\): NRPE configuration differs/);
});

t.run();

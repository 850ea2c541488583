/**
 * The host contract of daily backups and reinstalls (issue 8): running the installed backup
 * program (operator/host/odoops-backup.py at BACKUP_PROGRAM; its files are a managed-files
 * unit), neutralizing a restored copy, and writing an instance's files on a fresh server.
 * Secrets travel on stdin only (inside the install request); the program reads them from
 * its 0600 files.
 */
import { TIMEOUTS, type HostCommand } from './command.ts';
import { pgConninfo, python } from './commands.ts';
import { BACKUP_PROGRAM, ODOO_CONF, RESTORES_DIR, composeFile } from './paths.ts';
import { INSTALL_FILES_PY } from './scripts.ts';

export interface InstallFile {
  path: string;
  content: string;
  mode: number;
  /** "user:group" (names or numbers); root:root when absent. */
  owner?: string;
}

/** Atomic writes of whole files (contents on stdin, owner and mode set), directories created with their modes (provisioning). */
export const installFiles = (r: { files: InstallFile[]; dirs: { path: string; mode: number }[]; remove: string[]; label: string }): HostCommand =>
  python(INSTALL_FILES_PY, 'install-files.py', { op: 'write', files: r.files, dirs: r.dirs, remove: r.remove, dirMode: 0o755 }, r.label, TIMEOUTS.quick);

/** A backup now, as the schedule runs it (one instance or all). */
export const backupRun = (instance?: string): HostCommand =>
  ({ argv: [BACKUP_PROGRAM, 'run', ...(instance ? ['--instance', instance] : [])], label: `backup${instance ? ` of ${instance}` : ''}`, timeoutMs: TIMEOUTS.backup });

/** Every destination's snapshots of this client. */
export const backupSnapshots = (): HostCommand => ({ argv: [BACKUP_PROGRAM, 'snapshots'], label: 'list backup snapshots', timeoutMs: TIMEOUTS.backupList });

/** What the last backup runs recorded (per destination: newest snapshot per instance, last check). */
export const backupStatus = (): HostCommand => ({ argv: [BACKUP_PROGRAM, 'status'], label: 'backup status', timeoutMs: TIMEOUTS.quick });

/**
 * Snapshot `snapshot` (or "latest") of instance `from` on `destination`, restored into `dir`
 * as a pre-change snapshot of instance `into` (db.dump verified, filestore.tar.gz, complete):
 * what restore-database.sh and restore-filestore.sh take, the same path as a rollback.
 */
export const backupFetch = (r: { destination: string; snapshot: string; from: string; into: string; dir: string }): HostCommand =>
  ({ argv: [BACKUP_PROGRAM, 'fetch', r.destination, r.snapshot, r.from, r.into, r.dir], label: `fetch snapshot ${r.snapshot} of ${r.from} from ${r.destination}`, timeoutMs: TIMEOUTS.backupFetch });

/** `odoo neutralize` (Odoo 16 and later) in a one-off container of the instance's image. */
export const odooNeutralize = (instance: string, database: string): HostCommand => ({
  argv: ['docker', 'compose', '-f', composeFile(instance), 'run', '--rm', '-T', '--no-deps', 'odoo', 'odoo', 'neutralize', '-c', ODOO_CONF, '-d', database],
  label: `odoo neutralize ${database}`,
  timeoutMs: TIMEOUTS.odoo,
});

/**
 * What `odoo neutralize` does in base (odoo/addons/base/data/neutralize.sql, 16.0): for 14.0
 * and 15.0, which have no such command, the same statements through psql. Mail servers off and
 * a dummy one that cannot deliver (so odoo.conf's smtp_* fallback is never used), every
 * scheduled action off except the autovacuum, and the database flagged as neutralized.
 * Modules add their own statements in 16+ (fetchmail servers, payment providers, ...); this
 * covers what base and mail do.
 */
export const NEUTRALIZE_SQL = [
  'BEGIN;',
  'UPDATE ir_mail_server SET active = false;',
  "INSERT INTO ir_mail_server (name, smtp_port, smtp_host, smtp_encryption, active, smtp_authentication) VALUES ('neutralization - disable emails', 1025, 'invalid', 'none', true, 'login');",
  "UPDATE ir_cron SET active = false WHERE id NOT IN (SELECT res_id FROM ir_model_data WHERE model = 'ir.cron' AND name = 'autovacuum_job' AND module = 'base');",
  "DO $$ BEGIN IF to_regclass('fetchmail_server') IS NOT NULL THEN UPDATE fetchmail_server SET active = false; END IF; END $$;",
  "INSERT INTO ir_config_parameter (key, value) VALUES ('database.is_neutralized', 'true') ON CONFLICT (key) DO UPDATE SET value = 'true';",
  'COMMIT;',
  '',
].join('\n');

/** The neutralization SQL for series without `odoo neutralize`, on stdin of psql in the db service. */
export const psqlNeutralize = (instance: string, database: string): HostCommand => ({
  argv: ['docker', 'compose', '-f', composeFile(instance), 'exec', '-T', 'db', 'psql', '-U', 'odoo', '-d', pgConninfo(database), '-X', '-q', '-v', 'ON_ERROR_STOP=1', '-f', '-'],
  label: `neutralize ${database} (SQL)`,
  timeoutMs: TIMEOUTS.odoo,
  stdin: NEUTRALIZE_SQL,
});

/** Reads the flags neutralization sets, to prove it: active mail servers that can deliver, active crons but the autovacuum, the flag. */
export const NEUTRALIZED_SQL = [
  "SELECT 'mail_servers', count(*) FROM ir_mail_server WHERE active AND smtp_host <> 'invalid'",
  "SELECT 'crons', count(*) FROM ir_cron WHERE active AND id NOT IN (SELECT res_id FROM ir_model_data WHERE model = 'ir.cron' AND name = 'autovacuum_job' AND module = 'base')",
  "SELECT 'flag', count(*) FROM ir_config_parameter WHERE key = 'database.is_neutralized' AND value = 'true'",
].join(' UNION ALL ') + ';';

export const psqlNeutralized = (instance: string, database: string): HostCommand => ({
  argv: ['docker', 'compose', '-f', composeFile(instance), 'exec', '-T', 'db', 'psql', '-U', 'odoo', '-d', pgConninfo(database), '-X', '-At', '-F', '\t', '-c', NEUTRALIZED_SQL],
  label: `read neutralization of ${database}`,
  timeoutMs: TIMEOUTS.moduleQuery,
});

/** Removes a restore directory the program laid out (only under RESTORES_DIR). */
export const discardRestore = (dir: string): HostCommand => ({
  argv: ['sh', '-c', 'case "$1" in "$2"/*) rm -rf -- "$1" ;; *) echo "refusing to remove $1" >&2; exit 1 ;; esac', 'sh', dir, RESTORES_DIR],
  label: `remove restore directory ${dir}`,
  timeoutMs: TIMEOUTS.compose,
});

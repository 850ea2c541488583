/**
 * Paths on a managed server: the one place they are written down. The Python helpers
 * (probe.py, host-edit.py) receive the ones they need in their request.
 */
import { OdoopsError } from '../util/errors.ts';

/** odoops' own state on a server; 0700, root only (snapshots hold whole databases). */
export const ODOOPS_DIR = '/var/lib/odoops';
export const STATE_FILE = `${ODOOPS_DIR}/state.json`;
/** flock(1) target of the server lock. */
export const LOCK_FILE = `${ODOOPS_DIR}/lock`;
/** Who holds the lock ({runId, host, pid, user, command, since}); removed on a clean release. */
export const LOCK_INFO_FILE = `${ODOOPS_DIR}/lock.json`;
/** The runId of the lock holder, alone on one line: the fence every guarded command checks. */
export const LOCK_RUN_FILE = `${ODOOPS_DIR}/lock.run`;
/** Shared flock held by every guarded command while it runs; a new holder takes it exclusively to drain them. */
export const COMMANDS_LOCK_FILE = `${ODOOPS_DIR}/lock.commands`;
/** One file per running guarded command: "<pgid> <starttime>", so a takeover can stop a dead run's commands. */
export const RUNNING_DIR = `${ODOOPS_DIR}/running`;
export const JOURNAL_FILE = `${ODOOPS_DIR}/journal.log`;
/** Pre-change snapshots, per instance: <SNAPSHOTS_DIR>/<instance>/<UTC stamp>-<runId>/. */
export const SNAPSHOTS_DIR = `${ODOOPS_DIR}/snapshots`;
/** "needs manual restore" markers: <MARKERS_DIR>/<instance>.json. */
export const MARKERS_DIR = `${ODOOPS_DIR}/blocked`;
/** Provisioning markers (an instance being provisioned, failed or refused): <PROVISION_DIR>/<instance>.json. */
export const PROVISION_DIR = `${ODOOPS_DIR}/provision`;

/** Packages `odoops maintain` held for the update only (one name a line), unheld after it; a leftover is a run that died. */
export const MAINTENANCE_HOLDS_FILE = `${ODOOPS_DIR}/maintenance-holds`;

/** Where instances live. */
export const INSTANCES_DIR = '/srv/odoo';
/** Where odoo.conf is mounted inside the odoo container. */
export const ODOO_CONF = '/etc/odoo/odoo.conf';
/** Container path of an addons checkout (addons_path entries). */
export const containerAddonsPath = (repo: string): string => `/mnt/extra-addons/${safeSegment(repo, 'addons repository')}`;

/** A path segment built from a config value: never empty, never "." or "..", never containing "/". */
export function safeSegment(value: string, what: string): string {
  if (value === '' || value === '.' || value === '..' || value.includes('/') || value.includes('\0')) {
    throw new OdoopsError(`unsafe ${what} name for a server path: ${JSON.stringify(value)}`);
  }
  return value;
}

export const instanceDir = (instance: string): string => `${INSTANCES_DIR}/${safeSegment(instance, 'instance')}`;
export const composeFile = (instance: string): string => `${instanceDir(instance)}/compose.yaml`;
export const envFile = (instance: string): string => `${instanceDir(instance)}/.env`;
export const confFile = (instance: string): string => `${instanceDir(instance)}/odoo.conf`;
export const addonsRoot = (instance: string): string => `${instanceDir(instance)}/addons`;
export const filestoreDir = (instance: string): string => `${instanceDir(instance)}/filestore`;
export const addonsDir = (instance: string, repo: string): string => `${addonsRoot(instance)}/${safeSegment(repo, 'addons repository')}`;
export const snapshotsDir = (instance: string): string => `${SNAPSHOTS_DIR}/${safeSegment(instance, 'instance')}`;
export const markerFile = (instance: string): string => `${MARKERS_DIR}/${safeSegment(instance, 'instance')}.json`;

/**
 * Daily off-site backups (issue 8): the program (operator/host/odoops-backup.py, which has
 * BACKUP_CONFIG_DIR written in it too), its configuration and secrets (0700 directory, 0600
 * files), the cron entry, its state (status, restic cache, dump staging) and where restores
 * are laid out before they are swapped in.
 */
export const BACKUP_PROGRAM = '/usr/local/sbin/odoops-backup';
export const BACKUP_CONFIG_DIR = '/etc/odoops/backup';
export const BACKUP_CRON_FILE = '/etc/cron.d/odoops-backup';
export const BACKUP_LOG_FILE = '/var/log/odoops-backup.log';
export const BACKUP_STATE_DIR = `${ODOOPS_DIR}/backup`;
export const BACKUP_STATUS_FILE = `${BACKUP_STATE_DIR}/status.json`;
export const RESTORES_DIR = `${ODOOPS_DIR}/restores`;

/** Files checksums of the modules on disk when odoops last applied the instance: <MODULES_DIR>/<instance>.json. */
export const MODULES_DIR = `${ODOOPS_DIR}/modules`;
export const modulesFile = (instance: string): string => `${MODULES_DIR}/${safeSegment(instance, 'instance')}.json`;
/**
 * The log contract: where an instance's Odoo log is on the server when odoo.conf `logfile`
 * writes one (rsyslog ships it from there); without it the log is the container's output.
 */
export const odooLogFile = (instance: string): string => `${instanceDir(instance)}/log/odoo.log`;
export const provisionMarkerFile = (instance: string): string => `${PROVISION_DIR}/${safeSegment(instance, 'instance')}.json`;

/**
 * The constant programs odoops runs on a server, read from operator/host/scripts/ and
 * operator/host/*.py. Values never enter their text: shell scripts get them as positional
 * parameters, Python programs in a JSON request on stdin.
 */
import { readFileSync } from 'node:fs';

const read = (name: string): string => readFileSync(new URL(name, import.meta.url), 'utf8');
/** A shell script without its leading comment block (the comments are for people reading the file). */
const script = (name: string): string => read(`./scripts/${name}`).replace(/^(#[^\n]*\n)+/, '').trimEnd();

export const GUARD_SCRIPT = script('guard.sh');
export const LOCK_SCRIPT = script('lock.sh');
export const JOURNAL_SCRIPT = script('journal.sh');
export const SNAPSHOT_SCRIPT = script('snapshot.sh');
export const RESTORE_FILES_SCRIPT = script('restore-files.sh');
export const RESTORE_DATABASE_SCRIPT = script('restore-database.sh');
export const RESTORE_FILESTORE_SCRIPT = script('restore-filestore.sh');
export const DROP_ASIDE_SCRIPT = script('drop-aside.sh');
export const CHECKOUT_SCRIPT = script('checkout.sh');
export const ODOO_LOG_SCRIPT = script('odoo-log.sh');
export const ODOO_LOG_MARK_SCRIPT = script('odoo-log-mark.sh');
// OS maintenance (operator/host/maintenance.ts).
export const OS_STATE_SCRIPT = script('os-state.sh');
export const APT_HOLD_SCRIPT = script('apt-hold.sh');
export const APT_HOLD_DURING_SCRIPT = script('apt-hold-during.sh');
export const UNATTENDED_UPGRADE_SCRIPT = script('unattended-upgrade.sh');

export const PROBE_PY = read('./probe.py');
export const HOST_EDIT_PY = read('./host-edit.py');
export const INSTALL_FILES_PY = read('./install-files.py');
/** The backup program installed on servers (BACKUP_PROGRAM); its text is part of the backup rendering. */
export const BACKUP_PROGRAM_PY = read('./odoops-backup.py');
export const MANAGED_FILES_PY = read('./managed-files.py');

/**
 * Runs a Python program sent on stdin with its request: `<program> NUL <request JSON>`.
 * The program gets the request as the global REQUEST; nothing of it is in argv.
 */
export const PYTHON_BOOTSTRAP =
  'import sys;d=sys.stdin.buffer.read();p,_,r=d.partition(b"\\0");exec(compile(p,sys.argv[1],"exec"),{"__name__":"__main__","REQUEST":r.decode("utf-8")})';

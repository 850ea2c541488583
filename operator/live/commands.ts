/**
 * The host contract: every command odoops runs on a server, as argv arrays.
 * Values travel only as argv elements (quoted by shellCommand in the session); where a
 * redirection or pipeline is needed, the shell text is a constant here and values are
 * passed as positional parameters ("$1", "$2", ...). docs/host-commands.md lists them.
 */
import { OdoopsError } from '../util/errors.ts';

export const ODOOPS_DIR = '/var/lib/odoops';
export const STATE_FILE = `${ODOOPS_DIR}/state.json`;
export const LOCK_FILE = `${ODOOPS_DIR}/lock`;
export const LOCK_INFO_FILE = `${ODOOPS_DIR}/lock.json`;
export const JOURNAL_FILE = `${ODOOPS_DIR}/journal.log`;
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

export const instanceDir = (instance: string): string => `/srv/odoo/${safeSegment(instance, 'instance')}`;
export const composeFile = (instance: string): string => `${instanceDir(instance)}/compose.yaml`;
export const envFile = (instance: string): string => `${instanceDir(instance)}/.env`;
export const confFile = (instance: string): string => `${instanceDir(instance)}/odoo.conf`;
export const addonsDir = (instance: string, repo: string): string => `${instanceDir(instance)}/addons/${safeSegment(repo, 'addons repository')}`;
export const backupsDir = (instance: string): string => `${ODOOPS_DIR}/backups/${safeSegment(instance, 'instance')}`;

export const compose = (instance: string, ...args: string[]): string[] => ['docker', 'compose', '-f', composeFile(instance), ...args];

/** The Odoo CLI in a one-off container of the instance's image (the db service must be up). */
export const odooRun = (instance: string, odooArgs: string[]): string[] =>
  compose(instance, 'run', '--rm', '-T', '--no-deps', 'odoo', 'odoo', ...odooArgs);

export const odooInstall = (instance: string, database: string, modules: string[]): string[] =>
  odooRun(instance, ['-c', ODOO_CONF, '-d', database, '-i', modules.join(','), '--stop-after-init', '--no-http']);

export const odooUpgrade = (instance: string, database: string, modules: string[]): string[] =>
  odooRun(instance, ['-c', ODOO_CONF, '-d', database, '-u', modules.join(','), '--stop-after-init', '--no-http']);

/** `odoo shell`; the Python to run is fed on stdin (see uninstallScript). */
export const odooShell = (instance: string, database: string): string[] =>
  odooRun(instance, ['shell', '-c', ODOO_CONF, '-d', database, '--no-http']);

/**
 * A Python str literal for any string: single-quoted, printable ASCII only; quotes,
 * backslashes and every other character escaped, so the value can never end the literal.
 */
export function pyString(value: string): string {
  let out = "'";
  for (const ch of value) {
    const cp = ch.codePointAt(0)!;
    if (ch === "'" || ch === '\\') out += `\\${ch}`;
    else if (cp >= 0x20 && cp < 0x7f) out += ch;
    else if (cp <= 0xff) out += `\\x${cp.toString(16).padStart(2, '0')}`;
    else if (cp <= 0xffff) out += `\\u${cp.toString(16).padStart(4, '0')}`;
    else out += `\\U${cp.toString(16).padStart(8, '0')}`;
  }
  return `${out}'`;
}

/**
 * Python for `odoo shell` that uninstalls modules (the statement form the host contract
 * lists). Names are pyString literals: data, never code.
 */
export function uninstallScript(modules: string[]): string {
  const list = `[${modules.map(pyString).join(', ')}]`;
  return [
    // Only installed rows: real Odoo refuses the whole batch if one of them is already uninstalled.
    `env['ir.module.module'].search([('name', 'in', ${list}), ('state', '=', 'installed')]).button_immediate_uninstall()`,
    'env.cr.commit()',
    '',
  ].join('\n');
}

/**
 * libpq reads a -d value containing "=" (or starting with postgres://) as a connection
 * string: a database name must always travel as dbname='<escaped>' so it stays a name.
 */
export function pgConninfo(database: string): string {
  return `dbname='${database.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

export const psqlModules = (instance: string, database: string): string[] =>
  compose(instance, 'exec', '-T', 'db', 'psql', '-U', 'odoo', '-d', pgConninfo(database), '-At', '-F', '\t', '-c',
    'SELECT name, state, latest_version FROM ir_module_module');

export const dockerPull = (image: string): string[] => ['docker', 'pull', image];

export const healthCheck = (port: number, maxTimeS = 5): string[] =>
  ['curl', '-fsS', '--max-time', String(maxTimeS), `http://127.0.0.1:${port}/web/health`];

// --- commands that need a redirection: constant shell text, values as "$@" ---

/** pg_dump -Fc of the database into a file on the server. */
export const pgDumpTo = (instance: string, database: string, file: string): string[] =>
  ['sh', '-c', 'docker compose -f "$1" exec -T db pg_dump -U odoo -Fc -d "$2" > "$3"', 'sh', composeFile(instance), pgConninfo(database), file];

/** Drop, recreate and pg_restore the database from a dump file on the server. */
export const pgRestoreFrom = (instance: string, database: string, file: string): string[] => [
  'sh', '-c',
  'docker compose -f "$1" exec -T db dropdb -U odoo --if-exists "$2" && ' +
    'docker compose -f "$1" exec -T db createdb -U odoo -O odoo "$2" && ' +
    'docker compose -f "$1" exec -T db pg_restore -U odoo --no-owner -d "$2" < "$3"',
  'sh', composeFile(instance), database, file,
];

/** Append one line to the journal. */
export const journalAppend = (line: string): string[] =>
  ['sh', '-c', 'mkdir -p "$(dirname "$1")" && printf "%s\\n" "$2" >> "$1"', 'sh', JOURNAL_FILE, line];

/** How a managed option is written to (and read back from) odoo.conf: booleans as Odoo writes them. */
export function confValue(v: string | number | boolean): string {
  if (typeof v === 'boolean') return v ? 'True' : 'False';
  return String(v);
}

/** Git with the ext:: transport disabled, so no URL can make git run a command. */
export const GIT = ['git', '-c', 'protocol.ext.allow=never'];

/**
 * Clone (first time) or fetch an addons checkout, then detach HEAD at the wanted commit
 * ($4) or, when unknown, at what the ref ($3) resolves to. Prints the commit checked out.
 */
export const addonsCheckout = (dir: string, url: string, ref: string, commit: string | null): string[] => [
  'sh', '-c',
  [
    'set -e',
    'dir="$1"; url="$2"; ref="$3"; want="$4"',
    'if [ ! -e "$dir/.git" ]; then',
    '  mkdir -p "$(dirname "$dir")"; rm -rf "$dir.odoops-tmp"',
    '  git -c protocol.ext.allow=never clone -q --no-checkout -- "$url" "$dir.odoops-tmp"',
    '  mv "$dir.odoops-tmp" "$dir"',
    'else',
    '  git -C "$dir" remote set-url -- origin "$url"',
    '  git -C "$dir" -c protocol.ext.allow=never fetch -q --tags --force origin',
    'fi',
    'if [ -z "$want" ]; then',
    '  want=$(git -C "$dir" rev-parse -q --verify "refs/remotes/origin/$ref^{commit}" || git -C "$dir" rev-parse -q --verify "refs/tags/$ref^{commit}" || git -C "$dir" rev-parse -q --verify "$ref^{commit}")',
    'fi',
    'git -C "$dir" -c advice.detachedHead=false checkout -q --detach "$want" --',
    'git -C "$dir" rev-parse HEAD',
  ].join('\n'),
  'sh', dir, url, ref, commit ?? '',
];

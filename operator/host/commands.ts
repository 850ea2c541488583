/**
 * The host contract: every command odoops runs on a server, as typed HostCommands.
 * Values travel only as argv elements (quoted by shellCommand in the transport), as
 * positional parameters of the constant scripts in operator/host/scripts/, or on stdin.
 * docs/host-commands.md lists them; test/host/purity.test.ts keeps them here.
 */
import { createHmac } from 'node:crypto';
import { shellCommand } from '../util/shell.ts';
import { MAX_OUTPUT_BYTES, TIMEOUTS, type HostCommand } from './command.ts';
import {
  COMMANDS_LOCK_FILE, JOURNAL_FILE, LOCK_FILE, LOCK_INFO_FILE, LOCK_RUN_FILE, MARKERS_DIR, ODOO_CONF, ODOOPS_DIR, RUNNING_DIR, STATE_FILE,
  addonsRoot, composeFile, confFile, envFile, filestoreDir, instanceDir, markerFile, modulesFile, odooLogFile, provisionMarkerFile,
} from './paths.ts';
import {
  CHECKOUT_SCRIPT, DROP_ASIDE_SCRIPT, ODOO_LOG_MARK_SCRIPT, ODOO_LOG_SCRIPT, GUARD_SCRIPT, HOST_EDIT_PY, JOURNAL_SCRIPT, LOCK_SCRIPT, PROBE_PY, PYTHON_BOOTSTRAP,
  RESTORE_DATABASE_SCRIPT, RESTORE_FILES_SCRIPT, RESTORE_FILESTORE_SCRIPT, SNAPSHOT_SCRIPT,
} from './scripts.ts';

/** Where scripts keep short-lived private files (askpass helpers): under odoops' 0700 directory. */
export const SCRATCH_DIR = `${ODOOPS_DIR}/tmp`;
/** Seconds the server-side `timeout` waits between TERM and KILL. */
export const KILL_GRACE_S = 5;

export const cmd = (argv: string[], label: string, timeoutMs: number, extra: Partial<HostCommand> = {}): HostCommand => ({ argv, label, timeoutMs, ...extra });
export const composeArgv = (instance: string, ...args: string[]): string[] => ['docker', 'compose', '-f', composeFile(instance), ...args];

// --- how a command line is built for the server (used by the SSH transport only) ---

/** The command as people read it in reports: its argv, quoted. */
export const commandText = (c: HostCommand): string => shellCommand(c.argv);

/** Under the lock's fence: the command starts only while run `runId` holds the server lock. */
export function guarded(c: HostCommand, runId: string): HostCommand {
  return { ...c, fence: runId };
}

/**
 * The shell text sent to the server: the command (behind the fence guard when it has one)
 * under `timeout`, which kills its whole process group on expiry even if odoops is gone.
 */
export function serverCommandLine(c: HostCommand): { text: string; seconds: number } {
  const seconds = Math.max(1, Math.ceil(c.timeoutMs / 1000));
  const inner = c.fence === undefined
    ? commandText(c)
    : shellCommand(['sh', '-c', GUARD_SCRIPT, 'odoops-guard', c.fence, LOCK_RUN_FILE, COMMANDS_LOCK_FILE, RUNNING_DIR, commandText(c)]);
  return { text: shellCommand(['timeout', '-k', String(KILL_GRACE_S), String(seconds), 'sh', '-c', inner]), seconds };
}

export const outputLimit = (c: HostCommand): number => c.maxOutputBytes ?? MAX_OUTPUT_BYTES;

// --- docker / compose / odoo ---

export const dockerPull = (image: string): HostCommand => cmd(['docker', 'pull', image], `docker pull ${image}`, TIMEOUTS.pull);

/** `up -d` starts what is stopped and recreates what .env or compose.yaml changed. */
export const composeUp = (instance: string, ...services: string[]): HostCommand =>
  cmd(composeArgv(instance, 'up', '-d', ...services), `start ${instance}${services.length ? ` (${services.join(', ')})` : ''}`, TIMEOUTS.compose);

export const composeStop = (instance: string, service: string): HostCommand =>
  cmd(composeArgv(instance, 'stop', service), `stop ${service} of ${instance}`, TIMEOUTS.compose);

export const composeRestart = (instance: string, service: string): HostCommand =>
  cmd(composeArgv(instance, 'restart', service), `restart ${service} of ${instance}`, TIMEOUTS.compose);

/** The Odoo CLI in a one-off container of the instance's image (the db service must be up). */
export const odooRun = (instance: string, odooArgs: string[]): string[] => composeArgv(instance, 'run', '--rm', '-T', '--no-deps', 'odoo', 'odoo', ...odooArgs);

export const odooInstall = (instance: string, database: string, modules: string[]): HostCommand =>
  cmd(odooRun(instance, ['-c', ODOO_CONF, '-d', database, '-i', modules.join(','), '--stop-after-init', '--no-http']), `odoo -i ${modules.join(',')}`, TIMEOUTS.odoo);

export const odooUpgrade = (instance: string, database: string, modules: string[]): HostCommand =>
  cmd(odooRun(instance, ['-c', ODOO_CONF, '-d', database, '-u', modules.join(','), '--stop-after-init', '--no-http']), `odoo -u ${modules.join(',')}`, TIMEOUTS.odoo);

/** `odoo shell` fed the uninstall statement on stdin (names as Python literals: data, never code). */
export const odooUninstall = (instance: string, database: string, modules: string[]): HostCommand =>
  cmd(odooRun(instance, ['shell', '-c', ODOO_CONF, '-d', database, '--no-http']), `odoo shell: uninstall ${modules.join(',')}`, TIMEOUTS.odoo, {
    stdin: uninstallScript(modules),
  });

/** The line prefix the module-versions program prints its JSON after (Odoo's logs go to stderr). */
export const MODULE_VERSIONS_MARK = 'ODOOPS-MODULE-VERSIONS ';
/**
 * Python for `odoo shell`: per installed module, the manifest version of the code this image
 * and addons path hold (installed_version, computed by Odoo from the manifest) and the
 * database's latest_version. Constant: no value of odoops in it.
 */
export const MODULE_VERSIONS_SCRIPT = [
  'import json',
  `print(${pyString(MODULE_VERSIONS_MARK)} + json.dumps({m.name: [m.installed_version, m.latest_version] for m in env['ir.module.module'].search([('state', '=', 'installed')])}))`,
  '',
].join('\n');

/** Read the installed modules' versions with the instance's current image and code (after a pull and switch). */
export const odooModuleVersions = (instance: string, database: string): HostCommand =>
  cmd(odooRun(instance, ['shell', '-c', ODOO_CONF, '-d', database, '--no-http']), `odoo shell: module versions of ${database}`, TIMEOUTS.odoo, { stdin: MODULE_VERSIONS_SCRIPT });

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

/** Python for `odoo shell` that uninstalls modules (the statement form the host contract lists). */
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

const MODULES_SQL = 'SELECT name, state, latest_version FROM ir_module_module';
const psqlModulesArgv = (instance: string, database: string): string[] =>
  composeArgv(instance, 'exec', '-T', 'db', 'psql', '-U', 'odoo', '-d', pgConninfo(database), '-At', '-F', '\t', '-c', MODULES_SQL);

export const psqlModules = (instance: string, database: string): HostCommand =>
  cmd(psqlModulesArgv(instance, database), `read ir_module_module of ${database}`, TIMEOUTS.moduleQuery);

/** The server's clock (UTC, Odoo's log timestamp format): where the startup phase of a log begins. */

/**
 * `GET /web/login?db=<database>`: a request that needs the database. Prints the body, then a
 * last line "<status> <redirect URL>"; curl's own limit is below the command's timeout.
 */
export const loginPage = (port: number, database: string): HostCommand =>
  cmd(['curl', '-sS', '--max-time', '5', '-o', '-', '-w', '\\n%{http_code} %{redirect_url}', `http://127.0.0.1:${port}/web/login?db=${encodeURIComponent(database)}`],
    `GET /web/login?db=${database} on port ${port}`, TIMEOUTS.httpProbe);

/**
 * Where the Odoo log of an instance stands now (taken just before a start): one line "<server
 * clock, UTC, ns> <inode>:<size of the log contract's file, or ->". Read-only.
 */
export const odooLogMark = (instance: string): HostCommand =>
  cmd(['sh', '-c', ODOO_LOG_MARK_SCRIPT, 'sh', odooLogFile(instance)], `odoo log mark of ${instance}`, TIMEOUTS.quick);

/** odooLogMark's line read: the server's clock and the log file's "<inode>:<size>" ("-": no file then). */
export interface OdooLogMark { clock: string; file: string }
export function parseOdooLogMark(line: string): OdooLogMark | null {
  const m = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?Z) (-|\d+:\d+)$/.exec(line.trim());
  return m ? { clock: m[1]!, file: m[2]! } : null;
}

/**
 * What the Odoo log of an instance gained after a mark, its first `lines` lines: the log
 * contract's file (odoo.conf logfile) from the mark's byte offset when the instance writes one,
 * else the container's output since the mark's clock.
 */
export const odooLogSince = (instance: string, mark: OdooLogMark, lines: number): HostCommand =>
  cmd(['sh', '-c', ODOO_LOG_SCRIPT, 'sh', composeFile(instance), odooLogFile(instance), String(lines), mark.clock, mark.file],
    `odoo log of ${instance}`, TIMEOUTS.quick, { maxOutputBytes: 8 * 1024 * 1024 });

/** How a managed option is written to (and read back from) odoo.conf: booleans as Odoo writes them. */
export function confValue(v: string | number | boolean): string {
  if (typeof v === 'boolean') return v ? 'True' : 'False';
  return String(v);
}

// --- addons ---

export interface CheckoutRequest {
  dir: string;
  url: string;
  ref: string;
  commit: string | null;
  /** "user:token" or a token, resolved on the operator side: sent on stdin only. */
  credential?: string;
}

/** Clone or fetch, then detach at the commit; prints the commit checked out. */
export const addonsCheckout = (r: CheckoutRequest): HostCommand =>
  cmd(['sh', '-c', CHECKOUT_SCRIPT, 'sh', r.dir, r.url, r.ref, r.commit ?? '', r.credential ? '1' : '0', SCRATCH_DIR, 'checkout'], `checkout ${r.dir} at ${r.ref}`, TIMEOUTS.checkout, r.credential ? { stdin: `${r.credential}\n` } : {});

/** Clone (no working tree) or fetch only: the commit's objects are there, HEAD has not moved; prints the commit. */
export const addonsFetch = (r: CheckoutRequest): HostCommand =>
  cmd(['sh', '-c', CHECKOUT_SCRIPT, 'sh', r.dir, r.url, r.ref, r.commit ?? '', r.credential ? '1' : '0', SCRATCH_DIR, 'fetch'], `fetch ${r.dir} at ${r.ref}`, TIMEOUTS.checkout, r.credential ? { stdin: `${r.credential}\n` } : {});

// --- Python helpers: program and request on stdin ---

export function python(program: string, name: string, request: unknown, label: string, timeoutMs: number): HostCommand {
  return cmd(['python3', '-c', PYTHON_BOOTSTRAP, name], label, timeoutMs, { stdin: `${program}\0${JSON.stringify(request)}` });
}

export type HostEdit =
  | { op: 'set-env'; instance: string; key: string; value: string }
  | { op: 'set-conf'; instance: string; values: Record<string, string> }
  | { op: 'ensure-addons-path'; instance: string; entry: string }
  /** `applied`: the state the apply left (operator/drift/applied-state.ts), stored beside the revision. */
  | { op: 'record'; instance: string; revision: string; at: string; modules?: Record<string, string>; applied?: object }
  | { op: 'write-marker'; instance: string; marker: object & { snapshot?: string | null } }
  | { op: 'clear-marker'; instance: string };

/** Atomic file edits through host-edit.py; the paths come from here, the values travel on stdin. */
export function hostEdit(e: HostEdit): HostCommand {
  const at = (label: string, request: object) => python(HOST_EDIT_PY, 'host-edit.py', request, label, TIMEOUTS.quick);
  switch (e.op) {
    case 'set-env':
      return at(`set ${e.key} in ${envFile(e.instance)}`, { op: e.op, path: envFile(e.instance), key: e.key, value: e.value });
    case 'set-conf':
      return at(`set ${Object.keys(e.values).join(', ')} in ${confFile(e.instance)}`, { op: e.op, path: confFile(e.instance), values: e.values });
    case 'ensure-addons-path':
      return at(`add ${e.entry} to addons_path`, { op: e.op, path: confFile(e.instance), entry: e.entry });
    case 'record':
      return at(`record revision of ${e.instance}`, {
        op: e.op, path: STATE_FILE, instance: e.instance, revision: e.revision, at: e.at,
        ...(e.applied ? { applied: e.applied } : {}),
        ...(e.modules ? { modulesPath: modulesFile(e.instance), modules: e.modules } : {}),
      });
    case 'write-marker':
      return at(`mark ${e.instance} as needing a manual restore`, { op: e.op, root: ODOOPS_DIR, path: markerFile(e.instance), marker: e.marker });
    case 'clear-marker':
      return at(`clear the marker of ${e.instance}`, { op: e.op, path: markerFile(e.instance) });
  }
}

export interface ProbeInstanceRequest {
  name: string;
  database: string;
  series: string;
  /** Managed option names read in clear. */
  options: string[];
  /** Option names whose values are secrets: read back only as a keyed digest. */
  secretOptions: string[];
  addons: { name: string; url: string; ref: string; credential?: string }[];
}

/** The read-only probe of one server (see probe.py): one round trip, everything on stdin. */
export function probe(instances: ProbeInstanceRequest[], opts: { commandTimeoutMs: number; secretKey: string }): HostCommand {
  const request = {
    timeout: Math.ceil(opts.commandTimeoutMs / 1000),
    secretKey: opts.secretKey,
    paths: { state: STATE_FILE, markers: MARKERS_DIR, scratch: SCRATCH_DIR },
    git: ['git', '-c', 'protocol.ext.allow=never', '-c', 'safe.directory=*'],
    dockerPs: ['docker', 'ps', '--format', 'json'],
    imageInspect: ['docker', 'image', 'inspect', '--format', '{{json .}}'],
    instances: instances.map((i) => ({
      ...i,
      composeFile: composeFile(i.name),
      envFile: envFile(i.name),
      confFile: confFile(i.name),
      addonsDir: addonsRoot(i.name),
      markerFile: markerFile(i.name),
      modulesFile: modulesFile(i.name),
      provisionMarkerFile: provisionMarkerFile(i.name),
      filestoreDir: filestoreDir(i.name),
      modulesQuery: psqlModulesArgv(i.name, i.database),
    })),
  };
  // Commands run in parallel inside; the whole probe may take two rounds of them.
  return python(PROBE_PY, 'probe.py', request, 'live-state probe', opts.commandTimeoutMs * 2 + 10_000);
}

/** The digest the probe returns for a secret option: HMAC-SHA256 with a key used for one probe only. */
export function secretDigest(key: string, value: string): string {
  return createHmac('sha256', Buffer.from(key, 'hex')).update(value, 'utf8').digest('hex');
}

// --- lock, journal, snapshot, restore ---

export interface LockRequest {
  /** JSON of the holder ({runId, host, pid, user, command, since}), written to lock.json. */
  info: string;
  runId: string;
  waitSeconds: number;
  idleSeconds: number;
}

/** The long-lived lock holder (bash for `read -t`); it runs until released, not under `timeout`. */
export const lockHolder = (r: LockRequest): HostCommand =>
  cmd(
    ['bash', '-c', LOCK_SCRIPT, 'odoops-lock', r.info, r.runId, String(r.waitSeconds), ODOOPS_DIR, LOCK_FILE, LOCK_INFO_FILE, LOCK_RUN_FILE,
      COMMANDS_LOCK_FILE, RUNNING_DIR, String(r.idleSeconds), String(TIMEOUTS.drain / 1000)],
    'server lock',
    r.waitSeconds * 1000 + TIMEOUTS.drain * 2 + TIMEOUTS.lockAnswer,
  );

export const journalAppend = (line: string): HostCommand => cmd(['sh', '-c', JOURNAL_SCRIPT, 'sh', JOURNAL_FILE, line], 'journal', TIMEOUTS.quick);

/** The journal lines of one run (a dead run's, read after a takeover). */
export const journalOfRun = (runId: string): HostCommand =>
  cmd(['grep', '-F', '--', `"runId":${JSON.stringify(runId)}`, JOURNAL_FILE], `journal of run ${runId}`, TIMEOUTS.quick, { maxOutputBytes: 1024 * 1024 });

export interface SnapshotRequest {
  instance: string;
  dir: string;
  database: string;
  /** Dump the database and the filestore too (and stop odoo first): the run may restore them. */
  withDatabase: boolean;
  keep: number;
  attempts: number;
}

export const snapshot = (r: SnapshotRequest): HostCommand =>
  cmd(
    ['sh', '-c', SNAPSHOT_SCRIPT, 'sh', ODOOPS_DIR, instanceDir(r.instance), r.dir, composeFile(r.instance), r.database, pgConninfo(r.database),
      String(r.keep), r.withDatabase ? '1' : '0', String(r.attempts)],
    `snapshot of ${r.instance}`,
    TIMEOUTS.snapshot,
  );

export type FileScope = 'env' | 'conf' | 'addons';

export const restoreFiles = (instance: string, dir: string, what: FileScope[]): HostCommand =>
  cmd(['sh', '-c', RESTORE_FILES_SCRIPT, 'sh', instanceDir(instance), dir, what.join(',')], `restore ${what.join(', ')} of ${instance}`, TIMEOUTS.compose);

export interface RestoreDatabaseRequest {
  instance: string;
  database: string;
  dir: string;
  /** False when the database did not exist before (the snapshot says db.absent). */
  dumped: boolean;
  /** Scratch database the dump is restored into before the swap. */
  restoreInto: string;
  /** What the current database is renamed to (kept until the instance is healthy). */
  aside: string;
}

export const restoreDatabase = (r: RestoreDatabaseRequest): HostCommand =>
  cmd(
    ['sh', '-c', RESTORE_DATABASE_SCRIPT, 'sh', composeFile(r.instance), r.database, r.dir, r.dumped ? `${r.dir}/db.dump` : '-', r.restoreInto, pgConninfo(r.restoreInto), r.aside],
    `restore database ${r.database}`,
    TIMEOUTS.restoreDatabase,
  );

export const restoreFilestore = (instance: string, dir: string, aside: string): HostCommand =>
  cmd(['sh', '-c', RESTORE_FILESTORE_SCRIPT, 'sh', instanceDir(instance), dir, aside], `restore filestore of ${instance}`, TIMEOUTS.restoreFilestore);

/** Where a rollback keeps the filestore the failed change left, until the instance is healthy. */
export const filestoreAside = (instance: string, tag: string): string => `${instanceDir(instance)}/filestore.odoops-aside-${tag}`;

export const dropAside = (instance: string, asideDatabase: string | null, asideFilestore: string | null): HostCommand =>
  cmd(['sh', '-c', DROP_ASIDE_SCRIPT, 'sh', composeFile(instance), asideDatabase ?? '-', asideFilestore ?? '-'], `drop what the failed change left of ${instance}`, TIMEOUTS.compose);

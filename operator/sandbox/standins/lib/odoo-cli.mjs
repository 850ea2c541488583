// The `odoo` stand-in: the subset of the Odoo CLI odoops uses (see operator/sandbox/standins/README.md).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { coreDir, scanAddons } from './odoo-addons.mjs';
import { connect, connectionConfig, createSchema, databaseExists, displayHost, ensureDatabase, isInitialized } from './odoo-db.mjs';
import { ModuleRegistry, OdooError } from './odoo-modules.mjs';
import * as L from './odoo-log.mjs';
import { toHostPath, volumesFromEnv } from './paths.mjs';
import { parsePyLiteral } from './pyliteral.mjs';

const HERE = path.dirname(fileURLToPath(import.meta.url));

// optparse options of odoo-bin that the stand-in accepts: [names, conf key, takes value]
const OPTIONS = [
  [['-c', '--config'], 'config', true],
  [['-d', '--database'], 'db_name', true],
  [['-i', '--init'], 'init', true],
  [['-u', '--update'], 'update', true],
  [['--addons-path'], 'addons_path', true],
  [['-r', '--db_user'], 'db_user', true],
  [['-w', '--db_password'], 'db_password', true],
  [['--db_host'], 'db_host', true],
  [['--db_port'], 'db_port', true],
  [['--db_sslmode'], 'db_sslmode', true],
  [['--db-template'], 'db_template', true],
  [['-p', '--http-port'], 'http_port', true],
  [['--http-interface'], 'http_interface', true],
  [['--without-demo'], 'without_demo', true],
  [['--log-level'], 'log_level', true],
  [['--logfile'], 'logfile', true],
  [['--log-handler'], 'log_handler', true],
  [['-D', '--data-dir'], 'data_dir', true],
  [['--db-filter'], 'dbfilter', true],
  [['--workers'], 'workers', true],
  [['--max-cron-threads'], 'max_cron_threads', true],
  [['--limit-memory-hard'], 'limit_memory_hard', true],
  [['--limit-memory-soft'], 'limit_memory_soft', true],
  [['--limit-time-cpu'], 'limit_time_cpu', true],
  [['--limit-time-real'], 'limit_time_real', true],
  [['--load'], 'server_wide_modules', true],
  [['--dev'], 'dev_mode', true],
  [['--shell-interface'], 'shell_interface', true],
  [['--stop-after-init'], 'stop_after_init', false],
  [['--no-http'], 'no_http', false],
  [['--proxy-mode'], 'proxy_mode', false],
  [['--no-database-list'], 'list_db_off', false],
  [['--stdout'], 'to_stdout', false],
  [['--version'], 'version', false],
  [['-h', '--help'], 'help', false],
];

class UsageError extends Error {}

function parseArgs(argv) {
  const cli = {};
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (!a.startsWith('-') || a === '-') throw new UsageError(`no such option: ${a}`);
    let name = a;
    let inline;
    if (a.startsWith('--') && a.includes('=')) [name, inline] = [a.slice(0, a.indexOf('=')), a.slice(a.indexOf('=') + 1)];
    else if (!a.startsWith('--') && a.length > 2) [name, inline] = [a.slice(0, 2), a.slice(2)];
    const opt = OPTIONS.find(([names]) => names.includes(name));
    if (!opt) throw new UsageError(`no such option: ${name}`);
    const [, key, takes] = opt;
    if (!takes) {
      if (inline !== undefined) throw new UsageError(`${name} option does not take a value`);
      cli[key] = true;
      continue;
    }
    if (inline === undefined) {
      if (i + 1 >= argv.length) throw new UsageError(`${name} option requires 1 argument`);
      inline = argv[++i];
    }
    cli[key] = inline;
  }
  return cli;
}

/** odoo.conf: INI, section [options]. */
function readConf(file) {
  const out = {};
  let section = null;
  for (const line of fs.readFileSync(file, 'utf8').split(/\r?\n/)) {
    const t = line.trim();
    if (!t || t.startsWith('#') || t.startsWith(';')) continue;
    const s = /^\[(.+)\]$/.exec(t);
    if (s) { section = s[1]; continue; }
    const kv = /^([^=:]+?)\s*[=:]\s*(.*)$/.exec(t);
    if (kv && section === 'options') out[kv[1]] = kv[2];
  }
  return out;
}

function series() {
  const v = process.env.ODOO_VERSION;
  return v && /^\d+\.\d+$/.test(v) ? v : '17.0';
}

const csv = (s) => (s && s !== 'False' ? String(s).split(',').map((x) => x.trim()).filter(Boolean) : []);

function loadOptions(cli) {
  const volumes = volumesFromEnv();
  const confPath = cli.config ?? process.env.ODOO_RC;
  let conf = {};
  let confShown = null;
  if (confPath) {
    const host = toHostPath(volumes, confPath);
    if (fs.existsSync(host)) {
      conf = readConf(host);
      confShown = confPath;
    } else if (cli.config) {
      // optparse/configparser ignore a missing file; Odoo then runs on defaults.
      confShown = null;
    }
  }
  const opts = { ...conf, ...cli };
  const addonsShown = [path.join(coreDir()), ...csv(opts.addons_path)];
  const addonsHost = [coreDir(), ...csv(opts.addons_path).map((p) => toHostPath(volumes, p))];
  const dataDir = opts.data_dir && opts.data_dir !== 'False' ? toHostPath(volumes, opts.data_dir) : path.join(os.homedir(), '.local/share/Odoo');
  return { opts, confShown, addonsShown, addonsHost, dataDir };
}

function banner(o) {
  L.info('odoo', `Odoo version ${series()}`);
  if (o.confShown) L.info('odoo', `Using configuration file at ${o.confShown}`);
  L.info('odoo', `addons paths: [${o.addonsShown.map((p) => `'${p}'`).join(', ')}]`);
  L.info('odoo', `database: ${displayHost(o.opts)}`);
}

function addonsFor(o) {
  const shown = new Map(o.addonsHost.map((h, i) => [h, o.addonsShown[i]]));
  return scanAddons(o.addonsHost, (dir) => L.warning('odoo.modules.module', `addons path not found, ignored: ${shown.get(dir) ?? dir}`));
}

function connectionFailed(err) {
  L.error('odoo.sql_db', 'Connection to the database failed');
  L.traceback('psycopg2.OperationalError', err.message, ['"/usr/lib/python3/dist-packages/odoo/sql_db.py", line 638, in borrow']);
  return 1;
}

const isConnError = (e) => /ECONNREFUSED|ENOENT|ETIMEDOUT|EHOSTUNREACH|timeout|authentication|does not exist|connect/i.test(String(e?.message ?? e)) && !(e instanceof OdooError);

// ---------------------------------------------------------------- server (-i / -u)
async function server(cli) {
  const o = loadOptions(cli);
  banner(o);
  const dbName = csv(o.opts.db_name)[0];
  if (!o.opts.stop_after_init) {
    if (dbName) {
      const rc = await initDatabase(o, dbName);
      if (rc !== 0) return rc;
    }
    return serveForever(o, dbName);
  }
  if (!dbName) return 0;
  return initDatabase(o, dbName);
}

async function initDatabase(o, dbName) {
  const cfg = connectionConfig(o.opts, dbName);
  const t0 = Date.now();
  let created;
  try {
    created = await ensureDatabase(cfg);
  } catch (e) {
    return connectionFailed(e);
  }
  L.setLogDb(dbName);
  if (created) {
    try { fs.mkdirSync(path.join(o.dataDir, 'filestore', dbName), { recursive: true }); } catch { /* data_dir not writable */ }
  }
  let client;
  try {
    client = await connect(cfg);
  } catch (e) {
    return connectionFailed(e);
  }
  const init = csv(o.opts.init);
  const update = csv(o.opts.update);
  const withDemo = !o.opts.without_demo || o.opts.without_demo === 'False';
  try {
    await client.query('BEGIN');
    const addons = addonsFor(o);
    const reg = new ModuleRegistry(client, addons, series());
    let fresh = false;
    if (!(await isInitialized(client))) {
      L.info('odoo.modules.loading', 'init db');
      await createSchema(client, dbName);
      await reg.updateList();
      await reg.buttonInstall(['base']);
      fresh = true;
    }
    await reg.reload();
    L.info('odoo.modules.loading', 'loading 1 modules...');
    L.info('odoo.modules.loading', '1 modules loaded in 0.01s, 0 queries (+0 extra)');
    if (fresh || init.length || update.length) {
      L.info('odoo.modules.loading', 'updating modules list');
      await reg.updateList();
      reg.checkModuleNames([...init, ...update]);
      const toInstall = init.filter((n) => reg.rows.get(n)?.state === 'uninstalled');
      if (toInstall.length) await reg.buttonInstall(toInstall);
      const upd = update.includes('all') ? [...reg.rows.values()].filter((r) => r.state === 'installed').map((r) => r.name) : update;
      const toUpgrade = upd.filter((n) => ['installed', 'to upgrade'].includes(reg.rows.get(n)?.state));
      if (toUpgrade.length) await reg.buttonUpgrade(toUpgrade);
    }
    const forced = new Set(init.filter((n) => reg.rows.get(n)?.state === 'installed'));
    await reg.loadMarked({ withDemo, forced });
    await client.query('COMMIT');
  } catch (e) {
    await client.query('ROLLBACK').catch(() => {});
    await client.end().catch(() => {});
    L.error('odoo.modules.registry', 'Failed to load registry');
    L.critical('odoo.service.server', `Failed to initialize database \`${dbName}\`.`);
    L.traceback(e instanceof OdooError ? e.pyType : 'Exception', e.message, [
      '"/usr/lib/python3/dist-packages/odoo/service/server.py", line 1299, in preload_registries',
      '"/usr/lib/python3/dist-packages/odoo/modules/registry.py", line 87, in new',
      '"/usr/lib/python3/dist-packages/odoo/modules/loading.py", line 480, in load_modules',
    ]);
    return 255;
  }
  await client.end();
  L.info('odoo.modules.registry', `Registry loaded in ${((Date.now() - t0) / 1000).toFixed(3)}s`);
  if (o.opts.stop_after_init) {
    L.info('odoo.service.server', 'Initiating shutdown');
    L.info('odoo.service.server', 'Hit CTRL-C again or send a second signal to force the shutdown.');
  }
  return 0;
}

function serveForever(o, dbName) {
  const port = o.opts.no_http ? 0 : Number(o.opts.http_port && o.opts.http_port !== 'False' ? o.opts.http_port : 8069);
  const host = o.opts.http_interface && o.opts.http_interface !== 'False' ? o.opts.http_interface : '0.0.0.0';
  const child = spawn('python3', ['-I', path.join(HERE, 'httpd.py'), '--host', host, '--port', String(port), '--series', series(), '--db', dbName ?? '?'], { stdio: 'inherit' });
  for (const sig of ['SIGTERM', 'SIGINT']) process.on(sig, () => child.kill(sig));
  return new Promise((resolve) => child.on('exit', (code) => resolve(code ?? 0)));
}

// ---------------------------------------------------------------- shell
const STMT = /^env\s*\[\s*(['"])ir\.module\.module\1\s*\]\s*\.\s*search\s*\(([\s\S]*)\)\s*\.\s*(button_immediate_uninstall|button_immediate_install|button_immediate_upgrade)\s*\(\s*\)$/;

/** Splits Python source into simple statements (newlines and ';' outside strings/brackets). */
function statements(src) {
  const out = [];
  let cur = '';
  let depth = 0;
  let quote = null;
  for (let i = 0; i < src.length; i++) {
    const c = src[i];
    if (quote) {
      cur += c;
      if (c === '\\') { cur += src[++i] ?? ''; continue; }
      if (c === quote) quote = null;
      continue;
    }
    if (c === '#') { while (i < src.length && src[i] !== '\n') i++; i--; continue; }
    if (c === "'" || c === '"') quote = c;
    if ('([{'.includes(c)) depth++;
    if (')]}'.includes(c)) depth--;
    if ((c === '\n' || c === ';') && depth === 0) { out.push(cur.trim()); cur = ''; continue; }
    cur += c;
  }
  out.push(cur.trim());
  return out.filter(Boolean);
}

function matchDomain(domain, row) {
  if (!Array.isArray(domain)) throw new OdooError('ValueError', `Invalid domain ${JSON.stringify(domain)}`);
  return domain.every((term) => {
    if (term === '&') return true;
    if (!Array.isArray(term) || term.length !== 3) throw new OdooError('NotImplementedError', `odoo stand-in: unsupported domain term ${JSON.stringify(term)}`);
    const [field, op, value] = term;
    if (!['name', 'state'].includes(field)) throw new OdooError('NotImplementedError', `odoo stand-in: unsupported domain field ${field}`);
    const v = row[field];
    switch (op) {
      case '=': return v === value;
      case '!=': return v !== value;
      case 'in': return Array.isArray(value) && value.includes(v);
      case 'not in': return Array.isArray(value) && !value.includes(v);
      default: throw new OdooError('NotImplementedError', `odoo stand-in: unsupported domain operator ${op}`);
    }
  });
}

async function shell(cli) {
  const o = loadOptions(cli);
  banner(o);
  const dbName = csv(o.opts.db_name)[0];
  const src = fs.readFileSync(0, 'utf8');
  if (!dbName) {
    process.stderr.write('No database specified: the stand-in shell needs -d DB\n');
    return 1;
  }
  const cfg = connectionConfig(o.opts, dbName);
  let client;
  try {
    client = await connect(cfg);
  } catch (e) {
    return connectionFailed(e);
  }
  L.setLogDb(dbName);
  const withDemo = !o.opts.without_demo || o.opts.without_demo === 'False';
  try {
    if (!(await isInitialized(client))) throw new OdooError('psycopg2.errors.UndefinedTable', 'relation "ir_module_module" does not exist');
    const reg = new ModuleRegistry(client, addonsFor(o), series());
    await client.query('BEGIN');
    await reg.reload();
    for (const stmt of statements(src)) {
      if (/^env\.cr\.commit\(\s*\)$/.test(stmt)) { await client.query('COMMIT'); await client.query('BEGIN'); continue; }
      if (/^env\.cr\.rollback\(\s*\)$/.test(stmt)) { await client.query('ROLLBACK'); await client.query('BEGIN'); await reg.reload(); continue; }
      const m = STMT.exec(stmt);
      if (!m) throw new OdooError('NotImplementedError', `odoo stand-in shell does not support: ${stmt}`);
      let domain;
      try { domain = parsePyLiteral(m[2]); } catch (e) { throw new OdooError('SyntaxError', e.message); }
      const names = [...reg.rows.values()].filter((r) => matchDomain(domain, r)).map((r) => r.name);
      if (names.length) {
        if (m[3] === 'button_immediate_uninstall') await reg.uninstall(names);
        else if (m[3] === 'button_immediate_install') {
          await reg.buttonInstall(names.filter((n) => reg.rows.get(n).state === 'uninstalled'));
          await reg.loadMarked({ withDemo });
        } else {
          await reg.buttonUpgrade(names);
          await reg.loadMarked({ withDemo });
        }
      }
      // button_immediate_* commit their work themselves (and reload the registry).
      await client.query('COMMIT');
      await client.query('BEGIN');
    }
    await client.query('ROLLBACK'); // the shell's cursor is rolled back on exit
    return 0;
  } catch (e) {
    await client.query('ROLLBACK').catch(() => {});
    L.traceback(e instanceof OdooError ? e.pyType : 'Exception', e.message, ['"<stdin>", line 1, in <module>']);
    return 1;
  } finally {
    await client.end().catch(() => {});
  }
}

// ---------------------------------------------------------------- neutralize
async function neutralize(cli) {
  const o = loadOptions(cli);
  const dbName = csv(o.opts.db_name)[0];
  if (!dbName) {
    process.stderr.write('Neutralize command needs a database name. Use "-d" argument\n');
    return 1;
  }
  const cfg = connectionConfig(o.opts, dbName);
  let client;
  try {
    if (!(await databaseExists(cfg))) throw new Error(`connection to server failed: FATAL:  database "${dbName}" does not exist`);
    client = await connect(cfg);
  } catch (e) {
    return connectionFailed(e);
  }
  try {
    const sql = ['UPDATE ir_cron SET active = false;',
      "INSERT INTO ir_config_parameter (key, value) VALUES ('database.is_neutralized', true) ON CONFLICT (key) DO UPDATE SET value = true;"];
    if (o.opts.to_stdout) {
      process.stdout.write(`BEGIN;\n${sql.join('\n')}\nCOMMIT;\n`);
      return 0;
    }
    L.info('odoo.cli.neutralize', `Starting ${dbName} database neutralization`);
    await client.query('BEGIN');
    for (const s of sql) await client.query(s);
    await client.query('COMMIT');
    L.info('odoo.cli.neutralize', 'Neutralization finished');
    return 0;
  } catch (e) {
    L.critical('odoo.cli.neutralize', `An error occurred during the neutralization. THE DATABASE IS NOT NEUTRALIZED!`);
    L.traceback('Exception', e.message);
    return 1;
  } finally {
    await client.end().catch(() => {});
  }
}

// ---------------------------------------------------------------- main
export async function main(argv) {
  let cmd = 'server';
  let rest = argv;
  if (argv[0] && !argv[0].startsWith('-')) {
    cmd = argv[0];
    rest = argv.slice(1);
  }
  const handlers = { server, shell, neutralize };
  if (!handlers[cmd]) {
    process.stderr.write(`Unknown command '${cmd}'.\nUse 'odoo --help' to see the list of available commands.\n`);
    return 1;
  }
  let cli;
  try {
    cli = parseArgs(rest);
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    process.stderr.write(`Usage: odoo [options]\n\nodoo: error: ${e.message}\n`);
    return 2;
  }
  if (cli.version) {
    process.stdout.write(`Odoo Server ${series()}\n`);
    return 0;
  }
  if (cli.help) {
    process.stdout.write('Usage: odoo [options]\n\n(odoo stand-in: see operator/sandbox/standins/README.md for the supported subset)\n');
    return 0;
  }
  try {
    return await handlers[cmd](cli);
  } catch (e) {
    if (isConnError(e)) return connectionFailed(e);
    L.traceback('Exception', e?.stack ?? String(e));
    return 1;
  }
}

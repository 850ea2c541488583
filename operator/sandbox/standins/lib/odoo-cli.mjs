// The `odoo` stand-in: the subset of the Odoo CLI odoops uses (see operator/sandbox/standins/README.md),
// or real odoo-bin when the server is in the real-Odoo tier (odoo-real.mjs).
import fs from 'node:fs';
import path from 'node:path';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { adaptVersion, moduleSources } from './odoo-addons.mjs';
import { loadCatalog, SUPPORTED_SERIES, UnsupportedSeriesError } from './odoo-catalog.mjs';
import { connect, connectionConfig, createSchema, databaseExists, displayHost, ensureDatabase, isInitialized, setupSignaling } from './odoo-db.mjs';
import { loadModules, ModuleRegistry, OdooError, resetModulesState } from './odoo-modules.mjs';
import * as L from './odoo-log.mjs';
import * as TB from './odoo-tracebacks.mjs';
import { csv, loadOptions, parseArgs, series, UsageError } from './odoo-options.mjs';
import { checkSeries, PYTHON, realEnv, realOdooSource, translateConf, withConfig } from './odoo-real.mjs';
import { ensureModelTables } from './odoo-schema.mjs';
import { standinServerConfig } from './odoo-server.mjs';
import { volumesFromEnv } from './paths.mjs';
import { parsePyLiteral } from './pyliteral.mjs';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const ODOO_BIN = path.resolve(HERE, '../bin/odoo');
// Set when httpd.py runs this stand-in to create its database: no banner or shutdown lines of
// its own (real Odoo does that inside the server process).
const embedded = () => process.env.ODOO_STANDIN_EMBEDDED === '1';

function banner(o) {
  if (embedded()) return;
  L.info('odoo', `Odoo version ${series()}`);
  if (o.confShown) L.info('odoo', `Using configuration file at ${o.confShown}`);
  L.info('odoo', `addons paths: [${o.addonsShown.map((p) => `'${p}'`).join(', ')}]`);
  L.info('odoo', `database: ${displayHost(o.opts)}`);
}

/** The server's stop after --stop-after-init: PreforkServer (workers) or ThreadedServer. */
function shutdown(o) {
  if (embedded()) return;
  if (o.workers > 0) {
    L.info('odoo.service.server', 'Stopping gracefully'); // PreforkServer.stop: the last line
  } else {
    L.info('odoo.service.server', 'Initiating shutdown');
    L.info('odoo.service.server', 'Hit CTRL-C again or send a second signal to force the shutdown.');
    L.info('odoo.sql_db', 'ConnectionPool(used=0/count=0/max=64): Closed 1 connections ');
  }
}

/** Every module Odoo of this image sees (core catalog + addons path), missing paths warned. */
function sourcesFor(o) {
  const shown = new Map(o.addonsHost.map((h, i) => [h, o.addonsConfigured[i]]));
  return moduleSources(series(), o.addonsHost, (dir) => L.warning('odoo.modules.module', `addons path not found, ignored: ${shown.get(dir) ?? dir}`));
}

function connectionFailed(err) {
  L.info('odoo.sql_db', 'Connection to the database failed');
  L.traceback('psycopg2.OperationalError', err.message, TB.DB_CONNECT);
  return 1;
}

const isConnError = (e) => /ECONNREFUSED|ENOENT|ETIMEDOUT|EHOSTUNREACH|timeout|authentication|does not exist|connect/i.test(String(e?.message ?? e)) && !(e instanceof OdooError);


// ---------------------------------------------------------------- server (-i / -u)
async function server(cli) {
  const o = loadOptions(cli);
  if (!o.opts.stop_after_init) return serveForever(o); // httpd.py logs the banner
  banner(o);
  const dbName = csv(o.opts.db_name)[0];
  if (!dbName) {
    shutdown(o);
    return 0;
  }
  loadCatalog(series()); // an unsupported series fails here, before any database is touched
  const rc = await preloadRegistry(o, dbName);
  shutdown(o);
  return rc;
}

/**
 * odoo-bin's main + preload_registries for one database: created when missing (base then
 * installed, as _create_empty_database + init['base'] do), modules loaded (-i / -u).
 * Returns the exit code: 0, or 255 when the registry failed to load.
 */
async function preloadRegistry(o, dbName) {
  const cfg = connectionConfig(o.opts, dbName);
  const t0 = Date.now();
  let created;
  try {
    created = await ensureDatabase(cfg);
  } catch (e) {
    return connectionFailed(e);
  }
  if (created) {
    try { fs.mkdirSync(path.join(o.dataDir, 'filestore', dbName), { recursive: true }); } catch { /* data_dir not writable */ }
  }
  let client;
  try {
    client = await connect(cfg);
  } catch (e) {
    return connectionFailed(e);
  }
  L.setLogDb(dbName);
  const init = csv(o.opts.init);
  if (created && !init.includes('base')) init.push('base');
  const update = csv(o.opts.update);
  const withDemo = !o.opts.without_demo || o.opts.without_demo === 'False';
  try {
    const sources = sourcesFor(o);
    const catalog = loadCatalog(series());
    await setupSignaling(client);
    await client.query('BEGIN');
    const reg = new ModuleRegistry(client, sources, series(), catalog.stubs);
    let fresh = false;
    if (!(await isInitialized(client))) {
      if (!init.length && !update.length) {
        L.error('odoo.modules.loading', `Database ${dbName} not initialized, you can force it with \`-i base\``);
        await client.query('COMMIT');
        return 0;
      }
      L.info('odoo.modules.loading', 'init db', '?');
      await createSchema(client, dbName);
      await reg.initialize();
      fresh = true;
    } else {
      await ensureModelTables(client);
      await reg.reload();
    }
    await loadModules(reg, { init, update, withDemo, fresh, onCommit: async () => { await client.query('COMMIT'); await client.query('BEGIN'); } });
    await client.query('COMMIT');
  } catch (e) {
    await client.query('ROLLBACK').catch(() => {});
    await resetModulesState(client).catch(() => {});
    await client.end().catch(() => {});
    const type = e instanceof OdooError ? e.pyType : 'Exception';
    const frames = e instanceof OdooError ? e.frames : [];
    L.error('odoo.modules.registry', 'Failed to load registry');
    L.traceback(type, e.message, [...TB.REGISTRY_NEW, ...frames]);
    L.critical('odoo.service.server', `Failed to initialize database \`${dbName}\`.`);
    L.traceback(type, e.message, [...TB.PRELOAD, ...frames]);
    return 255;
  }
  await client.end();
  L.info('odoo.modules.registry', `Registry loaded in ${((Date.now() - t0) / 1000).toFixed(3)}s`);
  return 0;
}

/** `odoo` without --stop-after-init: the emulated server in the foreground. */
function serveForever(o) {
  const port = o.opts.no_http ? 0 : Number(o.opts.http_port && o.opts.http_port !== 'False' ? o.opts.http_port : 8069);
  const host = o.opts.http_interface && o.opts.http_interface !== 'False' ? o.opts.http_interface : '0.0.0.0';
  const odooArgv = [process.execPath, ODOO_BIN, ...(o.confHost ? ['-c', o.confHost] : []), '--stop-after-init', '--no-http'];
  const config = standinServerConfig(o, { series: series(), http: { host, port }, odooArgv });
  const child = spawn('python3', ['-I', path.join(HERE, 'httpd.py'), '--host', host, '--port', String(port), '--series', series()], {
    stdio: 'inherit',
    env: { ...process.env, ODOO_STANDIN_SERVER: JSON.stringify(config) },
  });
  for (const sig of ['SIGTERM', 'SIGINT']) process.on(sig, () => child.kill(sig));
  return new Promise((resolve) => child.on('exit', (code) => resolve(code ?? 0)));
}

// ---------------------------------------------------------------- shell
const STMT = /^env\s*\[\s*(['"])ir\.module\.module\1\s*\]\s*\.\s*search\s*\(([\s\S]*)\)\s*\.\s*(button_immediate_uninstall|button_immediate_install|button_immediate_upgrade)\s*\(\s*\)$/;

// print(<str> + json.dumps({m.name: [m.f, ...] for m in env['ir.module.module'].search(DOMAIN)})): what odoops
// reads the manifest versions of the image with (installed_version: the manifest's, adapted; latest_version: the database's).
const PRINT_FIELDS = /^print\(\s*(['"])([^'"\\]*)\1\s*\+\s*json\s*\.\s*dumps\(\s*\{\s*m\s*\.\s*name\s*:\s*\[([\w\s.,]*)\]\s*for\s+m\s+in\s+env\s*\[\s*(['"])ir\.module\.module\4\s*\]\s*\.\s*search\s*\(([\s\S]*)\)\s*\}\s*\)\s*\)$/;
const PRINTABLE = new Set(['name', 'state', 'latest_version', 'installed_version']);

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
  loadCatalog(series());
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
  const onCommit = async () => { await client.query('COMMIT'); await client.query('BEGIN'); };
  try {
    if (!(await isInitialized(client))) throw new OdooError('psycopg2.errors.UndefinedTable', 'relation "ir_module_module" does not exist');
    const catalog = loadCatalog(series());
    const sources = sourcesFor(o);
    await setupSignaling(client);
    await ensureModelTables(client);
    const reg = new ModuleRegistry(client, sources, series(), catalog.stubs);
    await client.query('BEGIN');
    await reg.reload();
    for (const stmt of statements(src)) {
      if (/^env\.cr\.commit\(\s*\)$/.test(stmt)) { await onCommit(); continue; }
      if (/^env\.cr\.rollback\(\s*\)$/.test(stmt)) { await client.query('ROLLBACK'); await client.query('BEGIN'); await reg.reload(); continue; }
      if (/^import\s+json$/.test(stmt)) continue;
      const p = PRINT_FIELDS.exec(stmt);
      if (p) {
        const fields = p[3].split(',').map((f) => f.trim()).filter(Boolean).map((f) => f.replace(/^m\s*\.\s*/, ''));
        const bad = fields.find((f) => !PRINTABLE.has(f));
        if (bad) throw new OdooError('NotImplementedError', `odoo stand-in shell does not support the field ${bad}`);
        let domain;
        try { domain = parsePyLiteral(p[5]); } catch (e) { throw new OdooError('SyntaxError', e.message); }
        const value = (r, f) => {
          if (f !== 'installed_version') return r[f] ?? null;
          const src = reg.sources.get(r.name);
          try { return src ? adaptVersion(src.manifest.version, reg.series) : null; } catch { return null; }
        };
        const rows = [...reg.rows.values()].filter((r) => matchDomain(domain, r));
        const json = `{${rows.map((r) => `${JSON.stringify(r.name)}: [${fields.map((f) => JSON.stringify(value(r, f))).join(', ')}]`).join(', ')}}`;
        process.stdout.write(`${p[2]}${json}\n`);
        continue;
      }
      const m = STMT.exec(stmt);
      if (!m) throw new OdooError('NotImplementedError', `odoo stand-in shell does not support: ${stmt}`);
      let domain;
      try { domain = parsePyLiteral(m[2]); } catch (e) { throw new OdooError('SyntaxError', e.message); }
      const names = [...reg.rows.values()].filter((r) => matchDomain(domain, r)).map((r) => r.name);
      if (!names.length) continue;
      L.info('odoo.addons.base.models.ir_module', `User #1 triggered module ${m[3] === 'button_immediate_uninstall' ? 'uninstallation' : 'installation'}`);
      if (m[3] === 'button_immediate_uninstall') await reg.buttonUninstall(names);
      else if (m[3] === 'button_immediate_install') await reg.buttonInstall(names.filter((n) => reg.rows.get(n).state === 'uninstalled'));
      else {
        await reg.updateList();
        await reg.buttonUpgrade(names);
      }
      // _button_immediate_function: commit, then a new registry with update_module=True.
      await onCommit();
      try {
        await loadModules(reg, { init: [], update: [], withDemo: false, updateModule: true, onCommit });
      } catch (e) {
        await client.query('ROLLBACK');
        await client.query('BEGIN');
        await resetModulesState(client);
        await onCommit();
        throw e;
      }
      await onCommit();
      await reg.reload();
    }
    await client.query('ROLLBACK'); // the shell's cursor is rolled back on exit
    return 0;
  } catch (e) {
    await client.query('ROLLBACK').catch(() => {});
    L.traceback(e instanceof OdooError ? e.pyType : 'Exception', e.message, ['"<stdin>", line 1, in <module>', ...(e instanceof OdooError ? e.frames : [])]);
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
    // base's neutralize.sql (16.0): mail servers off plus a dummy one that cannot deliver,
    // every cron off but the autovacuum, the neutralized flag.
    const sql = ['UPDATE ir_mail_server SET active = false;',
      "INSERT INTO ir_mail_server (name, smtp_port, smtp_host, smtp_encryption, active, smtp_authentication) VALUES ('neutralization - disable emails', 1025, 'invalid', 'none', true, 'login');",
      "UPDATE ir_cron SET active = false WHERE id NOT IN (SELECT res_id FROM ir_model_data WHERE model = 'ir.cron' AND name = 'autovacuum_job' AND module = 'base');",
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

// ---------------------------------------------------------------- real Odoo
/** Runs real odoo-bin with this argv (conf translated for the server), stdio passed through. */
function runReal(src, argv) {
  const volumes = volumesFromEnv();
  checkSeries(src, process.env.ODOO_VERSION);
  const sub = argv[0] && !argv[0].startsWith('-') ? 1 : 0;
  let confHost = null;
  for (let i = sub; i < argv.length; i++) {
    if (argv[i] === '-c' || argv[i] === '--config') confHost = argv[i + 1];
    else if (argv[i].startsWith('--config=')) confHost = argv[i].slice(9);
  }
  confHost ??= loadOptions({}, volumes).confHost;
  const conf = translateConf(confHost, volumes, { src });
  const child = spawn(PYTHON, [path.join(src, 'odoo-bin'), ...withConfig(argv, conf)], { stdio: 'inherit', env: realEnv(conf) });
  for (const sig of ['SIGTERM', 'SIGINT']) process.on(sig, () => child.kill(sig));
  return new Promise((resolve) => {
    child.on('error', (e) => { process.stderr.write(`real Odoo: ${e.message}\n`); resolve(127); });
    child.on('exit', (code, sig) => resolve(code ?? 128 + (sig === 'SIGKILL' ? 9 : 15)));
  });
}

// ---------------------------------------------------------------- main
export async function main(argv) {
  const real = realOdooSource();
  if (real) return runReal(real, argv);
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
    process.stdout.write(`Usage: odoo [options]\n\n(odoo stand-in for Odoo ${SUPPORTED_SERIES.join(', ')}: see operator/sandbox/standins/README.md for the supported subset)\n`);
    return 0;
  }
  try {
    return await handlers[cmd](cli);
  } catch (e) {
    if (e instanceof UnsupportedSeriesError) {
      L.critical('odoo', e.message);
      return 1;
    }
    if (isConnError(e)) return connectionFailed(e);
    L.traceback('Exception', e?.stack ?? String(e));
    return 1;
  }
}

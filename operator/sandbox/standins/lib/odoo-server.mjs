// How the running Odoo of an odoo-role container is started (`docker compose up`), and by
// `odoo` without --stop-after-init: the emulated server (httpd.py) or, in the real-Odoo
// tier, real odoo-bin. The caller (engine.mjs) spawns the returned command detached, with
// the log on stdout/stderr and a pipe on fd `readyFd` that receives "READY" or "ERROR ...".
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { connectionConfig } from './odoo-db.mjs';
import { CATALOG_DIR, CORE_ADDONS_PATH, SUPPORTED_SERIES } from './odoo-catalog.mjs';
import { loadOptions, csv } from './odoo-options.mjs';
import { checkSeries, PYTHON, realEnv, realOdooSource, standinRoot, translateConf } from './odoo-real.mjs';
import { PG_BIN } from './pgserver.mjs';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const HTTPD = path.join(HERE, 'httpd.py');
const EXEC_READY = path.join(HERE, 'odoo_exec_ready.py');
const ODOO_BIN = path.resolve(HERE, '../bin/odoo');

/**
 * What httpd.py needs to behave like this instance's Odoo (passed as JSON in its env
 * ODOO_STANDIN_SERVER): the database it serves, where module code is, how to log.
 */
export function standinServerConfig(o, { series, http, odooArgv }) {
  const dbName = csv(o.opts.db_name)[0] ?? null;
  const cfg = connectionConfig(o.opts, dbName ?? 'postgres');
  const listDb = !(o.opts.list_db === 'False' || o.opts.list_db_off === true);
  return {
    series,
    supported: SUPPORTED_SERIES.includes(series),
    catalog: path.join(process.env.ODOO_STANDIN_CATALOG || CATALOG_DIR, `${series}.json`),
    db: { name: dbName, host: cfg.host, port: cfg.port, user: cfg.user, password: cfg.password ?? null },
    dbfilter: o.opts.dbfilter && o.opts.dbfilter !== 'False' ? o.opts.dbfilter : '',
    listDb,
    addons: o.addonsHost,
    banner: {
      conf: o.confShown,
      addons: o.addonsShown,
      database: `${cfg.user}@${o.opts.db_host && o.opts.db_host !== 'False' ? o.opts.db_host : 'default'}:${o.opts.db_port && o.opts.db_port !== 'False' ? o.opts.db_port : 'default'}`,
    },
    workers: o.workers,
    http,
    psql: path.join(PG_BIN, 'psql'),
    // Creating a missing database (as `odoo` does for db_name) is the odoo stand-in's job.
    initCommand: odooArgv,
    coreAddons: CORE_ADDONS_PATH,
  };
}

/**
 * The process of a running odoo-role container. `c`: the engine's container record
 * (Mounts, Series, Id, Env); `host`/`port`: its published HTTP address (port 0: none).
 * Returns { command, args, env }.
 */
export function odooServerLaunch(c, { host, port, readyFd, env = process.env }) {
  const volumes = (c.Mounts ?? []).map((m) => [m.Destination, m.Source]);
  const imageEnv = Object.fromEntries((c.Env ?? []).map((e) => [e.slice(0, e.indexOf('=')), e.slice(e.indexOf('=') + 1)]));
  const confPath = imageEnv.ODOO_RC || '/etc/odoo/odoo.conf';
  const series = c.Series ?? imageEnv.ODOO_VERSION ?? '17.0';
  const src = realOdooSource(env);
  if (src) {
    checkSeries(src, series);
    const o = loadOptions({ config: confPath }, volumes, { ...env, ODOO_VERSION: series });
    const conf = translateConf(o.confHost, volumes, { src, http: port ? { host, port } : null, env });
    // The container id in the command line (--pidfile) lets the engine recognise the process.
    const pidfile = path.join(standinRoot(env), 'real-odoo-run', `${c.Id}.pid`);
    const odoo = [PYTHON, path.join(src, 'odoo-bin'), '-c', conf, `--pidfile=${pidfile}`, ...(port ? [] : ['--no-http'])];
    return { command: PYTHON, args: ['-I', EXEC_READY, '--ready-fd', String(readyFd), '--', ...odoo], env: realEnv(conf, env) };
  }
  const o = loadOptions({ config: confPath }, volumes, { ...env, ODOO_VERSION: series });
  const odooArgv = [process.execPath, ODOO_BIN, '-c', o.confHost ?? confPath, '--stop-after-init', '--no-http'];
  const config = standinServerConfig(o, { series, http: { host, port }, odooArgv });
  const childEnv = {
    ...env,
    ODOO_VERSION: series,
    ODOO_STANDIN_VOLUMES: JSON.stringify(volumes),
    ODOO_STANDIN_SERVER: JSON.stringify(config),
  };
  return {
    command: 'python3',
    args: ['-I', HTTPD, '--host', host, '--port', String(port), '--series', series, '--tag', c.Id, '--ready-fd', String(readyFd)],
    env: childEnv,
  };
}

// odoo-bin's command line and configuration file, as the odoo stand-in (and the real-Odoo
// launcher) read them: optparse options, odoo.conf [options], container paths mapped to the
// server's paths through the service's volumes.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { CORE_ADDONS_PATH } from './odoo-catalog.mjs';
import { toHostPath, volumesFromEnv } from './paths.mjs';

// optparse options of odoo-bin that the stand-in accepts: [names, conf key, takes value]
export const OPTIONS = [
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
  [['--gevent-port'], 'gevent_port', true],
  [['--longpolling-port'], 'longpolling_port', true],
  [['--pidfile'], 'pidfile', true],
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

export class UsageError extends Error {}

export function parseArgs(argv) {
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
export function readConf(file) {
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

/** The image's series (ODOO_VERSION, set by the docker stand-in from the image tag). */
export function series(env = process.env) {
  const v = env.ODOO_VERSION;
  return v && /^\d+\.\d+$/.test(v) ? v : '17.0';
}

export const csv = (s) => (s && s !== 'False' ? String(s).split(',').map((x) => x.trim()).filter(Boolean) : []);

const isSet = (v) => v !== undefined && v !== null && v !== '' && v !== 'False';

/**
 * Resolved options of one odoo run. `volumes` maps container paths to the server's
 * ([[container, host], ...], from the docker stand-in); paths "shown" are the container's.
 * { opts, confShown, confHost, addonsShown, addonsHost, dataDir, dataDirShown, workers }
 */
export function loadOptions(cli, volumes = volumesFromEnv(), env = process.env) {
  const confPath = cli.config ?? env.ODOO_RC;
  let conf = {};
  let confShown = null;
  let confHost = null;
  if (confPath) {
    const host = toHostPath(volumes, confPath);
    // optparse/configparser ignore a missing file; Odoo then runs on its defaults.
    if (fs.existsSync(host)) {
      conf = readConf(host);
      confShown = confPath;
      confHost = host;
    }
  }
  const opts = { ...conf, ...cli };
  const dataDirShown = isSet(opts.data_dir) ? opts.data_dir : path.join(os.homedir(), '.local/share/Odoo');
  const addons = csv(opts.addons_path);
  return {
    opts,
    confShown,
    confHost,
    // odoo.addons.__path__: the core addons, the data dir's addons, then addons_path.
    addonsShown: [CORE_ADDONS_PATH, path.join(dataDirShown, 'addons', series(env)), ...addons],
    addonsHost: addons.map((p) => toHostPath(volumes, p)),
    addonsConfigured: addons,
    dataDir: toHostPath(volumes, dataDirShown),
    dataDirShown,
    workers: isSet(opts.workers) ? Number(opts.workers) : 0,
  };
}

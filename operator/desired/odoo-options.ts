/**
 * Which odoo.conf [options] a config repo may set. Taken from Odoo's own option list
 * (odoo/tools/config.py, 16.0 to 18.0): the tuning and behaviour settings an integrator
 * manages per instance are allowed; options odoops writes itself are never allowed; options
 * that point Odoo at paths, programs, databases or other network settings of the host — or
 * that are one-off command-line actions — are refused unless the fleet allows them
 * explicitly in fleet.yaml `policy.allowOptions` (for instance the options of an addon).
 */

/** Written by odoops from the instance and the host layout: a config repo never sets them. */
export const SET_BY_ODOOPS: ReadonlySet<string> = new Set(['db_host', 'db_port', 'db_user', 'db_password', 'db_name', 'addons_path', 'data_dir', 'http_port']);

/** Options a config repo may manage. */
export const MANAGED_OPTIONS: ReadonlySet<string> = new Set([
  // workers and limits
  'workers',
  'max_cron_threads',
  'limit_memory_soft',
  'limit_memory_hard',
  'limit_memory_soft_gevent',
  'limit_memory_hard_gevent',
  'limit_time_cpu',
  'limit_time_real',
  'limit_time_real_cron',
  'limit_time_worker_cron',
  'limit_request',
  // behind the reverse proxy
  'proxy_mode',
  'x_sendfile',
  'websocket_keep_alive_timeout',
  'websocket_rate_limit_burst',
  'websocket_rate_limit_delay',
  // databases shown and how they are created
  'dbfilter',
  'list_db',
  'admin_passwd',
  'without_demo',
  'unaccent',
  // outgoing mail
  'email_from',
  'from_filter',
  'smtp_server',
  'smtp_port',
  'smtp_ssl',
  'smtp_user',
  'smtp_password',
  // logging (to the container output)
  'log_level',
  'log_handler',
  // housekeeping
  'transient_age_limit',
  'osv_memory_count_limit',
  'csv_internal_sep',
  'reportgz',
]);

const HOST_PATH = 'a path on the server that odoops does not manage';
const CLI_ACTION = 'a one-off command-line action, not a setting of a running server';
const DATABASE = 'database connections are set by odoops from the host layout';
const NETWORK = "the instance's network layout (ports, interfaces) is odoops'";

/** Odoo options a config repo may not set (unless the fleet allows them), with the reason. */
export const REFUSED_OPTIONS: ReadonlyMap<string, string> = new Map([
  ['logfile', 'logs go to the container output, where odoops and the log shipper read them'],
  ['syslog', 'logs go to the container output, where odoops and the log shipper read them'],
  ['log_db', 'it writes logs into a database'],
  ['log_db_level', 'it goes with log_db, which writes logs into a database'],
  ['server_wide_modules', 'it loads code into every database of the server; list modules per instance in `modules`'],
  ['db_template', DATABASE],
  ['db_sslmode', DATABASE],
  ['db_sslrootcert', DATABASE],
  ['db_maxconn', DATABASE],
  ['db_maxconn_gevent', DATABASE],
  ['db_replica_host', DATABASE],
  ['db_replica_port', DATABASE],
  ['db_app_name', DATABASE],
  ['pg_path', 'Odoo runs the PostgreSQL programs found there'],
  ['http_interface', NETWORK],
  ['http_enable', NETWORK],
  ['gevent_port', NETWORK],
  ['longpolling_port', NETWORK],
  ['upgrade_path', 'Odoo runs upgrade scripts found there'],
  ['pre_upgrade_scripts', 'Odoo runs the scripts named there'],
  ['pidfile', HOST_PATH],
  ['import_partial', HOST_PATH],
  ['screencasts', HOST_PATH],
  ['screenshots', HOST_PATH],
  ['geoip_database', HOST_PATH],
  ['geoip_city_db', HOST_PATH],
  ['geoip_country_db', HOST_PATH],
  ['smtp_ssl_certificate_filename', HOST_PATH],
  ['smtp_ssl_private_key_filename', HOST_PATH],
  ['dev_mode', 'developer mode reloads code and exposes debugging tools'],
  ['init', 'modules are installed by odoops from `modules`'],
  ['update', 'modules are upgraded by odoops'],
  ['stop_after_init', CLI_ACTION],
  ['test_enable', CLI_ACTION],
  ['test_file', CLI_ACTION],
  ['test_tags', CLI_ACTION],
  ['shell_interface', CLI_ACTION],
  ['language', CLI_ACTION],
  ['load_language', CLI_ACTION],
  ['translate_in', CLI_ACTION],
  ['translate_out', CLI_ACTION],
  ['translate_modules', CLI_ACTION],
  ['overwrite_existing_translations', CLI_ACTION],
  ['publisher_warranty_url', 'it is internal to Odoo'],
  ['root_path', 'it is internal to Odoo'],
]);

function distance(a: string, b: string): number {
  const prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let diag = prev[0]!;
    prev[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const up = prev[j]!;
      prev[j] = Math.min(prev[j]! + 1, prev[j - 1]! + 1, diag + (a[i - 1] === b[j - 1] ? 0 : 1));
      diag = up;
    }
  }
  return prev[b.length]!;
}

/** The closest known option name (at most 2 edits away), for "did you mean". */
export function closestOption(name: string): string | null {
  let best: string | null = null;
  let bestD = 3;
  for (const o of [...MANAGED_OPTIONS, ...SET_BY_ODOOPS, ...REFUSED_OPTIONS.keys()]) {
    const d = distance(name, o);
    if (d < bestD) [best, bestD] = [o, d];
  }
  return best;
}

/**
 * Why a config repo may not set option `name` (given the fleet's extension list), or null.
 * The message names where a fleet can allow it, when it can.
 */
export function optionProblem(name: string, allowed: ReadonlySet<string>): string | null {
  if (SET_BY_ODOOPS.has(name)) return `option ${name} is set by odoops (from the instance and the host layout) and cannot be set here`;
  if (MANAGED_OPTIONS.has(name) || allowed.has(name)) return null;
  const refused = REFUSED_OPTIONS.get(name);
  if (refused) return `option ${name} is not one a config repo manages (${refused}); a fleet that needs it lists it in fleet.yaml policy.allowOptions`;
  const near = closestOption(name);
  const hint = near && near !== name ? ` (did you mean "${near}"?)` : '';
  return `option ${name} is not an Odoo option odoops knows${hint}; options of addons are allowed by listing them in fleet.yaml policy.allowOptions`;
}

/**
 * The configuration of the fleet's Nagios servers, generated from the inventory: one host
 * per client; per instance the login page through its domain, its TLS certificate and its
 * backup freshness; per client drift and one service per NRPE check it names. Object
 * names are all prefixed `odoops-`, so the files sit next to Debian's stock objects in
 * /etc/nagios4/conf.d/ (a cfg_dir of Debian's nagios.cfg). Nagios wants one directive per
 * line; values never hold a newline or ';' (its comment character).
 */
import { Cron } from 'croner';
import type { ClientSpec, FleetSpec, NagiosContactSpec } from '../desired/types.ts';
import { quote, shellCommand } from '../util/shell.ts';
import { CHECK_ODOOPS_PATH, CHECK_ODOOPS_SCRIPT } from './check-odoops.ts';
import { rendering } from './digest.ts';
import { RenderError, type RenderedFile, type Rendering } from './types.ts';

export interface NagiosOptions {
  /** Where the object files go (a cfg_dir of nagios.cfg). */
  configDir?: string;
  /** Directory of the monitoring plugins (check_http, check_nrpe, ...). */
  pluginDir?: string;
  /** Where check_odoops is installed. */
  checkOdoopsPath?: string;
  /** The main nagios.cfg, for `nagios4 -v`. */
  nagiosCfg?: string;
}

export const NAGIOS_DEFAULTS: Required<NagiosOptions> = {
  configDir: '/etc/nagios4/conf.d/odoops',
  pluginDir: '/usr/lib/nagios/plugins',
  checkOdoopsPath: CHECK_ODOOPS_PATH,
  nagiosCfg: '/etc/nagios4/nagios.cfg',
};

/** Backup freshness margin past the longest gap between two scheduled backups. */
const BACKUP_MARGIN_HOURS = 2;
/** A fixed reference: the gaps of a schedule do not depend on when odoops renders. */
const SCHEDULE_REFERENCE = new Date('2026-01-05T00:00:00Z');

type Directive = [string, string | number];

/** One object definition, one directive per line. */
function define(type: string, directives: Directive[]): string {
  const width = Math.max(...directives.map(([k]) => k.length)) + 2;
  const lines = directives.map(([k, v]) => {
    const value = String(v);
    if (/[\n\r;]/.test(value) || value.trim() === '') throw new RenderError('invalid-value', `nagios ${type} ${k}: value ${JSON.stringify(value)} cannot be written`);
    return `    ${k.padEnd(width)}${value}`;
  });
  return `define ${type} {\n${lines.join('\n')}\n}\n`;
}

/** The longest gap between two fires of the backup schedule, plus a margin, in whole hours. */
export function backupMaxAgeHours(client: ClientSpec): number {
  const { schedule, timeZone } = client.backups;
  let runs: Date[];
  try {
    runs = new Cron(schedule, { timezone: timeZone, paused: true, mode: '5-part' }).nextRuns(60, SCHEDULE_REFERENCE);
  } catch (err) {
    throw new RenderError('invalid-value', `${client.file}: backups.schedule "${schedule}": ${err instanceof Error ? err.message : String(err)}`);
  }
  let gap = 24 * 3600 * 1000;
  for (let i = 1; i < runs.length; i++) gap = Math.max(gap, runs[i]!.getTime() - runs[i - 1]!.getTime());
  return Math.ceil(gap / 3600000) + BACKUP_MARGIN_HOURS;
}

function commands(fleet: FleetSpec, o: Required<NagiosOptions>): string[] {
  const plugin = (name: string) => `${o.pluginDir}/${name}`;
  const status = ['--status', fleet.nagios.statusSource, '--client'];
  const cmd = (name: string, line: string) => define('command', [['command_name', name], ['command_line', line]]);
  return [
    cmd('odoops-check-ssh', `${plugin('check_ssh')} -p $ARG1$ -t 20 $HOSTADDRESS$`),
    // The login page through the proxy, as a user reaches it: the instance's domain sent as
    // Host and SNI to the server's address. /web/health would pass without a database.
    cmd('odoops-check-odoo-login', `${plugin('check_http')} -I $HOSTADDRESS$ -H $ARG1$ -S --sni -u '/web/login?db=$ARG2$' -e 'HTTP/1.1 200,HTTP/1.0 200' -t 30`),
    cmd('odoops-check-certificate', `${plugin('check_http')} -I $HOSTADDRESS$ -H $ARG1$ -S --sni -C $ARG2$,$ARG3$ -t 30`),
    cmd('odoops-check-nrpe', `${plugin('check_nrpe')} -H $HOSTADDRESS$ -c $ARG1$ -t 60`),
    cmd('odoops-check-drift', `${shellCommand([o.checkOdoopsPath, ...status])} $HOSTNAME$ --drift`),
    cmd('odoops-check-backup', `${shellCommand([o.checkOdoopsPath, ...status])} $HOSTNAME$ --backup $ARG1$ --max-age-hours $ARG2$`),
  ];
}

/**
 * A contact's notification commands: its argv, then kind, type, host, service, state, output
 * and e-mail. Nagios strips quotes, '$' and backquotes from output macros
 * (illegal_macro_output_chars), so the double-quoted macros stay one argument each.
 */
function contactObjects(c: NagiosContactSpec): string[] {
  if (!c.notifyCommand[0]?.startsWith('/')) throw new RenderError('invalid-value', `fleet.yaml nagios.contacts ${c.name}: notifyCommand must start with an absolute program path`);
  const prog = c.notifyCommand.map(quote).join(' ');
  return [
    define('command', [
      ['command_name', `odoops-notify-host-${c.name}`],
      ['command_line', `${prog} host "$NOTIFICATIONTYPE$" "$HOSTNAME$" "" "$HOSTSTATE$" "$HOSTOUTPUT$" "$CONTACTEMAIL$"`],
    ]),
    define('command', [
      ['command_name', `odoops-notify-service-${c.name}`],
      ['command_line', `${prog} service "$NOTIFICATIONTYPE$" "$HOSTNAME$" "$SERVICEDESC$" "$SERVICESTATE$" "$SERVICEOUTPUT$" "$CONTACTEMAIL$"`],
    ]),
    define('contact', [
      ['contact_name', `odoops-${c.name}`],
      ['alias', c.name],
      ...(c.email ? ([['email', c.email]] as Directive[]) : []),
      ['host_notifications_enabled', 1],
      ['service_notifications_enabled', 1],
      ['host_notification_period', 'odoops-24x7'],
      ['service_notification_period', 'odoops-24x7'],
      ['host_notification_options', 'd,u,r'],
      ['service_notification_options', 'w,u,c,r'],
      ['host_notification_commands', `odoops-notify-host-${c.name}`],
      ['service_notification_commands', `odoops-notify-service-${c.name}`],
    ]),
  ];
}

function baseObjects(fleet: FleetSpec, clients: ClientSpec[], o: Required<NagiosOptions>): string {
  const contacts = fleet.nagios.contacts;
  // nagios4 -v: "Error: There are no contacts defined!"
  if (contacts.length === 0) throw new RenderError('missing-setting', 'fleet.yaml nagios.contacts: Nagios needs at least one contact (name and notifyCommand)');
  const groups: Directive[] = [['contact_groups', 'odoops-admins']];
  const parts = [
    '# Generated by odoops (odoops render nagios): edit the config repository, not this file.\n',
    define('timeperiod', [
      ['timeperiod_name', 'odoops-24x7'],
      ['alias', 'Always'],
      ...(['sunday', 'monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday'].map((d) => [d, '00:00-24:00']) as Directive[]),
    ]),
    define('host', [
      ['name', 'odoops-host'],
      ['register', 0],
      ['check_period', 'odoops-24x7'],
      ['check_interval', 5],
      ['retry_interval', 1],
      ['max_check_attempts', 3],
      ['notification_period', 'odoops-24x7'],
      ['notification_interval', 120],
      ['notification_options', 'd,u,r'],
      ...groups,
    ]),
    define('service', [
      ['name', 'odoops-service'],
      ['register', 0],
      ['check_period', 'odoops-24x7'],
      ['check_interval', 5],
      ['retry_interval', 1],
      ['max_check_attempts', 3],
      ['notification_period', 'odoops-24x7'],
      ['notification_interval', 120],
      ['notification_options', 'w,u,c,r'],
      ...groups,
    ]),
    define('service', [
      ['name', 'odoops-slow-service'],
      ['use', 'odoops-service'],
      ['register', 0],
      ['check_interval', 30],
      ['retry_interval', 5],
    ]),
    ...commands(fleet, o),
    ...contacts.flatMap(contactObjects),
  ];
  parts.push(define('contactgroup', [['contactgroup_name', 'odoops-admins'], ['alias', 'odoops notifications'], ['members', contacts.map((c) => `odoops-${c.name}`).join(',')]]));
  if (clients.length > 0) {
    parts.push(define('hostgroup', [['hostgroup_name', 'odoops-clients'], ['alias', 'odoops client servers'], ['members', clients.map((c) => c.name).join(',')]]));
  }
  return parts.join('\n');
}

function clientObjects(fleet: FleetSpec, c: ClientSpec): string {
  const service = (description: string, check: string, template = 'odoops-service') =>
    define('service', [['use', template], ['host_name', c.name], ['service_description', description], ['check_command', check]]);
  const { certificateWarningDays: warn, certificateCriticalDays: crit } = fleet.nagios;
  if (crit >= warn) throw new RenderError('invalid-value', `fleet.yaml nagios: certificateCriticalDays (${crit}) must be below certificateWarningDays (${warn})`);
  const maxAge = backupMaxAgeHours(c);
  const parts = [
    `# ${c.name} (${c.file}): generated by odoops, edit the config repository instead.\n`,
    define('host', [['use', 'odoops-host'], ['host_name', c.name], ['alias', `${c.name} (${c.file})`], ['address', c.server.host], ['check_command', `odoops-check-ssh!${c.server.port}`]]),
  ];
  for (const i of c.instances) {
    parts.push(
      service(`${i.name} login page`, `odoops-check-odoo-login!${i.domain}!${i.database}`),
      service(`${i.name} certificate`, `odoops-check-certificate!${i.domain}!${warn}!${crit}`, 'odoops-slow-service'),
      service(`${i.name} backup`, `odoops-check-backup!${i.name}!${maxAge}`, 'odoops-slow-service'),
    );
  }
  parts.push(service('drift', 'odoops-check-drift', 'odoops-slow-service'));
  for (const check of c.monitoring.checks) parts.push(service(`nrpe ${check.name}`, `odoops-check-nrpe!${check.name}`));
  return parts.join('\n');
}

/** The object files of every monitoring server, and the check_odoops plugin. */
export function renderNagios(fleet: FleetSpec, clients: readonly ClientSpec[], options: NagiosOptions = {}): Rendering {
  const o = { ...NAGIOS_DEFAULTS, ...options };
  const sorted = [...clients].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const files: RenderedFile[] = [
    { path: `${o.configDir}/odoops.cfg`, content: baseObjects(fleet, sorted, o), mode: 0o644 },
    ...sorted.map((c) => ({ path: `${o.configDir}/clients/${c.name}.cfg`, content: clientObjects(fleet, c), mode: 0o644 })),
    { path: o.checkOdoopsPath, content: CHECK_ODOOPS_SCRIPT, mode: 0o755 },
  ];
  return rendering('nagios (fleet)', files, [{ argv: ['nagios4', '-v', o.nagiosCfg], label: 'Nagios configuration', timeoutMs: 60000 }]);
}

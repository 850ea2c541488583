/**
 * Daily off-site backups of one client server (issue 8), rendered from the desired state
 * (pure): the cron entry (cronFile: the schedule is checked in backups.timeZone by the program,
 * since Debian's cron ignores CRON_TZ), the backup program, its
 * configuration (instances, destinations, retention) and the secrets it reads (repository
 * password, each destination's credentials), 0600 under BACKUP_CONFIG_DIR. Each client has
 * its own restic repository per destination: `<destination url>/<client>`.
 *
 * Credentials of a destination: for sftp:, the SSH private key the server logs in with (and
 * `hostKey`, the destination's pinned host key, is required); otherwise NAME=VALUE lines of
 * restic's environment (AWS_ACCESS_KEY_ID=..., AWS_SECRET_ACCESS_KEY=...). `caCert` (PEM) is
 * trusted for that destination only (restic --cacert).
 */
import type { BackupDestinationSpec, ClientSpec } from '../desired/types.ts';
import {
  BACKUP_CONFIG_DIR, BACKUP_CRON_FILE, BACKUP_LOG_FILE, BACKUP_PROGRAM, BACKUP_STATE_DIR, BACKUP_STATUS_FILE, STATE_FILE, composeFile, instanceDir, safeSegment,
} from '../host/paths.ts';
import { rendering } from './digest.ts';
import { RenderError, secretValue, type RenderedFile, type Rendering, type ResolvedSecrets } from './types.ts';

export const BACKUP_PASSWORD_FILE = `${BACKUP_CONFIG_DIR}/password`;
export const BACKUP_CONFIG_FILE = `${BACKUP_CONFIG_DIR}/config.json`;

/** The restic repository of one client on one destination. */
export function clientRepository(dest: Pick<BackupDestinationSpec, 'url'>, client: string): string {
  return `${dest.url.replace(/\/+$/, '')}/${safeSegment(client, 'client')}`;
}

export interface SftpTarget {
  user: string;
  host: string;
  port: number;
}

/** restic's sftp URL forms: sftp:user@host:/path, sftp:host:path, sftp://user@host:port//path. */
export function sftpTarget(url: string): SftpTarget | null {
  if (!url.startsWith('sftp:')) return null;
  const rest = url.slice(5);
  const m = rest.startsWith('//')
    ? /^\/\/(?:([^@/]+)@)?([^:/]+)(?::(\d+))?\//.exec(rest)
    : /^(?:([^@:]+)@)?([^:]+):/.exec(rest);
  if (!m) throw new RenderError('invalid-value', `backup destination ${url}: not an sftp URL restic reads (sftp:user@host:/path)`);
  const port = rest.startsWith('//') && m[3] ? Number(m[3]) : 22;
  return { user: m[1] ?? 'root', host: m[2]!, port };
}

/** The secret references the backup rendering needs resolved (password, credentials, CA certificates). */
export function backupSecretRefs(spec: ClientSpec): { ref: string; where: string }[] {
  const b = spec.backups;
  if (!b) return [];
  const out = [{ ref: b.encryptionKey, where: `clients/${spec.name}: backups.encryptionKey` }];
  for (const d of b.destinations) {
    if (d.credentials) out.push({ ref: d.credentials, where: `fleet.yaml backupDestinations.${d.name}.credentials` });
    if (d.caCert) out.push({ ref: d.caCert, where: `fleet.yaml backupDestinations.${d.name}.caCert` });
  }
  return out;
}

const ENV_LINE = /^[A-Z_][A-Z0-9_]*=[^\n]*$/;

/** What the backup program reads from config.json (operator/host/odoops-backup.py). */
export interface BackupProgramConfig {
  client: string;
  instances: { name: string; database: string; composeFile: string; filestore: string }[];
  destinations: {
    name: string;
    repository: string;
    envFile?: string;
    caCertFile?: string;
    sftp?: SftpTarget & { keyFile: string; knownHostsFile: string };
  }[];
  passwordFile: string;
  retention: { daily: number; weekly: number; monthly: number };
  /** backups.schedule and backups.timeZone: `odoops-backup scheduled` checks the time itself. */
  schedule: string;
  timeZone: string;
  stateDir: string;
  statusFile: string;
  serverStateFile: string;
}

/** The minutes of a cron minute field (*, a, a-b, * /n, a-b/n, lists), or null when it is not one. */
export function cronMinutes(field: string): Set<number> | null {
  const out = new Set<number>();
  for (const part of field.split(',')) {
    const m = /^(\*|(\d{1,2})(?:-(\d{1,2}))?)(?:\/(\d{1,2}))?$/.exec(part);
    if (!m) return null;
    const step = m[4] ? Number(m[4]) : 1;
    const from = m[1] === '*' ? 0 : Number(m[2]);
    const to = m[1] === '*' ? 59 : m[3] !== undefined ? Number(m[3]) : m[4] ? 59 : from;
    if (step < 1 || from > 59 || to > 59 || from > to) return null;
    for (let v = from; v <= to; v += step) out.add(v);
  }
  return out;
}

/**
 * The minutes of the server's clock at which the schedule's minute can fall, whatever the
 * server's time zone: real zones differ by whole quarter hours, so each minute of the
 * schedule and the same minute 15, 30 and 45 minutes on. "*" when that is every minute.
 */
export function serverMinutes(field: string): string {
  const minutes = cronMinutes(field);
  if (!minutes) return '';
  const all = new Set<number>();
  for (const m of minutes) for (let k = 0; k < 4; k++) all.add((m + 15 * k) % 60);
  return all.size === 60 ? '*' : [...all].sort((a, b) => a - b).join(',');
}

/**
 * The cron entry. Debian's and Ubuntu's cron ignore CRON_TZ and run entries in the server's
 * own time zone, which need not be backups.timeZone (and may follow other daylight-saving
 * rules). So cron only wakes the program at every minute the schedule's minute can be on
 * the server's clock (serverMinutes, every hour), and `odoops-backup scheduled` backs up when
 * the time in backups.timeZone matches backups.schedule (config.json), once per scheduled
 * minute: correct in any server zone, across daylight-saving changes, with no zone to probe.
 */
export function cronFile(spec: ClientSpec): string {
  const b = spec.backups!;
  const fields = b.schedule.trim().split(/\s+/);
  const minutes = fields.length === 5 ? serverMinutes(fields[0]!) : '';
  if (/[\r\n]/.test(b.schedule) || fields.length !== 5 || !minutes) {
    throw new RenderError('invalid-value', `clients/${spec.name}: backups.schedule ${JSON.stringify(b.schedule)} is not a five-field cron schedule with a numeric minute field`);
  }
  return [
    `# odoops: daily off-site backups of ${spec.name} (backups.schedule "${b.schedule}" in ${b.timeZone}).`,
    '# Written by odoops: a hand edit is reported as drift and replaced by the next apply.',
    `# cron starts the program at each minute "${fields[0]}" can be on this server's clock; the program`,
    `# backs up when it is "${fields.join(' ')}" in ${b.timeZone} (cron's own time zone does not matter).`,
    `${minutes} * * * * root ${BACKUP_PROGRAM} scheduled >> ${BACKUP_LOG_FILE} 2>&1`,
    '',
  ].join('\n');
}

export function renderBackup(spec: ClientSpec, secrets: ResolvedSecrets, program: string): Rendering {
  const b = spec.backups;
  if (!b) throw new RenderError('missing-setting', `clients/${spec.name}: no backups declared (backups or fleet.yaml defaults.backups)`);
  const files: RenderedFile[] = [];
  const secretFile = (path: string, content: string): void => {
    files.push({ path, content: content.endsWith('\n') ? content : `${content}\n`, mode: 0o600, secret: true });
  };
  secretFile(BACKUP_PASSWORD_FILE, secretValue(secrets, b.encryptionKey, `clients/${spec.name}: backups.encryptionKey`));
  const destinations: BackupProgramConfig['destinations'] = [];
  for (const d of b.destinations) {
    const base = `${BACKUP_CONFIG_DIR}/${safeSegment(d.name, 'backup destination')}`;
    const where = `fleet.yaml backupDestinations.${d.name}`;
    const entry: BackupProgramConfig['destinations'][number] = { name: d.name, repository: clientRepository(d, spec.name) };
    const sftp = sftpTarget(d.url);
    if (sftp) {
      if (!d.credentials) throw new RenderError('missing-setting', `${where}: an sftp destination needs credentials (the SSH private key servers log in with)`);
      if (!d.hostKey) throw new RenderError('missing-setting', `${where}: an sftp destination needs hostKey (its SSH host key, pinned)`);
      const key = secretValue(secrets, d.credentials, `${where}.credentials`);
      if (!/^-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(key.trim())) throw new RenderError('invalid-value', `${where}.credentials: not an SSH private key (PEM or OpenSSH format)`);
      secretFile(`${base}.key`, key);
      const hostPattern = sftp.port === 22 ? sftp.host : `[${sftp.host}]:${sftp.port}`;
      files.push({ path: `${base}.known_hosts`, content: `${hostPattern} ${d.hostKey}\n`, mode: 0o644 });
      entry.sftp = { ...sftp, keyFile: `${base}.key`, knownHostsFile: `${base}.known_hosts` };
    } else if (d.credentials) {
      const text = secretValue(secrets, d.credentials, `${where}.credentials`).replace(/\r\n/g, '\n');
      const lines = text.split('\n').filter((l) => l.trim() !== '' && !l.startsWith('#'));
      // Never echo the value: the line number says which one is wrong.
      lines.forEach((l, i) => {
        if (!ENV_LINE.test(l)) throw new RenderError('invalid-value', `${where}.credentials: line ${i + 1} is not NAME=VALUE (restic environment, e.g. AWS_ACCESS_KEY_ID=...)`);
      });
      secretFile(`${base}.env`, lines.join('\n'));
      entry.envFile = `${base}.env`;
    }
    if (d.caCert) {
      const pem = secretValue(secrets, d.caCert, `${where}.caCert`);
      if (!pem.includes('-----BEGIN CERTIFICATE-----')) throw new RenderError('invalid-value', `${where}.caCert: not a PEM certificate`);
      files.push({ path: `${base}.ca.crt`, content: pem.endsWith('\n') ? pem : `${pem}\n`, mode: 0o644 });
      entry.caCertFile = `${base}.ca.crt`;
    }
    destinations.push(entry);
  }
  const config: BackupProgramConfig = {
    client: spec.name,
    instances: spec.instances.map((i) => ({ name: i.name, database: i.database, composeFile: composeFile(i.name), filestore: `${instanceDir(i.name)}/filestore` })),
    destinations,
    passwordFile: BACKUP_PASSWORD_FILE,
    retention: b.retention,
    schedule: b.schedule.trim().split(/\s+/).join(' '),
    timeZone: b.timeZone,
    stateDir: BACKUP_STATE_DIR,
    statusFile: BACKUP_STATUS_FILE,
    serverStateFile: STATE_FILE,
  };
  files.push({ path: BACKUP_CONFIG_FILE, content: `${JSON.stringify(config, null, 2)}\n`, mode: 0o600 });
  files.push({ path: BACKUP_PROGRAM, content: program, mode: 0o755 });
  files.push({ path: BACKUP_CRON_FILE, content: cronFile(spec), mode: 0o644 });
  return rendering(`backup ${spec.name}`, files);
}

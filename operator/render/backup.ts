/**
 * Daily off-site backups of one client server (issue 8), rendered from the desired state
 * (pure): the cron entry from backups.schedule/timeZone, the backup program, its
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
  stateDir: string;
  statusFile: string;
  serverStateFile: string;
}

/** One cron line: the schedule as written, the program, its log. */
export function cronFile(spec: ClientSpec): string {
  const b = spec.backups!;
  if (/[\r\n]/.test(b.schedule) || b.schedule.trim().split(/\s+/).length !== 5) {
    throw new RenderError('invalid-value', `clients/${spec.name}: backups.schedule ${JSON.stringify(b.schedule)} is not a five-field cron schedule`);
  }
  return [
    `# odoops: daily off-site backups of ${spec.name} (backups.schedule "${b.schedule}" in ${b.timeZone}).`,
    '# Written by odoops: a hand edit is reported as drift and replaced by the next apply.',
    "# cronie reads CRON_TZ; Debian's and Ubuntu's cron schedule in the server's own time zone.",
    `CRON_TZ=${b.timeZone}`,
    `${b.schedule.trim().split(/\s+/).join(' ')} root ${BACKUP_PROGRAM} run >> ${BACKUP_LOG_FILE} 2>&1`,
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
    stateDir: BACKUP_STATE_DIR,
    statusFile: BACKUP_STATUS_FILE,
    serverStateFile: STATE_FILE,
  };
  files.push({ path: BACKUP_CONFIG_FILE, content: `${JSON.stringify(config, null, 2)}\n`, mode: 0o600 });
  files.push({ path: BACKUP_PROGRAM, content: program, mode: 0o755 });
  files.push({ path: BACKUP_CRON_FILE, content: cronFile(spec), mode: 0o644 });
  return rendering(`backup ${spec.name}`, files);
}

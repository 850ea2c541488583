/**
 * The hosts of the sandbox network besides the client servers:
 *   - backup N (`--backup-hosts N`): sshd for SFTP (restic's sftp backend), its own host key,
 *     a data directory /srv/backup; the backup key pair DIR/backup_ed25519 (what client
 *     servers use) and the operator key are authorized;
 *   - s3 (with any backup host): s3rver from npm over HTTPS, bucket "backups", certificate
 *     signed by the sandbox CA; a network namespace with just that process in it;
 *   - monitoring N (`--monitoring N`): a host with sshd, where Nagios will run;
 *   - log (`--log-host`): a host with sshd and a TLS certificate, where a central rsyslog will run.
 * sshd hosts are built like client servers (host.ts): own /srv, /root, copy-on-write /etc.
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { OdoopsError } from '../util/errors.ts';
import { createHolder, hostRoot, sshdConfig, startSshd, waitFor } from './host.ts';
import { createNetwork } from './network.ts';
import { startDaemon } from './proc.ts';
import { REPO_ROOT } from './repos.ts';
import {
  BACKUP_DATA_DIR,
  backupKeyPath,
  roleHost,
  S3_BUCKET,
  S3_PORT,
  writeState,
  type HostRole,
  type RoleHostRecord,
  type SandboxOptions,
  type SandboxState,
} from './state.ts';
import { issueCertificate } from './tls.ts';

/** The TLS syslog port fleet.yaml's logHost names for the sandbox log host (rsyslog's usual 6514). */
export const LOG_PORT = 6514;

/** The DNS name in a role host's TLS certificate (next to its address). */
export function tlsName(rec: Pick<RoleHostRecord, 'name'>): string {
  return `${rec.name}.sandbox.odoops.test`;
}

/** PATH of SSH sessions on role hosts: the machine's programs (no stand-ins there). */
export const ROLE_HOST_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

/** The role hosts `options` ask for, in start order. */
export function plannedRoleHosts(state: Pick<SandboxState, 'slot' | 'dir'>, options: SandboxOptions): RoleHostRecord[] {
  const want: [HostRole, number][] = [];
  for (let i = 1; i <= options.backupHosts; i++) want.push(['backup', i]);
  if (options.backupHosts > 0) want.push(['s3', 1]);
  for (let i = 1; i <= options.monitoring; i++) want.push(['monitoring', i]);
  if (options.logHost) want.push(['log', 1]);
  return want.map(([role, index]) => {
    const n = roleHost(state.slot, role, index);
    return {
      role,
      name: n.name,
      index,
      host: n.address,
      port: role === 's3' ? S3_PORT : 22,
      hostKey: '',
      netns: n.netns,
      user: 'root',
      veth: n.veth,
      home: path.join(state.dir, 'hosts', n.name),
    };
  });
}

export function runsSshd(rec: RoleHostRecord): boolean {
  return rec.role !== 's3';
}

function s3rverBin(): string {
  try {
    return createRequire(path.join(REPO_ROOT, 'package.json')).resolve('s3rver/bin/s3rver.js');
  } catch {
    throw new OdoopsError('--backup-hosts needs the npm package s3rver (a devDependency): run npm ci');
  }
}

/** Fail before anything is made when a role host cannot work here. */
export function checkRoleHosts(options: SandboxOptions): void {
  if (options.backupHosts > 0) s3rverBin();
}

/** Files the host's authorized_keys holds. */
async function authorizedKeys(state: SandboxState, rec: RoleHostRecord): Promise<string> {
  const keys = [await readFile(state.publicKeyPath, 'utf8')];
  if (rec.role === 'backup') keys.push(await readFile(`${backupKeyPath(state.dir)}.pub`, 'utf8'));
  return keys.map((k) => k.trim() + '\n').join('');
}

async function startS3(state: SandboxState, rec: RoleHostRecord): Promise<void> {
  const data = path.join(rec.home, 'data');
  await mkdir(data, { recursive: true });
  const tls = await issueCertificate(state.dir, path.join(rec.home, 'tls'), tlsName(rec), rec.host);
  const log = path.join(rec.home, 's3rver.log');
  await writeFile(log, '');
  // Only the network namespace: s3rver runs from the checkout's node_modules, with its data in DIR.
  const pid = await startDaemon(
    ['nsenter', `--net=/run/netns/${rec.netns}`, '--', process.execPath, s3rverBin(), '-d', data, '-a', rec.host, '-p', String(S3_PORT),
      '--key', tls.key, '--cert', tls.cert, '--configure-bucket', S3_BUCKET],
    log,
  );
  rec.servicePid = pid;
  await waitFor(
    `s3rver of ${rec.name} (see ${log})`,
    async () => {
      const text = await readFile(log, 'utf8').catch(() => '');
      if (text.includes('S3rver listening on')) return true;
      try {
        process.kill(pid, 0);
      } catch {
        throw new OdoopsError(`s3rver of ${rec.name} exited: ${text.trim().split('\n').slice(-3).join(' | ')}`);
      }
      return false;
    },
    30_000,
  );
}

/** Bring one role host up (its sshd host key already exists). */
export async function startRoleHost(state: SandboxState, rec: RoleHostRecord): Promise<void> {
  await mkdir(rec.home, { recursive: true });
  await createNetwork(state.slot, rec, { isolated: false }).finally(() => writeState(state));
  if (rec.role === 's3') return startS3(state, rec);
  const keysFile = path.join(rec.home, 'authorized_keys');
  await writeFile(keysFile, await authorizedKeys(state, rec));
  await writeFile(path.join(rec.home, 'sshd_config'), sshdConfig(rec, { comment: `${rec.role} host ${rec.name}`, authorizedKeys: keysFile, pathVar: ROLE_HOST_PATH }));
  if (rec.role === 'backup') await mkdir(path.join(hostRoot(rec), BACKUP_DATA_DIR), { recursive: true, mode: 0o700 });
  if (rec.role === 'log') await issueCertificate(state.dir, path.join(rec.home, 'tls'), tlsName(rec), rec.host);
  await createHolder(rec, rec.name, { hostname: `${rec.name}\n` });
  await writeState(state);
  await startSshd(rec, ROLE_HOST_PATH);
}

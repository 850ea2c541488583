/**
 * The backup files odoops keeps in place on a server (operator/render/backup.ts): written
 * by `installBackupFiles` (an apply step of its own until the generic managed-files
 * mechanism lands), compared by `backupFilesDrift` (HMAC with a one-time key of each file's
 * content, and its mode: no secret is ever read back).
 */
import { createHmac, randomBytes } from 'node:crypto';
import type { ClientSpec } from '../desired/types.ts';
import { fileDigests, installFiles } from '../host/backup.ts';
import { BACKUP_CONFIG_DIR, BACKUP_STATE_DIR } from '../host/paths.ts';
import { BACKUP_PROGRAM_PY } from '../host/scripts.ts';
import type { HostSession } from '../live/ssh.ts';
import { renderBackup } from '../render/backup.ts';
import type { Rendering } from '../render/types.ts';
import { redact } from '../secrets/index.ts';
import { OdoopsError } from '../util/errors.ts';
import { resolveBackupSecrets, type BackupSecrets } from './secrets.ts';

export function backupRendering(spec: ClientSpec, secrets: BackupSecrets): Rendering {
  return renderBackup(spec, secrets.byRef, BACKUP_PROGRAM_PY);
}

export interface FileDrift {
  path: string;
  problem: 'missing' | 'content' | 'mode' | 'unreadable';
}

/** Raised when the server refused the install; its output is redacted. */
export class BackupInstallError extends OdoopsError {
  readonly code = 'backup-install-failed';
  readonly transient = false;
}

export async function installBackupFiles(session: HostSession, rendering: Rendering, secrets: BackupSecrets): Promise<string[]> {
  const res = await session.exec(installFiles({
    files: rendering.files.map((f) => ({ path: f.path, content: f.content, mode: f.mode })),
    dirs: [{ path: BACKUP_CONFIG_DIR, mode: 0o700 }, { path: BACKUP_STATE_DIR, mode: 0o700 }],
    remove: [],
    label: `install ${rendering.target} (${rendering.files.length} files)`,
  }));
  if (res.code !== 0) throw new BackupInstallError(`${session.label}: ${res.label}: ${redact((res.stderr || res.stdout).trim().split('\n').pop() ?? `exit ${res.code}`, secrets.values)}`);
  return (JSON.parse(res.stdout) as { written: string[] }).written;
}

export async function backupFilesDrift(session: HostSession, rendering: Rendering): Promise<FileDrift[]> {
  const key = randomBytes(32).toString('hex');
  const res = await session.exec(fileDigests(rendering.files.map((f) => f.path), key, `read ${rendering.target} digests`));
  if (res.code !== 0) throw new OdoopsError(`${session.label}: ${res.label}: exit ${res.code}: ${res.stderr.trim().split('\n').pop() ?? ''}`);
  const live = (JSON.parse(res.stdout) as { files: Record<string, { hmac?: string; mode?: number; error?: string } | null> }).files;
  const out: FileDrift[] = [];
  for (const f of rendering.files) {
    const l = live[f.path];
    const want = createHmac('sha256', Buffer.from(key, 'hex')).update(f.content, 'utf8').digest('hex');
    if (l === null || l === undefined) out.push({ path: f.path, problem: 'missing' });
    else if (l.error) out.push({ path: f.path, problem: 'unreadable' });
    else if (l.hmac !== want) out.push({ path: f.path, problem: 'content' });
    else if (l.mode !== f.mode) out.push({ path: f.path, problem: 'mode' });
  }
  return out;
}

/** Render with secrets resolved from `env` and install: what the apply step and `odoops backup --install` run. */
export async function installBackup(session: HostSession, spec: ClientSpec, env: NodeJS.ProcessEnv = process.env): Promise<{ written: string[]; digest: string }> {
  const secrets = resolveBackupSecrets(spec, env);
  const rendering = backupRendering(spec, secrets);
  const written = await installBackupFiles(session, rendering, secrets);
  return { written, digest: rendering.digest };
}

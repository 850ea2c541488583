/**
 * The secret values the backup rendering needs (repository password, destination
 * credentials, CA certificates), resolved on the operator side with operator/secrets. The
 * values go to the server inside the install request on stdin and are redacted from
 * anything odoops prints.
 */
import type { ClientSpec } from '../desired/types.ts';
import { backupSecretRefs } from '../render/backup.ts';
import { resolveSecret } from '../secrets/index.ts';

export interface BackupSecrets {
  /** reference -> value, as renderers take them. */
  byRef: Map<string, string>;
  /** Every value, for redact(). */
  values: string[];
}

export function resolveBackupSecrets(spec: ClientSpec, env: NodeJS.ProcessEnv = process.env): BackupSecrets {
  const byRef = new Map<string, string>();
  for (const { ref, where } of backupSecretRefs(spec)) {
    if (!byRef.has(ref)) byRef.set(ref, resolveSecret(ref, { env, where }));
  }
  return { byRef, values: [...byRef.values()] };
}

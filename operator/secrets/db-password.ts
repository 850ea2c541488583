/**
 * A new database password for an instance set up from the operator side (reinstall, the
 * sandbox's pre-installed servers). Provisioning through the plan has the server make it
 * instead (operator/host/provision.py). 32 characters of [A-Za-z0-9_-] (192 random bits), the
 * form operator/render/instance.ts accepts.
 */
import { randomBytes } from 'node:crypto';

export function newDbPassword(): string {
  return randomBytes(24).toString('base64url');
}

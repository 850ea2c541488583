/** SSH keys for the sandbox: operator key pair, server host keys, fingerprints. */
import { createHash } from 'node:crypto';
import { readFile, rm } from 'node:fs/promises';
import { OdoopsError } from '../util/errors.ts';
import { runOk } from './proc.ts';

/** Generate an ed25519 key pair at `file` and `file.pub` (no passphrase). */
export async function generateKey(file: string, comment: string): Promise<void> {
  await rm(file, { force: true });
  await rm(`${file}.pub`, { force: true });
  await runOk(['ssh-keygen', '-q', '-t', 'ed25519', '-N', '', '-C', comment, '-f', file], { what: `ssh-keygen for ${file}` });
}

/** "SHA256:<base64 without padding>" of a raw SSH public key blob, as `ssh-keygen -lf` prints it. */
export function fingerprintOfBlob(blob: Buffer): string {
  return `SHA256:${createHash('sha256').update(blob).digest('base64').replace(/=+$/, '')}`;
}

/** Fingerprint of an OpenSSH public key line ("ssh-ed25519 AAAA... comment"). */
export function fingerprintOfPublicKeyLine(line: string): string {
  const b64 = line.trim().split(/\s+/)[1];
  if (!b64) throw new OdoopsError(`not an OpenSSH public key: ${line.slice(0, 40)}`);
  return fingerprintOfBlob(Buffer.from(b64, 'base64'));
}

export async function fingerprintOfPublicKeyFile(file: string): Promise<string> {
  return fingerprintOfPublicKeyLine(await readFile(file, 'utf8'));
}

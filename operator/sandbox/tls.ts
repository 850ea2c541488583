/**
 * The sandbox's own certificate authority (openssl, P-256): it signs the TLS certificates of
 * the S3 host (restic's S3 backend works with s3rver only over HTTPS) and the log host
 * (rsyslog over TLS). Clients trust DIR/ca/ca.crt (restic --cacert, rsyslog's CA file).
 */
import { randomBytes } from 'node:crypto';
import { chmod, mkdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { runOk } from './proc.ts';
import { caCertPath } from './state.ts';

const KEY = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];

export function caKeyPath(dir: string): string {
  return path.join(path.dirname(caCertPath(dir)), 'ca.key');
}

export async function createCa(dir: string): Promise<void> {
  const cert = caCertPath(dir);
  await mkdir(path.dirname(cert), { recursive: true, mode: 0o755 });
  await runOk(
    ['openssl', 'req', '-x509', ...KEY, '-keyout', caKeyPath(dir), '-out', cert, '-days', '3650', '-subj', '/CN=odoops sandbox CA',
      '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign'],
    { what: 'creating the sandbox CA' },
  );
  await chmod(caKeyPath(dir), 0o600);
}

/** A server certificate for `address` (and DNS `name`) signed by the sandbox CA: returns {key, cert} paths. */
export async function issueCertificate(dir: string, outDir: string, name: string, address: string): Promise<{ key: string; cert: string }> {
  await mkdir(outDir, { recursive: true, mode: 0o755 });
  const key = path.join(outDir, 'tls.key');
  const cert = path.join(outDir, 'tls.crt');
  const csr = path.join(outDir, 'tls.csr');
  const ext = path.join(outDir, 'tls.ext');
  await writeFile(
    ext,
    [`subjectAltName=IP:${address},DNS:${name}`, 'basicConstraints=CA:FALSE', 'keyUsage=critical,digitalSignature', 'extendedKeyUsage=serverAuth', ''].join('\n'),
  );
  await runOk(['openssl', 'req', ...KEY, '-keyout', key, '-out', csr, '-subj', `/CN=${name}`], { what: `creating the TLS key of ${name}` });
  await runOk(
    ['openssl', 'x509', '-req', '-in', csr, '-CA', caCertPath(dir), '-CAkey', caKeyPath(dir), '-set_serial', `0x${randomBytes(12).toString('hex')}`,
      '-days', '825', '-extfile', ext, '-out', cert],
    { what: `signing the TLS certificate of ${name}` },
  );
  await chmod(key, 0o600);
  await rm(csr, { force: true });
  await rm(ext, { force: true });
  return { key, cert };
}

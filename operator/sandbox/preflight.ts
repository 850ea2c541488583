/** What the sandbox needs from the machine, checked before anything is made. */
import { existsSync } from 'node:fs';
import { OdoopsError } from '../util/errors.ts';
import { PG_BIN } from './postgres.ts';
import { run } from './proc.ts';

const REQUIRED = ['/usr/sbin/sshd', '/usr/bin/ssh-keygen', `${PG_BIN}/postgres`, `${PG_BIN}/initdb`];
const REQUIRED_ON_PATH = ['ip', 'nsenter', 'unshare', 'setpriv', 'git', 'cp', 'openssl'];

export function assertRoot(): void {
  if (typeof process.getuid === 'function' && process.getuid() !== 0) {
    throw new OdoopsError('sandbox needs root (it creates network and mount namespaces): run it as root');
  }
}

export async function preflight(): Promise<void> {
  assertRoot();
  const missing = REQUIRED.filter((f) => !existsSync(f));
  for (const cmd of REQUIRED_ON_PATH) {
    if ((await run(['sh', '-c', 'command -v "$1"', 'sh', cmd])).code !== 0) missing.push(cmd);
  }
  if (missing.length) {
    throw new OdoopsError(`sandbox: missing ${missing.join(', ')}: run npm run setup (installs openssh-server, postgresql-15, iproute2, util-linux, git, openssl)`);
  }
}

// Where "the server's PostgreSQL" is: a unix socket dir (default) or a TCP host.
import net from 'node:net';
import path from 'node:path';

export function pgHost(env = process.env) {
  return env.ODOO_STANDIN_PGHOST || '/var/run/postgresql';
}
export function pgPort(env = process.env) {
  return Number(env.ODOO_STANDIN_PGPORT || 5432);
}

/** True when PostgreSQL accepts connections (socket connect, no protocol). */
export function pgAnswers(env = process.env, timeoutMs = 1000) {
  const host = pgHost(env);
  const port = pgPort(env);
  return new Promise((resolve) => {
    const sock = host.startsWith('/')
      ? net.connect(path.join(host, `.s.PGSQL.${port}`))
      : net.connect(port, host);
    const done = (ok) => { sock.destroy(); resolve(ok); };
    sock.setTimeout(timeoutMs, () => done(false));
    sock.once('connect', () => done(true));
    sock.once('error', () => done(false));
  });
}

/** Client binaries of the server's PostgreSQL 15. */
export const PG_BIN = '/usr/lib/postgresql/15/bin';

/**
 * One real PostgreSQL 15 per sandbox server. `initdb` is slow (~1 s), so it runs once
 * into a cached template data directory (keyed by PostgreSQL version and this recipe);
 * each server gets a `cp -a` copy. The copy runs as user postgres inside the server's
 * namespaces: 127.0.0.1:5432 of its netns and the socket in its own /var/run/postgresql.
 * Role `odoo` is a superuser, like POSTGRES_USER in the official postgres image.
 */
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, readdir, rename, rm, appendFile, chown } from 'node:fs/promises';
import path from 'node:path';
import { OdoopsError } from '../util/errors.ts';
import { runOk, sleep } from './proc.ts';

export const PG_BIN = '/usr/lib/postgresql/15/bin';
const TEMPLATE_ROOT = '/var/tmp/odoops-pg-template';

// Speed over durability: these databases are disposable test fixtures.
const SETTINGS = `
# odoops sandbox settings (disposable test server: speed over durability)
listen_addresses = '127.0.0.1'
port = 5432
unix_socket_directories = '/var/run/postgresql'
max_connections = 40
shared_buffers = 16MB
fsync = off
synchronous_commit = off
full_page_writes = off
wal_level = minimal
max_wal_senders = 0
max_wal_size = 64MB
min_wal_size = 8MB
autovacuum = off
dynamic_shared_memory_type = posix
logging_collector = off
log_min_messages = warning
`;
// 1 MB WAL segments: each server's copy of the template is ~20 MB instead of ~40 MB.
const INITDB_ARGS = ['-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--locale=C.UTF-8', '--no-sync', '--wal-segsize=1'];
const ROLE_SQL = "CREATE ROLE odoo WITH SUPERUSER CREATEDB LOGIN PASSWORD 'odoo';\n";

export interface PgUser {
  uid: number;
  gid: number;
}

export async function postgresUser(): Promise<PgUser> {
  const out = await runOk(['id', '-u', 'postgres'], { what: 'looking up user postgres' }).catch(() => {
    throw new OdoopsError('user postgres does not exist: install PostgreSQL 15 (npm run setup)');
  });
  const gid = await runOk(['id', '-g', 'postgres']);
  return { uid: Number(out.trim()), gid: Number(gid.trim()) };
}

export function asPostgres(argv: string[]): string[] {
  return ['setpriv', '--reuid=postgres', '--regid=postgres', '--init-groups', '--', ...argv];
}

async function pgVersion(): Promise<string> {
  return (await runOk([`${PG_BIN}/postgres`, '--version'], { what: 'postgres --version' })).trim();
}

/** Path of the template data directory, creating it on first use. Safe when several sandboxes race. */
export async function ensureTemplate(): Promise<string> {
  const version = await pgVersion();
  const key = createHash('sha256').update(version).update(SETTINGS).update(ROLE_SQL).update(INITDB_ARGS.join(' ')).digest('hex').slice(0, 12);
  const final = path.join(TEMPLATE_ROOT, `pg15-${key}`);
  if (existsSync(path.join(final, 'PG_VERSION'))) return final;
  const pg = await postgresUser();
  await mkdir(TEMPLATE_ROOT, { recursive: true, mode: 0o755 });
  const build = path.join(TEMPLATE_ROOT, `.build-${process.pid}-${Date.now()}`);
  await mkdir(build, { mode: 0o700 });
  await chown(build, pg.uid, pg.gid);
  try {
    await runOk(
      asPostgres([`${PG_BIN}/initdb`, '-D', build, ...INITDB_ARGS]),
      { what: 'initdb of the sandbox PostgreSQL template' },
    );
    await appendFile(path.join(build, 'postgresql.conf'), SETTINGS);
    await runOk(asPostgres([`${PG_BIN}/postgres`, '--single', '-D', build, '-c', 'fsync=off', 'postgres']), {
      input: ROLE_SQL,
      what: 'creating role odoo in the PostgreSQL template',
    });
    try {
      await rename(build, final);
    } catch (err) {
      // Another sandbox finished first: use its template.
      if (!existsSync(path.join(final, 'PG_VERSION'))) throw err;
    }
    // Templates of older PostgreSQL versions or recipes are never used again.
    for (const old of await readdir(TEMPLATE_ROOT)) {
      if (old.startsWith('pg15-') && path.join(TEMPLATE_ROOT, old) !== final) await rm(path.join(TEMPLATE_ROOT, old), { recursive: true, force: true });
    }
  } finally {
    await rm(build, { recursive: true, force: true });
  }
  return final;
}

/** Copy the template into a server's data directory (owned by postgres, mode 0700). */
export async function copyTemplate(template: string, dataDir: string): Promise<void> {
  await runOk(['cp', '-a', template, dataDir], { what: `copying the PostgreSQL template to ${dataDir}` });
}

/** Wait until the postmaster logging to `logFile` accepts connections (or died). */
export async function waitReady(logFile: string, pid: number, timeoutMs = 15000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const log = await readFile(logFile, 'utf8').catch(() => '');
    if (log.includes('ready to accept connections')) return;
    let alive = true;
    try {
      process.kill(pid, 0);
    } catch {
      alive = false;
    }
    if (!alive || Date.now() > deadline) {
      const tail = log.trim().split('\n').slice(-2).join(' | ');
      throw new OdoopsError(`PostgreSQL did not start (${alive ? 'timeout' : 'exited'}), see ${logFile}: ${tail}`);
    }
    await sleep(25);
  }
}


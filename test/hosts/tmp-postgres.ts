// A throwaway PostgreSQL 15 for the stand-in tests: own data dir and socket dir, no TCP.
// Runs as the `postgres` OS user (initdb refuses root), stopped and removed by stop().
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const BIN = '/usr/lib/postgresql/15/bin';

export interface TmpPostgres {
  dir: string;
  socketDir: string;
  port: number;
  /** env for the stand-ins: where "the server's PostgreSQL" is */
  env: Record<string, string>;
  psql(db: string, sql: string): string;
  /** Stops the server, keeping its data (PostgreSQL down, as `sandbox fault db-stop`). */
  pause(): void;
  /** Starts it again after pause(). */
  resume(): void;
  stop(): void;
}

function asPostgres(argv: string[]): string {
  return execFileSync('runuser', ['-u', 'postgres', '--', ...argv], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

export function startTmpPostgres(): TmpPostgres {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'standin-pg-'));
  fs.chmodSync(dir, 0o755);
  const data = path.join(dir, 'data');
  const socketDir = path.join(dir, 'sock');
  fs.mkdirSync(data);
  fs.mkdirSync(socketDir);
  execFileSync('chown', ['-R', 'postgres:postgres', dir]);
  const port = 5432;
  asPostgres([`${BIN}/initdb`, '-D', data, '-A', 'trust', '-U', 'postgres', '-E', 'UTF8', '--no-sync']);
  const start = (): void => {
    asPostgres([`${BIN}/pg_ctl`, '-D', data, '-l', path.join(dir, 'log'), '-w', '-t', '30', 'start',
      '-o', `-k ${socketDir} -c listen_addresses='' -p ${port} -c fsync=off -c full_page_writes=off`]);
  };
  start();
  const psql = (db: string, sql: string): string =>
    execFileSync(`${BIN}/psql`, ['-h', socketDir, '-p', String(port), '-U', 'postgres', '-d', db, '-v', 'ON_ERROR_STOP=1', '-At', '-F', '\t', '-c', sql], { encoding: 'utf8' });
  psql('postgres', 'CREATE ROLE odoo LOGIN SUPERUSER');
  return {
    dir,
    socketDir,
    port,
    env: { ODOO_STANDIN_PGHOST: socketDir, ODOO_STANDIN_PGPORT: String(port) },
    psql,
    pause() {
      asPostgres([`${BIN}/pg_ctl`, '-D', data, '-m', 'fast', '-w', 'stop']);
    },
    resume: start,
    stop() {
      try {
        asPostgres([`${BIN}/pg_ctl`, '-D', data, '-m', 'immediate', '-w', 'stop']);
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}

// One instance's compose project as a server holds it (/srv/odoo/<instance>/), run through
// the docker and odoo stand-ins against a throwaway PostgreSQL (tmp-postgres.ts).
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { TmpPostgres } from './tmp-postgres.ts';

const HERE = path.dirname(fileURLToPath(import.meta.url));
export const STANDINS = path.resolve(HERE, '../../operator/sandbox/standins');
export const DOCKER = path.join(STANDINS, 'bin/docker');
export const ODOO = path.join(STANDINS, 'bin/odoo');
export const FIXTURE_ADDONS = path.resolve(HERE, '../../operator/sandbox/fixtures/integrator-addons');

export interface Result { code: number; stdout: string; stderr: string; ms: number }

export interface Project {
  dir: string;
  base: string;
  /** the integrator-addons checkout (modules directly inside) */
  addons: string;
  port: number;
  env: Record<string, string>;
  container: string;
  run(cmd: string, args: string[], opts?: { env?: Record<string, string>; input?: string }): Promise<Result>;
  compose(...args: string[]): Promise<Result>;
  /** `docker compose run --rm -T --no-deps odoo odoo -c /etc/odoo/odoo.conf ...` */
  odoo(...args: string[]): Promise<Result>;
  /** The running server's log file (what `docker compose logs odoo` prints). */
  logText(): string;
  cleanup(): Promise<void>;
}

export function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

export async function makeProject(pg: TmpPostgres, opts: { db: string; image?: string; conf?: string[]; env?: Record<string, string> }): Promise<Project> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'standin-project-'));
  const port = await freePort();
  const base = path.join(dir, 'srv/production');
  const addons = path.join(base, 'addons/integrator-addons');
  fs.mkdirSync(addons, { recursive: true });
  for (const m of ['integrator_base', 'integrator_reports']) fs.cpSync(path.join(FIXTURE_ADDONS, m), path.join(addons, m), { recursive: true });
  fs.mkdirSync(path.join(base, 'filestore'), { recursive: true });
  fs.writeFileSync(path.join(base, 'odoo.conf'), [
    '[options]', 'db_host = db', 'db_port = 5432', 'db_user = odoo', 'db_password = odoo', `db_name = ${opts.db}`,
    'addons_path = /mnt/extra-addons/integrator-addons', 'data_dir = /var/lib/odoo', ...(opts.conf ?? ['workers = 2']), '',
  ].join('\n'));
  fs.writeFileSync(path.join(base, '.env'), `ODOO_IMAGE=${opts.image ?? 'registry.example.com/odoo:17.0-20261101'}\n`);
  fs.writeFileSync(path.join(base, 'compose.yaml'), `name: odoo-production
services:
  odoo:
    image: \${ODOO_IMAGE}
    depends_on: [db]
    ports: ["127.0.0.1:${port}:8069"]
    volumes:
      - ${base}/odoo.conf:/etc/odoo/odoo.conf
      - ./addons:/mnt/extra-addons
      - ./filestore:/var/lib/odoo
    restart: unless-stopped
  db:
    image: postgres:15
    environment: { POSTGRES_USER: odoo, POSTGRES_PASSWORD: odoo }
    volumes: ["db-data:/var/lib/postgresql/data"]
volumes:
  db-data: {}
`);
  const env = { ...pg.env, DOCKER_STANDIN_ROOT: path.join(dir, 'docker'), DOCKER_STANDIN_PSQL_WAIT: '0', ...opts.env };
  const run = (cmd: string, args: string[], o: { env?: Record<string, string>; input?: string } = {}): Promise<Result> => {
    const t0 = Date.now();
    return new Promise((resolve, reject) => {
      const child = spawn(cmd, args, { env: { ...process.env, ...env, ...o.env }, stdio: ['pipe', 'pipe', 'pipe'] });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (d) => { stdout += d; });
      child.stderr.on('data', (d) => { stderr += d; });
      child.on('error', reject);
      child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr, ms: Date.now() - t0 }));
      child.stdin.end(o.input ?? '');
    });
  };
  const compose = (...args: string[]) => run(DOCKER, ['compose', '-f', path.join(base, 'compose.yaml'), ...args]);
  const container = 'odoo-production-odoo-1';
  return {
    dir, base, addons, port, env, container, run, compose,
    odoo: (...args: string[]) => compose('run', '--rm', '-T', '--no-deps', 'odoo', 'odoo', '-c', '/etc/odoo/odoo.conf', ...args),
    logText: () => {
      try { return fs.readFileSync(path.join(env.DOCKER_STANDIN_ROOT, 'containers', `${container}.log`), 'utf8'); } catch { return ''; }
    },
    async cleanup() {
      // Stops the emulated Odoo server this project started (by its recorded PID, via down).
      await compose('down').catch(() => undefined);
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A browser-like HTTP client keeping Odoo's session cookie; no redirect following. */
export class Browser {
  cookie = '';
  constructor(readonly port: number) {}

  async request(method: 'GET' | 'POST', pathname: string, body?: { form?: Record<string, string>; json?: unknown }): Promise<{ status: number; location: string | null; text: string; json: () => unknown }> {
    const headers: Record<string, string> = {};
    if (this.cookie) headers.cookie = this.cookie;
    let payload: string | undefined;
    if (body?.form) { headers['content-type'] = 'application/x-www-form-urlencoded'; payload = new URLSearchParams(body.form).toString(); }
    if (body?.json !== undefined) { headers['content-type'] = 'application/json'; payload = JSON.stringify(body.json); }
    const r = await fetch(`http://127.0.0.1:${this.port}${pathname}`, { method, headers, body: payload, redirect: 'manual' });
    const set = r.headers.get('set-cookie');
    const sid = set && /session_id=([^;]+)/.exec(set);
    if (sid) this.cookie = `session_id=${sid[1]}`;
    const text = await r.text();
    return { status: r.status, location: r.headers.get('location'), text, json: () => JSON.parse(text) };
  }

  /** JSON-RPC /web/session/authenticate: { uid } or { error: exception name }. */
  async authenticate(db: string, login = 'admin', password = 'admin'): Promise<{ uid?: number; error?: string }> {
    const r = await this.request('POST', '/web/session/authenticate', { json: { jsonrpc: '2.0', method: 'call', id: 1, params: { db, login, password } } });
    const j = r.json() as { result?: { uid: number }; error?: { data: { name: string } } };
    return j.result ? { uid: j.result.uid } : { error: j.error?.data.name };
  }

  /** The login form as a user submits it: GET (session + CSRF token), then POST. */
  async formLogin(db: string, login = 'admin', password = 'admin'): Promise<{ status: number; location: string | null; text: string }> {
    const page = await this.request('GET', `/web/login?db=${encodeURIComponent(db)}`);
    const token = /name="csrf_token" value="([^"]+)"/.exec(page.text)?.[1] ?? '';
    return this.request('POST', '/web/login', { form: { csrf_token: token, login, password, redirect: '' } });
  }
}

/** Resolves when `cond()` holds, polling every 25 ms; rejects after `limitMs` with `what`. */
export async function waitFor(what: string, cond: () => boolean | Promise<boolean>, limitMs = 60_000): Promise<void> {
  const until = Date.now() + limitMs;
  while (!(await cond())) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

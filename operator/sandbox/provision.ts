/**
 * Provision the Odoo instances of a sandbox server the way a real server is installed:
 * /srv/odoo/<I>/{compose.yaml,.env,odoo.conf,addons/,filestore/} (layout of
 * operator/sandbox/standins/README.md), then, inside the server through the docker stand-in, the
 * database is initialised with `odoo -i base` and the instance is started with `up -d`.
 * Servers start with base only: modules and addons are odoops' job (`odoops apply`).
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { stringify } from 'yaml';
import { OdoopsError } from '../util/errors.ts';
import { run } from './proc.ts';
import type { PlannedInstance } from './repos.ts';
import { enterArgv, serverEnv, serverRoot } from './server.ts';
import type { SandboxState, ServerRecord } from './state.ts';

export function composeYaml(inst: PlannedInstance): string {
  const base = `/srv/odoo/${inst.name}`;
  const doc = {
    name: `odoo-${inst.name}`,
    services: {
      odoo: {
        image: '${ODOO_IMAGE}',
        depends_on: ['db'],
        ports: [`127.0.0.1:${inst.httpPort}:8069`],
        volumes: [`${base}/odoo.conf:/etc/odoo/odoo.conf`, `${base}/addons:/mnt/extra-addons`, `${base}/filestore:/var/lib/odoo`],
        restart: 'unless-stopped',
      },
      db: {
        image: 'postgres:15',
        environment: { POSTGRES_USER: 'odoo', POSTGRES_PASSWORD: 'odoo', POSTGRES_DB: 'postgres' },
        volumes: ['db-data:/var/lib/postgresql/data'],
        restart: 'unless-stopped',
      },
    },
    volumes: { 'db-data': {} },
  };
  return `# Odoo instance "${inst.name}" (written by odoops sandbox, as a server install would)\n${stringify(doc)}`;
}

export function odooConf(inst: PlannedInstance): string {
  // Connection and paths only. No addons_path yet and no managed options (workers, ...):
  // those are odoops' job; Odoo then uses its core addons and its defaults.
  return [
    '[options]',
    'db_host = db',
    'db_port = 5432',
    'db_user = odoo',
    'db_password = odoo',
    `db_name = ${inst.database}`,
    `dbfilter = ^${inst.database}$`,
    'data_dir = /var/lib/odoo',
    '',
  ].join('\n');
}

async function inServer(state: SandboxState, rec: ServerRecord, argv: string[], what: string): Promise<void> {
  const r = await run([...enterArgv(rec), ...argv], { env: serverEnv(state), timeoutMs: 120_000 });
  if (r.code !== 0) {
    const detail = (r.stderr.trim() || r.stdout.trim()).split('\n').slice(-3).join(' | ');
    throw new OdoopsError(`sandbox ${rec.client}: ${what} failed (exit ${r.code}): ${detail}`);
  }
}

export async function provisionServer(
  state: SandboxState,
  rec: ServerRecord,
  instances: PlannedInstance[],
): Promise<Record<string, { database: string; httpPort: number }>> {
  const done: Record<string, { database: string; httpPort: number }> = {};
  // Instances are independent compose projects with their own database: set up side by side.
  await Promise.all(
    instances.map(async (inst) => {
      // Written from outside: /srv inside the server is this directory.
      const dir = path.join(serverRoot(rec), 'srv/odoo', inst.name);
      await mkdir(path.join(dir, 'addons'), { recursive: true });
      await mkdir(path.join(dir, 'filestore'), { recursive: true });
      await writeFile(path.join(dir, 'compose.yaml'), composeYaml(inst));
      await writeFile(path.join(dir, '.env'), `ODOO_IMAGE=${inst.image}\n`);
      await writeFile(path.join(dir, 'odoo.conf'), odooConf(inst));
      const compose = ['docker', 'compose', '-f', `/srv/odoo/${inst.name}/compose.yaml`];
      await inServer(
        state,
        rec,
        [...compose, 'run', '--rm', '-T', 'odoo', 'odoo', '-c', '/etc/odoo/odoo.conf', '-d', inst.database, '-i', 'base', '--without-demo=all', '--stop-after-init', '--no-http'],
        `initialising database ${inst.database}`,
      );
      await inServer(state, rec, [...compose, 'up', '-d'], `starting instance ${inst.name}`);
      done[inst.name] = { database: inst.database, httpPort: inst.httpPort };
    }),
  );
  return done;
}

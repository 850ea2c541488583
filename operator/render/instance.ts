/**
 * The files of one Odoo instance on a server, rendered from the desired state (pure: no
 * I/O). Layout and shapes are the host contract's (operator/sandbox/standins/README.md):
 *   /srv/odoo/<I>/compose.yaml  compose project odoo-<I>: services odoo and db
 *   /srv/odoo/<I>/.env          ODOO_IMAGE=<image> (odoops switches images by rewriting it)
 *   /srv/odoo/<I>/odoo.conf     [options]: connection, data_dir, addons_path, managed options
 * plus the directories addons/ (git checkouts) and filestore/ (Odoo's data_dir).
 * Provisioning writes these; the sandbox uses them for its pre-installed servers. Bad values
 * are RenderError('invalid-value') naming the instance and key.
 */
import { stringify } from 'yaml';
import type { ClientSpec, InstanceSpec, OdooOptionValue, SecretOption } from '../desired/types.ts';
// The host contract's paths (a module of constants: it imports nothing but util/errors).
import { composeFile, confFile, containerAddonsPath, envFile, instanceDir, ODOO_CONF } from '../host/paths.ts';
import { rendering } from './digest.ts';
import { RenderError, secretValue, type RenderedFile, type Rendering, type ResolvedSecrets } from './types.ts';

export type { RenderedFile } from './types.ts';

export interface RenderedDirectory {
  path: string;
  mode: number;
}

/** Where the odoo service sees its files (the official image's paths). */
export const CONTAINER = { addons: '/mnt/extra-addons', dataDir: '/var/lib/odoo' } as const;

/**
 * The db service: PostgreSQL 15 as in the official image. It publishes no port, so its
 * password only guards the compose project's own network.
 */
export const DB_SERVICE = { image: 'postgres:15', host: 'db', port: 5432, user: 'odoo', password: 'odoo' } as const;

/** Group of the odoo user in the official Odoo image (uid/gid 101). */
export const ODOO_CONTAINER_GID = 101;

/** odoo.conf keys odoops sets itself; the desired state's `options` may not name them (see the schema). */
export function ownedOption(key: string): boolean {
  return key.startsWith('db_') || key === 'addons_path' || key === 'data_dir';
}

function refuseLineBreaks(what: string, value: string): string {
  if (/[\r\n\0]/.test(value)) throw new RenderError('invalid-value', `${what}: refusing a value with a line break: ${JSON.stringify(value)}`);
  return value;
}

/**
 * An option value as Odoo writes it in odoo.conf (booleans True/False, numbers in decimal):
 * what write-config writes and the probe reads back (test/render/instance.test.ts checks it
 * agrees with host/commands.ts confValue and plan/diff.ts odooOptionString).
 */
export function optionValue(v: Exclude<OdooOptionValue, SecretOption>): string {
  if (typeof v === 'boolean') return v ? 'True' : 'False';
  return String(v);
}

function escapeRegExp(text: string): string {
  return text.replace(/[\\^$.*+?()[\]{}|]/g, '\\$&');
}

export function composeYaml(inst: InstanceSpec): string {
  const dir = instanceDir(inst.name);
  const doc = {
    name: `odoo-${inst.name}`,
    services: {
      odoo: {
        image: '${ODOO_IMAGE}',
        depends_on: ['db'],
        ports: [`127.0.0.1:${inst.httpPort}:8069`],
        volumes: [`${dir}/odoo.conf:${ODOO_CONF}`, `${dir}/addons:${CONTAINER.addons}`, `${dir}/filestore:${CONTAINER.dataDir}`],
        restart: 'unless-stopped',
      },
      db: {
        image: DB_SERVICE.image,
        environment: { POSTGRES_USER: DB_SERVICE.user, POSTGRES_PASSWORD: DB_SERVICE.password, POSTGRES_DB: 'postgres' },
        volumes: ['db-data:/var/lib/postgresql/data'],
        restart: 'unless-stopped',
      },
    },
    volumes: { 'db-data': {} },
  };
  return `# Odoo instance "${inst.name}", rendered by odoops from the desired state.\n${stringify(doc)}`;
}

export function envContent(inst: InstanceSpec): string {
  return `ODOO_IMAGE=${refuseLineBreaks(`instance ${inst.name}: image`, inst.image)}\n`;
}

/** A managed option that is a secret reference ({ secret: env:NAME | file:PATH }). */
function isSecret(v: OdooOptionValue): v is SecretOption {
  return typeof v === 'object' && v !== null && typeof (v as SecretOption).secret === 'string';
}

/** Does odoo.conf carry a resolved secret (then it is written 0640, readable by the container's odoo group only)? */
export function confHasSecret(inst: InstanceSpec): boolean {
  return Object.values(inst.options).some(isSecret);
}

export function odooConf(inst: InstanceSpec, secrets: ResolvedSecrets = new Map()): string {
  const lines = [
    '[options]',
    `db_host = ${DB_SERVICE.host}`,
    `db_port = ${DB_SERVICE.port}`,
    `db_user = ${DB_SERVICE.user}`,
    `db_password = ${DB_SERVICE.password}`,
    `db_name = ${refuseLineBreaks(`instance ${inst.name}: database`, inst.database)}`,
    `data_dir = ${CONTAINER.dataDir}`,
  ];
  if (inst.addons.length > 0) lines.push(`addons_path = ${inst.addons.map((a) => containerAddonsPath(a.name)).join(',')}`);
  const options: [string, string][] = Object.keys(inst.options)
    .sort()
    .map((key) => {
      const what = `instance ${inst.name}: options.${key}`;
      if (ownedOption(key)) throw new RenderError('invalid-value', `${what} is set by odoops itself (db_*, addons_path, data_dir)`);
      if (!/^[a-z][a-z0-9_]*$/.test(key)) throw new RenderError('invalid-value', `${what}: not an odoo.conf option name`);
      const v = inst.options[key]!;
      // A secret's value is never quoted in an error: only its reference is named.
      if (isSecret(v)) {
        const value = secretValue(secrets, v.secret, what);
        if (/[\r\n\0]/.test(value)) throw new RenderError('invalid-value', `${what}: the value of ${v.secret} holds a line break`);
        return [key, value];
      }
      return [key, refuseLineBreaks(what, optionValue(v))];
    });
  // One database per instance: Odoo serves only it, even when list_db is on.
  if (!options.some(([k]) => k === 'dbfilter')) lines.push(`dbfilter = ^${escapeRegExp(inst.database)}$`);
  for (const [k, v] of options) lines.push(`${k} = ${v}`);
  return lines.join('\n') + '\n';
}

/** The directories an instance needs (created before its files). */
export function instanceDirectories(inst: InstanceSpec): RenderedDirectory[] {
  const dir = instanceDir(inst.name);
  return [
    { path: dir, mode: 0o755 },
    { path: `${dir}/addons`, mode: 0o755 },
    { path: `${dir}/filestore`, mode: 0o755 },
  ];
}

/**
 * The files of one instance. .env is root's only. odoo.conf must stay readable by the
 * container's odoo user (uid/gid 101 in the official image): 0644, or 0640 root:101 and
 * `secret` when a managed option is a secret (its resolved value comes from `secrets`).
 */
export function renderInstance(inst: InstanceSpec, secrets: ResolvedSecrets = new Map()): RenderedFile[] {
  const conf: RenderedFile = confHasSecret(inst)
    ? { path: confFile(inst.name), content: odooConf(inst, secrets), mode: 0o640, owner: `root:${ODOO_CONTAINER_GID}`, secret: true }
    : { path: confFile(inst.name), content: odooConf(inst), mode: 0o644 };
  return [
    { path: composeFile(inst.name), content: composeYaml(inst), mode: 0o644 },
    { path: envFile(inst.name), content: envContent(inst), mode: 0o600 },
    conf,
  ];
}

/**
 * Every instance's files of a client as one Rendering (files sorted by path, content digest).
 * No validation command: `docker compose config` is not part of the host contract.
 */
export function renderInstances(client: ClientSpec, secrets: ResolvedSecrets = new Map()): Rendering {
  return rendering(`instances ${client.name}`, client.instances.flatMap((inst) => renderInstance(inst, secrets)));
}

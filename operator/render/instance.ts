/**
 * The files of one Odoo instance on a server, rendered from the desired state (pure: no
 * I/O). Layout and shapes are the host contract's (operator/sandbox/standins/README.md):
 *   /srv/odoo/<I>/compose.yaml  compose project odoo-<I>: services odoo and db
 *   /srv/odoo/<I>/.env          ODOO_IMAGE=<image> (odoops switches images by rewriting it) and
 *                               DB_PASSWORD=<the instance's database password> (0600)
 *   /srv/odoo/<I>/odoo.conf     [options]: connection, data_dir, addons_path, managed options
 *                               (0640 root:101: it holds the database password)
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
 * The db service: PostgreSQL 15 as in the official image. It publishes no port; its password
 * is the instance's own (below), never part of the desired state.
 */
export const DB_SERVICE = { image: 'postgres:15', host: 'db', port: 5432, user: 'odoo' } as const;

/**
 * The database password of an instance: random, made when the instance is provisioned and
 * kept on the server only, in .env (0600) as DB_PASSWORD (compose passes it to the db
 * service) and in odoo.conf (0640 root:101). Never in argv, logs, reports or the config repo.
 * Provisioning renders with DB_PASSWORD_SLOT in its place; the provisioning helper
 * (operator/host/provision.py) puts the instance's password there on the server: the one
 * already in .env when a layout step runs again, else a new random one. Others pass the
 * password they read back (dbPasswordOf) or made (newDbPassword, operator side).
 */
export const DB_PASSWORD_KEY = 'DB_PASSWORD';
export const DB_PASSWORD_SLOT = 'odoops-db-password-slot-4b7e1c0a';
const DB_PASSWORD_FORM = /^[A-Za-z0-9_-]{24,128}$/;

/** The instance's database password as .env holds it (null when absent). */
export function dbPasswordOf(envText: string): string | null {
  const m = new RegExp(`^${DB_PASSWORD_KEY}=(.*)$`, 'm').exec(envText);
  return m && DB_PASSWORD_FORM.test(m[1]!.trim()) ? m[1]!.trim() : null;
}

function checkDbPassword(inst: InstanceSpec, password: string): string {
  // Never quoted: the value is a secret.
  if (!DB_PASSWORD_FORM.test(password)) throw new RenderError('invalid-value', `instance ${inst.name}: the database password must be 24 to 128 characters of [A-Za-z0-9_-]`);
  return password;
}

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
        // From .env (compose's interpolation): the password is in no file but .env and odoo.conf.
        environment: { POSTGRES_USER: DB_SERVICE.user, POSTGRES_PASSWORD: `\${${DB_PASSWORD_KEY}:?${DB_PASSWORD_KEY} missing in ${envFile(inst.name)}}`, POSTGRES_DB: 'postgres' },
        volumes: ['db-data:/var/lib/postgresql/data'],
        restart: 'unless-stopped',
      },
    },
    volumes: { 'db-data': {} },
  };
  return `# Odoo instance "${inst.name}", rendered by odoops from the desired state.\n${stringify(doc)}`;
}

export function envContent(inst: InstanceSpec, dbPassword: string): string {
  return `ODOO_IMAGE=${refuseLineBreaks(`instance ${inst.name}: image`, inst.image)}\n${DB_PASSWORD_KEY}=${checkDbPassword(inst, dbPassword)}\n`;
}

/** A managed option that is a secret reference ({ secret: env:NAME | file:PATH }). */
function isSecret(v: OdooOptionValue): v is SecretOption {
  return typeof v === 'object' && v !== null && typeof (v as SecretOption).secret === 'string';
}

/** Does odoo.conf carry a resolved secret (then it is written 0640, readable by the container's odoo group only)? */
export function confHasSecret(inst: InstanceSpec): boolean {
  return Object.values(inst.options).some(isSecret);
}

export function odooConf(inst: InstanceSpec, dbPassword: string, secrets: ResolvedSecrets = new Map()): string {
  const lines = [
    '[options]',
    `db_host = ${DB_SERVICE.host}`,
    `db_port = ${DB_SERVICE.port}`,
    `db_user = ${DB_SERVICE.user}`,
    `db_password = ${checkDbPassword(inst, dbPassword)}`,
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
 * The files of one instance, with its database password (DB_PASSWORD_SLOT when provisioning
 * through the helper). .env is root's only. odoo.conf holds the password and must stay
 * readable by the container's odoo user (uid/gid 101 in the official image): 0640 root:101.
 * Secret managed options come resolved in `secrets`.
 */
export function renderInstance(inst: InstanceSpec, dbPassword: string, secrets: ResolvedSecrets = new Map()): RenderedFile[] {
  return [
    { path: composeFile(inst.name), content: composeYaml(inst), mode: 0o644 },
    { path: envFile(inst.name), content: envContent(inst, dbPassword), mode: 0o600, secret: true },
    { path: confFile(inst.name), content: odooConf(inst, dbPassword, secrets), mode: 0o640, owner: `root:${ODOO_CONTAINER_GID}`, secret: true },
  ];
}

/**
 * Every instance's files of a client as one Rendering (files sorted by path, content digest).
 * No validation command: `docker compose config` is not part of the host contract.
 */
export function renderInstances(client: ClientSpec, dbPasswords: ReadonlyMap<string, string>, secrets: ResolvedSecrets = new Map()): Rendering {
  return rendering(`instances ${client.name}`, client.instances.flatMap((inst) => {
    const password = dbPasswords.get(inst.name);
    if (password === undefined) throw new RenderError('missing-setting', `instance ${inst.name}: no database password given`);
    return renderInstance(inst, password, secrets);
  }));
}

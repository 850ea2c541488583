/**
 * Traefik v3 dynamic configuration (file provider, YAML) of one client server: per instance
 * a router on `websecure` for its domain with TLS from the configured certificate resolver,
 * a router on `web` that only redirects to HTTPS, a service to the instance's loopback port,
 * and the protection the desired state asks for (IP allow-list, basic authentication, or
 * both), with the monitoring servers let through so the login-page check sees Odoo. The
 * static configuration it expects (entry points, file provider, resolver) is in README.md.
 * Basic-auth users are a resolved secret: they go to their own 0600 file, never into the
 * dynamic configuration, which can therefore be printed and diffed.
 */
import { stringify } from 'yaml';
import type { ClientSpec, InstanceSpec, ProtectionSpec } from '../desired/types.ts';
import { addressesOnly } from './addresses.ts';
import { rendering } from './digest.ts';
import { RenderError, secretValue, type RenderedFile, type Rendering, type ResolvedSecrets } from './types.ts';

export interface TraefikOptions {
  /** The file provider's directory (static configuration `providers.file.directory`). */
  dynamicDir?: string;
  /** Where basic-auth users files go (mounted into Traefik at the same path). */
  secretsDir?: string;
  /** Address Traefik reaches the instances' published ports at (host networking: loopback). */
  upstreamHost?: string;
  /** Entry point names of the static configuration. */
  webEntryPoint?: string;
  websecureEntryPoint?: string;
}

export const TRAEFIK_DEFAULTS: Required<TraefikOptions> = {
  dynamicDir: '/etc/traefik/dynamic',
  secretsDir: '/etc/traefik/odoops',
  upstreamHost: '127.0.0.1',
  webEntryPoint: 'web',
  websecureEntryPoint: 'websecure',
};

const REDIRECT = 'odoops-https-redirect';
const HEADERS = 'odoops-security-headers';

/** The basic-auth users file of an instance. */
export const usersFilePath = (instance: string, secretsDir = TRAEFIK_DEFAULTS.secretsDir): string => `${secretsDir}/${instance}.htpasswd`;

/**
 * htpasswd lines (name:hash), one user per line. Problems name the line, never its content:
 * the value is a secret.
 */
export function checkHtpasswd(value: string, where: string): string {
  const lines = value.split(/\r?\n/).map((l) => l.trim()).filter((l) => l !== '' && !l.startsWith('#'));
  if (lines.length === 0) throw new RenderError('invalid-value', `${where}: no users (expected htpasswd lines name:hash)`);
  for (const [i, l] of lines.entries()) {
    if (!/^[^:\s]+:\S+$/.test(l)) throw new RenderError('invalid-value', `${where}: user ${i + 1} is not an htpasswd line name:hash`);
    if (!/^[^:]+:(\$2[aby]\$|\$apr1\$|\{SHA\})/.test(l)) throw new RenderError('invalid-value', `${where}: user ${i + 1} is not hashed with bcrypt, apr1 or SHA (htpasswd -nbB NAME PASSWORD)`);
  }
  return `${lines.join('\n')}\n`;
}

const host = (domain: string) => `Host(\`${domain}\`)`;

interface Built {
  routers: Record<string, unknown>;
  services: Record<string, unknown>;
  middlewares: Record<string, unknown>;
  files: RenderedFile[];
}

function instanceConfig(c: ClientSpec, i: InstanceSpec, p: ProtectionSpec | undefined, secrets: ResolvedSecrets, o: Required<TraefikOptions>, out: Built): void {
  const id = `${c.name}-${i.name}`;
  const tls = { certResolver: c.proxy.certResolver };
  const where = `${c.file} proxy.protect.${i.name}`;
  const allow = p?.ipAllowList ?? [];
  const guarded = allow.length > 0 || p?.basicAuth !== undefined;
  // Only a guarded instance needs the monitoring servers' addresses (to let them through).
  const monitoring = guarded && p?.allowMonitoring !== false ? addressesOnly(c.monitoring.servers, `${c.file} monitoring.servers`, 'the proxy lets monitoring servers through by address; set allowMonitoring: false or use addresses') : { v4: [], v6: [] };
  const monitoringSources = [...monitoring.v4, ...monitoring.v6];

  const guards: string[] = [];
  if (allow.length > 0) {
    const a = addressesOnly(allow, `${where}.ipAllowList`);
    out.middlewares[`${id}-allow`] = { ipAllowList: { sourceRange: [...new Set([...a.v4, ...a.v6, ...monitoringSources])] } };
    guards.push(`${id}-allow`);
  }
  if (p?.basicAuth) {
    const usersFile = usersFilePath(i.name, o.secretsDir);
    const users = checkHtpasswd(secretValue(secrets, p.basicAuth.usersSecret, `${where}.basicAuth.usersSecret`), `${where}.basicAuth.usersSecret (${p.basicAuth.usersSecret})`);
    out.files.push({ path: usersFile, content: users, mode: 0o600, secret: true });
    out.middlewares[`${id}-auth`] = { basicAuth: { usersFile, realm: p.basicAuth.realm ?? `${c.name} ${i.name}`, removeHeader: true } };
    guards.push(`${id}-auth`);
  }

  out.routers[`${id}-http`] = { entryPoints: [o.webEntryPoint], rule: host(i.domain), middlewares: [REDIRECT], service: 'noop@internal' };
  out.routers[id] = { entryPoints: [o.websecureEntryPoint], rule: host(i.domain), middlewares: [HEADERS, ...guards], service: id, tls };
  // Basic auth would hide Odoo from the login-page check: the monitoring servers get their
  // own router, matched first because its rule is longer (Traefik's default priority).
  if (p?.basicAuth && monitoringSources.length > 0) {
    const from = monitoringSources.map((s) => `ClientIP(\`${s}\`)`).join(' || ');
    out.routers[`${id}-monitoring`] = { entryPoints: [o.websecureEntryPoint], rule: `${host(i.domain)} && (${from})`, middlewares: [HEADERS], service: id, tls };
  }
  out.services[id] = { loadBalancer: { servers: [{ url: `http://${o.upstreamHost}:${i.httpPort}` }], passHostHeader: true } };
}

/** The dynamic configuration as data (what the YAML file holds). */
export function traefikDynamicConfig(client: ClientSpec, secrets: ResolvedSecrets = new Map(), options: TraefikOptions = {}): { config: Record<string, unknown>; files: RenderedFile[] } {
  const o = { ...TRAEFIK_DEFAULTS, ...options };
  const out: Built = {
    routers: {},
    services: {},
    middlewares: {
      [REDIRECT]: { redirectScheme: { scheme: 'https', permanent: true } },
      [HEADERS]: { headers: { stsSeconds: 31536000, contentTypeNosniff: true, customFrameOptionsValue: 'SAMEORIGIN' } },
    },
    files: [],
  };
  const domains = new Map<string, string>();
  for (const i of client.instances) {
    const other = domains.get(i.domain);
    if (other) throw new RenderError('invalid-value', `${client.file}: instances ${other} and ${i.name} have the same domain ${i.domain}`);
    domains.set(i.domain, i.name);
    instanceConfig(client, i, client.proxy.protect[i.name], secrets, o, out);
  }
  for (const name of Object.keys(client.proxy.protect)) {
    if (!client.instances.some((i) => i.name === name)) throw new RenderError('invalid-value', `${client.file}: proxy.protect.${name}: no such instance`);
  }
  return { config: { http: { routers: out.routers, services: out.services, middlewares: out.middlewares } }, files: out.files };
}

export function renderTraefik(client: ClientSpec, secrets: ResolvedSecrets = new Map(), options: TraefikOptions = {}): Rendering {
  const o = { ...TRAEFIK_DEFAULTS, ...options };
  const { config, files } = traefikDynamicConfig(client, secrets, o);
  const header = `# Traefik dynamic configuration of ${client.name}: generated by odoops (odoops render traefik ${client.name}).\n# Edit the config repository instead; the static configuration it expects is in odoops' operator/render/README.md.\n`;
  const yaml = stringify(config, { lineWidth: 0, aliasDuplicateObjects: false });
  // Traefik has no offline checker: the output is checked against its JSON schema (traefik-schema.ts) instead.
  return rendering(`traefik ${client.name}`, [{ path: `${o.dynamicDir}/odoops.yml`, content: header + yaml, mode: 0o644 }, ...files]);
}

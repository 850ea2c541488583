/**
 * ClientSpec for a sandbox client, as the config repo the sandbox writes describes it
 * (literal, so these tests do not depend on the desired-state loader).
 */
import { BUILTIN_SECURITY } from '../../operator/desired/merge.ts';
import type { ClientSpec, InstanceSpec } from '../../operator/desired/types.ts';
import type { ConnectOptions } from '../../operator/live/ssh.ts';
import { serverSpec, type SandboxInfo } from '../util/sandbox.ts';

export const IMAGE = 'registry.example.com/odoo:17.0-20261101';

export function instanceSpec(info: SandboxInfo, name: 'test' | 'production', over: Partial<InstanceSpec> = {}): InstanceSpec {
  return {
    name,
    series: '17.0',
    image: IMAGE,
    database: name === 'test' ? 'acme_test' : 'acme_prod',
    domain: `${name}.acme.example`,
    httpPort: name === 'test' ? 8070 : 8069,
    modules: ['contacts', 'integrator_base'],
    removeModules: [],
    addons: [{ name: 'integrator-addons', url: info.addonsRepos['integrator-addons']!, ref: 'v1.0' }],
    options: { workers: 2 },
    windows: [],
    ...over,
  };
}

export function clientSpec(info: SandboxInfo, instances: InstanceSpec[], client = info.servers[0]!.client): ClientSpec {
  return {
    name: client,
    file: `clients/${client}.yaml`,
    server: serverSpec(info, client),
    instances,
    backups: { schedule: '0 1 * * *', timeZone: 'Europe/Paris', retention: { daily: 7, weekly: 4, monthly: 6 }, destinations: [], encryptionKey: 'env:X' },
    maintenance: {
      security: { kind: 'allow', schedule: '0 3 1 * *', duration: '2h', timeZone: 'Europe/Paris', manualSync: true },
      os: { kind: 'allow', schedule: '0 3 1 */3 *', duration: '3h', timeZone: 'Europe/Paris', manualSync: true },
    },
    monitoring: { servers: [], checks: [] },
    security: { ...BUILTIN_SECURITY },
    proxy: { certResolver: 'letsencrypt', protect: {} },
  };
}

export const ssh = (info: SandboxInfo): ConnectOptions => ({ privateKeyPath: info.privateKeyPath });

// Plain-data desired/live fixtures for plan and report tests: a client whose live state
// matches its desired state exactly, that each test then bends one way.
import { BUILTIN_SECURITY } from '../../operator/desired/merge.ts';
import type { ClientSpec, InstanceSpec, WindowSpec } from '../../operator/desired/types.ts';
import type { LiveInstance, LiveState } from '../../operator/live/types.ts';

export const SHA_V1 = '1111111111111111111111111111111111111111';
export const SHA_V2 = '2222222222222222222222222222222222222222';
export const REV = 'abcdefabcdefabcdefabcdefabcdefabcdefabcd';
export const URL = 'https://git.example.com/integrator/odoo-addons.git';

export const SUNDAY_WINDOW: WindowSpec = { kind: 'allow', schedule: '0 2 * * 0', duration: '3h', timeZone: 'Europe/Paris', manualSync: true };

export function instanceSpec(name: string, o: Partial<InstanceSpec> = {}): InstanceSpec {
  return {
    name,
    series: '17.0',
    image: 'registry.example.com/odoo:17.0-20261101',
    database: `acme_${name === 'production' ? 'prod' : name}`,
    domain: `${name}.acme.example`,
    httpPort: name === 'production' ? 8069 : 8070,
    modules: ['contacts', 'sale_management', 'integrator_base'],
    removeModules: ['website'],
    addons: [{ name: 'integrator-addons', url: URL, ref: 'v1.0' }],
    options: { workers: 2, limit_memory_hard: 2684354560, proxy_mode: true },
    windows: [],
    ...o,
  };
}

export function clientSpec(name = 'acme', instances?: InstanceSpec[]): ClientSpec {
  return {
    name,
    file: `clients/${name}.yaml`,
    server: { host: '203.0.113.10', port: 22, user: 'root', hostKey: 'SHA256:abc', os: 'ubuntu-22.04' },
    instances: instances ?? [instanceSpec('production'), instanceSpec('test')],
    backups: {
      schedule: '0 1 * * *',
      timeZone: 'Europe/Paris',
      retention: { daily: 7, weekly: 4, monthly: 6 },
      destinations: [],
      encryptionKey: 'env:RESTIC_PASSWORD_ACME',
    },
    maintenance: {
      security: { kind: 'allow', schedule: '0 3 1 * *', duration: '2h', timeZone: 'Europe/Paris', manualSync: true },
      os: { kind: 'allow', schedule: '0 3 1 */3 *', duration: '4h', timeZone: 'Europe/Paris', manualSync: true },
    },
    monitoring: { servers: [], checks: [] },
    security: { ...BUILTIN_SECURITY },
    proxy: { certResolver: 'letsencrypt', protect: {} },
  };
}

/** Live instance exactly matching `spec`. */
export function liveFor(spec: InstanceSpec): LiveInstance {
  const modules: LiveInstance['modules'] = {
    base: { state: 'installed', installedVersion: '17.0.1.3', manifestVersion: null },
    website: { state: 'uninstalled', installedVersion: null, manifestVersion: null },
    crm: { state: 'uninstalled', installedVersion: null, manifestVersion: null },
  };
  for (const m of spec.modules) {
    modules[m] = m.startsWith('integrator_')
      ? { state: 'installed', installedVersion: '17.0.1.0', manifestVersion: '17.0.1.0' }
      : { state: 'installed', installedVersion: '17.0.1.0', manifestVersion: null };
  }
  modules.integrator_reports = { state: 'uninstalled', installedVersion: null, manifestVersion: '17.0.1.0' };
  const options: Record<string, string> = {};
  for (const [k, v] of Object.entries(spec.options)) options[k] = typeof v === 'boolean' ? (v ? 'True' : 'False') : String(v);
  return {
    name: spec.name,
    present: true,
    image: spec.image,
    imageDigest: 'sha256:' + 'e'.repeat(64),
    running: true,
    odooVersion: spec.series,
    modules,
    addons: Object.fromEntries(spec.addons.map((a) => [a.name, { url: a.url, commit: SHA_V1, desiredCommit: SHA_V1 }])),
    options,
    lastApplied: { revision: REV, at: '2026-11-01T00:00:00Z' },
  };
}

export function liveState(spec: ClientSpec, tweak: (instances: Record<string, LiveInstance>) => void = () => {}): LiveState {
  const instances = Object.fromEntries(spec.instances.map((i) => [i.name, liveFor(i)]));
  tweak(instances);
  return { client: spec.name, reachable: true, host: { hostname: `${spec.name}-srv`, os: 'ubuntu-22.04' }, instances };
}

export const NOW = new Date('2026-11-25T10:00:00Z'); // a Wednesday

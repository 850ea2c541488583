/**
 * ClientSpec for a sandbox client, as the config repo the sandbox writes describes it
 * (literal, so these tests do not depend on the desired-state loader), and new commits of the
 * sandbox's fixture addons repository.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
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

/** Commits what EDIT does in a clone of the fixture addons repository, tags it TAG and pushes both (branch main). */
export function commitToAddons(info: SandboxInfo, edit: (dir: string) => void, tag: string, message = `fixture change for ${tag}`): void {
  const tmp = mkdtempSync(path.join(tmpdir(), 'odoops-addons-'));
  const git = (...a: string[]) => execFileSync('git', ['-C', tmp, '-c', 'user.name=t', '-c', 'user.email=t@example.com', ...a], { stdio: 'pipe' });
  try {
    execFileSync('git', ['clone', '-q', info.addonsRepos['integrator-addons']!, tmp], { stdio: 'pipe' });
    edit(tmp);
    git('add', '-A');
    git('commit', '-qm', message);
    git('tag', tag);
    git('push', '-q', 'origin', 'HEAD:main', tag);
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

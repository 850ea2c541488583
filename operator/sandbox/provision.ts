/**
 * Pre-install the Odoo instances of a sandbox server as if someone had set the server up by
 * hand before odoops managed it: the instance layout rendered by the product's renderer
 * (operator/render/instance.ts) from the desired state — its databases, ports and images
 * exactly — with base only: addons, managed options and modules are left for `odoops apply`.
 * Then, inside the server through the docker stand-in, the database is initialised with
 * `odoo -i base` and the instance is started with `up -d`. (`sandbox up --bare` skips all this.)
 */
import { chmod, mkdir, writeFile } from 'node:fs/promises';
import type { ClientSpec, InstanceSpec } from '../desired/types.ts';
import { composeFile, ODOO_CONF } from '../host/paths.ts';
import { newDbPassword } from '../secrets/db-password.ts';
import { instanceDirectories, renderInstance } from '../render/instance.ts';
import { OdoopsError } from '../util/errors.ts';
import { enterArgv, machinePath } from './host.ts';
import { run } from './proc.ts';
import { serverEnv } from './server.ts';
import type { SandboxState, ServerRecord } from './state.ts';

/** The instance as installed before odoops: no addons checkouts, Odoo's default options. */
export function preinstalled(inst: InstanceSpec): InstanceSpec {
  return { ...inst, addons: [], options: {} };
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
  spec: ClientSpec,
): Promise<Record<string, { database: string; httpPort: number }>> {
  const done: Record<string, { database: string; httpPort: number }> = {};
  // Instances are independent compose projects with their own database: set up side by side.
  await Promise.all(
    spec.instances.map(async (inst) => {
      const installed = preinstalled(inst);
      // Written from outside, where the server's own /srv is.
      for (const d of instanceDirectories(installed)) {
        await mkdir(machinePath(rec, d.path), { recursive: true });
        await chmod(machinePath(rec, d.path), d.mode);
      }
      for (const f of renderInstance(installed, newDbPassword())) await writeFile(machinePath(rec, f.path), f.content, { mode: f.mode });
      const compose = ['docker', 'compose', '-f', composeFile(inst.name)];
      await inServer(
        state,
        rec,
        [...compose, 'run', '--rm', '-T', 'odoo', 'odoo', '-c', ODOO_CONF, '-d', inst.database, '-i', 'base', '--without-demo=all', '--stop-after-init', '--no-http'],
        `initialising database ${inst.database}`,
      );
      await inServer(state, rec, [...compose, 'up', '-d'], `starting instance ${inst.name}`);
      done[inst.name] = { database: inst.database, httpPort: inst.httpPort };
    }),
  );
  return done;
}

/** One line per provisioning step, for plans, progress and reports (pure). */
import type { Action } from '../plan/types.ts';
import { isProvisionAction, type ProvisionAction } from './types.ts';

export function describeProvisionAction(a: ProvisionAction): string {
  switch (a.kind) {
    case 'provision-layout':
      return `create the layout of ${a.instance}: compose.yaml, .env, odoo.conf, addons/, filestore/ (refused if data is there)`;
    case 'provision-addons':
      return `clone addons ${a.repo.name} at ${a.repo.ref}${a.repo.credentials ? ' with its credentials' : ''}`;
    case 'provision-start-db':
      return `start the database service of ${a.instance}`;
    case 'provision-database':
      return `create database ${a.database} (odoo -i base --without-demo=all; refused if it exists)`;
    case 'provision-modules':
      return `install ${a.modules.join(', ')} (odoo -i --without-demo=all)`;
    case 'provision-start':
      return `start odoo of ${a.instance}`;
    case 'provision-done':
      return `provisioning of ${a.instance} done: remove its marker`;
  }
}

/** The headline of a provisioning plan: what the new instance gets. */
export function provisionHeadline(actions: Action[]): string {
  const steps = actions.filter(isProvisionAction);
  const parts: string[] = [];
  for (const a of steps) {
    if (a.kind === 'provision-database') parts.push(`database ${a.database}`);
    if (a.kind === 'provision-addons') parts.push(`addons ${a.repo.name}@${a.repo.ref}`);
    if (a.kind === 'provision-modules') parts.push(`modules ${a.modules.join(', ')}`);
  }
  return `provision from the desired state: ${parts.join('; ')}`;
}

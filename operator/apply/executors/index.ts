/** One executor per Action kind; the tables are exhaustive, so a new kind fails to compile until handled. */
import type { Action, ActionKind } from '../../plan/types.ts';
import type { ExecContext, Touched } from '../context.ts';
import { checkoutAddons } from './checkout-addons.ts';
import { healthCheck } from './health-check.ts';
import { installModules } from './install-modules.ts';
import { provisionAddonsStep } from './provision/addons.ts';
import { provisionDatabaseStep, provisionModulesStep } from './provision/database.ts';
import { provisionDoneStep } from './provision/done.ts';
import { provisionLayoutStep } from './provision/layout.ts';
import { provisionStartDbStep, provisionStartStep } from './provision/services.ts';
import { pullImage } from './pull-image.ts';
import { recordRevision } from './record-revision.ts';
import { start } from './start.ts';
import { stop } from './stop.ts';
import { fetchAddons } from './fetch-addons.ts';
import { snapshot } from './snapshot.ts';
import { switchImage } from './switch-image.ts';
import { uninstallModules } from './uninstall-modules.ts';
import { upgradeModules } from './upgrade-modules.ts';
import { writeConfig } from './write-config.ts';

type Executors = { [K in ActionKind]: (action: Extract<Action, { kind: K }>, ctx: ExecContext) => Promise<void> };

export const executors: Executors = {
  snapshot,
  'pull-image': pullImage,
  'fetch-addons': fetchAddons,
  stop,
  'checkout-addons': checkoutAddons,
  'write-config': writeConfig,
  'switch-image': switchImage,
  start,
  'install-modules': installModules,
  'upgrade-modules': upgradeModules,
  'uninstall-modules': uninstallModules,
  'health-check': healthCheck,
  'record-revision': recordRevision,
  'provision-layout': provisionLayoutStep,
  'provision-addons': provisionAddonsStep,
  'provision-start-db': provisionStartDbStep,
  'provision-database': provisionDatabaseStep,
  'provision-modules': provisionModulesStep,
  'provision-start': provisionStartStep,
  'provision-done': provisionDoneStep,
};

export function execute(action: Action, ctx: ExecContext): Promise<void> {
  return (executors[action.kind] as (a: Action, c: ExecContext) => Promise<void>)(action, ctx);
}

/**
 * What each kind may change on the server, recorded before it starts: the rollback restores
 * exactly that. Pulling an image only adds one; the snapshot's own "odoo stopped" is recorded
 * by the snapshot when it happens.
 */
export const TOUCHES: { readonly [K in ActionKind]: readonly Touched[] } = {
  snapshot: [],
  'pull-image': [],
  // Objects only (and, first time, a clone with no working tree): nothing odoo reads changes.
  'fetch-addons': [],
  stop: ['odoo-stopped'],
  'checkout-addons': ['addons', 'conf'],
  'write-config': ['conf'],
  'switch-image': ['env', 'container'],
  start: ['container'],
  'install-modules': ['database'],
  'upgrade-modules': ['database'],
  'uninstall-modules': ['database'],
  'health-check': [],
  'record-revision': [],
  // Provisioning only creates what was not there: nothing to snapshot or roll back. A failed
  // step leaves the provisioning marker instead (executors/provision/failure.ts).
  'provision-layout': [],
  'provision-addons': [],
  'provision-start-db': [],
  'provision-database': [],
  'provision-modules': [],
  'provision-start': [],
  'provision-done': [],
};

/** Kinds that change the server (a snapshot must exist before the first of them). */
export const MUTATING: ReadonlySet<ActionKind> = new Set((Object.keys(TOUCHES) as ActionKind[]).filter((k) => TOUCHES[k].length > 0));

/** Kinds whose rollback restores the database: the snapshot must dump it (and stop odoo first). */
export const DATABASE_KINDS: ReadonlySet<ActionKind> = new Set((Object.keys(TOUCHES) as ActionKind[]).filter((k) => TOUCHES[k].includes('database')));

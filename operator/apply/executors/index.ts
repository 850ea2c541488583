/** One executor per Action kind; the table is exhaustive, so a new kind fails to compile until handled. */
import type { Action, ActionKind } from '../../plan/types.ts';
import type { ExecContext } from '../context.ts';
import { backup } from './backup.ts';
import { checkoutAddons } from './checkout-addons.ts';
import { healthCheck } from './health-check.ts';
import { installModules } from './install-modules.ts';
import { pullImage } from './pull-image.ts';
import { recordRevision } from './record-revision.ts';
import { restart } from './restart.ts';
import { switchImage } from './switch-image.ts';
import { uninstallModules } from './uninstall-modules.ts';
import { upgradeModules } from './upgrade-modules.ts';
import { writeConfig } from './write-config.ts';

type Executors = { [K in ActionKind]: (action: Extract<Action, { kind: K }>, ctx: ExecContext) => Promise<void> };

export const executors: Executors = {
  backup,
  'pull-image': pullImage,
  'checkout-addons': checkoutAddons,
  'write-config': writeConfig,
  'switch-image': switchImage,
  restart,
  'install-modules': installModules,
  'upgrade-modules': upgradeModules,
  'uninstall-modules': uninstallModules,
  'health-check': healthCheck,
  'record-revision': recordRevision,
};

export function execute(action: Action, ctx: ExecContext): Promise<void> {
  return (executors[action.kind] as (a: Action, c: ExecContext) => Promise<void>)(action, ctx);
}

/** Kinds that change the server (a backup must exist before the first of them). */
export const MUTATING: ReadonlySet<ActionKind> = new Set<ActionKind>([
  'checkout-addons', 'write-config', 'switch-image', 'restart', 'install-modules', 'upgrade-modules', 'uninstall-modules',
]);

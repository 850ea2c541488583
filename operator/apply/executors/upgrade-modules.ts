import type { Action } from '../../plan/types.ts';
import { MODULE_VERSIONS_MARK, odooModuleVersions, odooUpgrade } from '../../host/commands.ts';
import { ActionFailure, run, trimOutput, type ExecContext } from '../context.ts';
import { readModules, unexpectedStates } from '../modules.ts';

/**
 * `odoo -u` of the modules the plan found changed (manifest version or files); after an image
 * switch, also the modules whose manifest version in the new image differs from the database's
 * latest_version (core modules), read now that the image is there. The versions are checked
 * against the manifests by the health check's read-back.
 */
export async function upgradeModules(action: Extract<Action, { kind: 'upgrade-modules' }>, ctx: ExecContext): Promise<void> {
  const modules = new Set(action.modules);
  if (action.coreAfterPull) {
    const changed = await changedInImage(ctx, action.instance);
    const added = changed.filter((c) => !modules.has(c.module));
    for (const c of added) modules.add(c.module);
    ctx.note(added.length ? `core modules after the image switch: ${added.map((c) => `${c.module} ${c.from ?? '(none)'} → ${c.to}`).join(', ')}` : 'core modules: no manifest version differs in the new image');
  }
  if (modules.size === 0) return;
  const list = [...modules].sort();
  const res = await run(ctx, odooUpgrade(action.instance, ctx.instance.database, list));
  for (const m of list) ctx.upgraded.add(m);
  const rows = await readModules(ctx, action.instance, ctx.instance.database);
  const bad = unexpectedStates(rows, list, (s) => s === 'installed');
  if (bad.length) {
    throw new ActionFailure(`not installed after odoo -u (exit 0): ${bad.join(', ')}`, res.command, trimOutput(res.stderr || res.stdout));
  }
}

/** Installed modules whose manifest (as the instance's image and code now hold it) differs from the database's latest_version. */
async function changedInImage(ctx: ExecContext, instance: string): Promise<{ module: string; from: string | null; to: string }[]> {
  const res = await run(ctx, odooModuleVersions(instance, ctx.instance.database));
  const line = res.stdout.split('\n').find((l) => l.startsWith(MODULE_VERSIONS_MARK));
  if (!line) throw new ActionFailure('odoo shell printed no module versions', res.command, trimOutput(res.stderr || res.stdout));
  let data: Record<string, [string | null, string | null]>;
  try {
    data = JSON.parse(line.slice(MODULE_VERSIONS_MARK.length)) as Record<string, [string | null, string | null]>;
  } catch (e) {
    throw new ActionFailure(`odoo shell printed unreadable module versions: ${(e as Error).message}`, res.command, line.slice(0, 500));
  }
  return Object.entries(data)
    .filter(([, [manifest, db]]) => manifest !== null && manifest !== db)
    .map(([module, [manifest, db]]) => ({ module, from: db, to: manifest! }))
    .sort((a, b) => (a.module < b.module ? -1 : 1));
}

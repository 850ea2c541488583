/**
 * Read-back after changes: the instance must now BE what the desired state says —
 * image configured and running, modules installed/removed/upgraded, addons commits, options.
 */
import type { InstanceSpec } from '../desired/types.ts';
import { odooOptionString } from '../plan/diff.ts';
import type { LiveInstance } from '../live/types.ts';

export function readBackProblems(spec: InstanceSpec, live: LiveInstance | undefined, upgraded: Set<string>): string[] {
  if (!live || !live.present) return [`instance ${spec.name} not found on the server`];
  const problems: string[] = [];
  if (live.image !== spec.image) problems.push(`.env ODOO_IMAGE is ${live.image ?? 'unset'}, expected ${spec.image}`);
  if (!live.running) problems.push('odoo container is not running');
  else if (live.runningImage && live.runningImage !== spec.image) problems.push(`running image is ${live.runningImage}, expected ${spec.image}`);
  for (const m of spec.modules) {
    const row = live.modules[m];
    if (row?.state !== 'installed') problems.push(`module ${m} is ${row?.state ?? 'unknown to Odoo'}, expected installed`);
  }
  for (const m of spec.removeModules) {
    const row = live.modules[m];
    if (row && (row.state === 'installed' || row.state === 'to upgrade' || row.state === 'to remove')) {
      problems.push(`module ${m} is ${row.state}, expected uninstalled`);
    }
  }
  for (const m of upgraded) {
    const row = live.modules[m];
    if (row?.manifestVersion && row.installedVersion !== row.manifestVersion) {
      problems.push(`module ${m} is at ${row.installedVersion ?? 'no version'}, manifest says ${row.manifestVersion}`);
    }
  }
  for (const a of spec.addons) {
    const got = live.addons[a.name];
    if (!got?.commit) problems.push(`addons ${a.name} is not checked out`);
    else if (got.desiredCommit && got.commit !== got.desiredCommit) problems.push(`addons ${a.name} at ${got.commit.slice(0, 12)}, ${a.ref} is ${got.desiredCommit.slice(0, 12)}`);
  }
  for (const [k, v] of Object.entries(spec.options)) {
    // Secret options read back as "(secret)" when the server holds the desired value.
    if (live.options[k] !== odooOptionString(v)) problems.push(`option ${k} is ${live.options[k] ?? 'unset'}, expected ${odooOptionString(v)}`);
  }
  return problems;
}

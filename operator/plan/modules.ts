/**
 * Which installed modules an apply upgrades, and why (pure). The approach of click-odoo-update:
 * a module is upgraded when its manifest version differs from the database's latest_version,
 * or when its files' checksum differs from the one recorded on the server at the last apply.
 * The probe reads both at the commit the apply will check out (operator/host/probe.py), so a
 * module that a new addons commit leaves untouched is not upgraded. Core modules after an
 * image switch cannot be known before the image is pulled: apply decides them then.
 */
import type { LiveInstance } from '../live/types.ts';
import type { Change, ModuleUpgrade } from './types.ts';

export interface UpgradeDecision {
  upgrade: ModuleUpgrade[];
  /** An image switch within the series: core modules are compared with the new image at apply time. */
  coreAfterPull: boolean;
}

/** Installed modules to upgrade (installs and uninstalls excluded), by name, each with its cause. */
export function decideUpgrades(live: LiveInstance, opts: { exclude: readonly string[]; imageChanged: boolean }): UpgradeDecision {
  const upgrade: ModuleUpgrade[] = [];
  // Hundreds of modules, a few installed: filter, then sort what is left by name.
  const installed: string[] = [];
  for (const name in live.modules) if (live.modules[name]!.state === 'installed' && !opts.exclude.includes(name)) installed.push(name);
  for (const name of installed.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))) {
    const m = live.modules[name]!;
    if (m.manifestVersion !== null && m.installedVersion !== null && m.manifestVersion !== m.installedVersion) {
      upgrade.push({ module: name, cause: 'version', from: m.installedVersion, to: m.manifestVersion });
    } else if (m.checksum && m.appliedChecksum && m.checksum !== m.appliedChecksum) {
      upgrade.push({ module: name, cause: 'code', from: m.installedVersion, to: m.manifestVersion });
    }
  }
  return { upgrade, coreAfterPull: opts.imageChanged };
}

/** "17.0.1.0 → 17.0.1.1" or "code changed (17.0.1.0)". */
export function upgradeReason(u: ModuleUpgrade): string {
  return u.cause === 'version' ? `${u.from ?? '(none)'} → ${u.to ?? '(none)'}` : `code changed${u.to ? ` (${u.to})` : ''}`;
}

export const CORE_AFTER_PULL = 'core modules: decided after pull';

/**
 * The plan's module changes say why each upgrade happens: the diff's version leaves are
 * replaced by one change per upgraded module, and an image switch adds the core note.
 */
export function withUpgradeReasons(changes: Change[], d: UpgradeDecision): Change[] {
  const upgraded = new Set(d.upgrade.map((u) => u.module));
  const kept = changes.filter((c) => !(c.path.startsWith('modules.') && c.path.endsWith('.version') && upgraded.has(c.path.split('.')[1]!)));
  const out = [...kept, ...d.upgrade.map((u) => ({ path: `modules.${u.module}.version`, from: u.from, to: u.to, reason: upgradeReason(u) }))];
  if (d.coreAfterPull) out.push({ path: 'modules.(core)', from: null, to: null, reason: CORE_AFTER_PULL });
  return out.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

/** What record-revision writes: the checksum of every module on disk at the commit checked out. */
export function moduleChecksums(live: LiveInstance): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name in live.modules) {
    const checksum = live.modules[name]!.checksum;
    if (checksum) out[name] = checksum;
  }
  return out;
}

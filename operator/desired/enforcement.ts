/**
 * The optional sections of the config and what acts on each, in one place. Leaving one out
 * is a warning saying what is then not done, never an error; the warning, `odoops show`, the
 * schema descriptions and the README say who enforces it (test/desired/enforcement.test.ts
 * checks they agree). Some are enforced only when asked: the files odoops keeps on servers
 * (backups, NRPE, the security baseline) and Nagios on the monitoring servers are applied by
 * `odoops apply --managed-files` or `odoops serve --managed-files` (and `odoops backup`
 * installs the backup files it runs), not by a plain `odoops apply`.
 */

export interface OptionalSection {
  /** Key path as written, e.g. "backups" (client) or "operator.forge" (fleet.yaml). */
  path: string;
  where: 'client' | 'fleet';
  /** Where a fleet sets it for every client (client sections only). */
  fleetDefault?: string;
  /** What is not done for a client or fleet that leaves it out (absent: a built-in default applies, no warning). */
  ifOmitted?: string;
  /** Exactly what acts on it, as printed in warnings and by `odoops show`. */
  enforcedBy: string;
  /** True when a plain `odoops apply` does not put it on the servers (it takes --managed-files). */
  onlyWithManagedFiles: boolean;
}

/** The commands that put the files odoops keeps on servers (and Nagios) in place. */
export const MANAGED_FILES_APPLY = 'odoops apply --managed-files or odoops serve --managed-files';

export const OPTIONAL_SECTIONS: readonly OptionalSection[] = [
  {
    path: 'backups', where: 'client', fleetDefault: 'defaults.backups', ifOmitted: 'no off-site backups are set up',
    enforcedBy: `installed on the servers only by ${MANAGED_FILES_APPLY} (and odoops backup); their health is checked by every plan and drift`,
    onlyWithManagedFiles: true,
  },
  {
    path: 'maintenance.security', where: 'client', fleetDefault: 'defaults.maintenance.security', ifOmitted: 'no window is set for monthly security updates',
    enforcedBy: 'the window of odoops maintain --kind security', onlyWithManagedFiles: false,
  },
  {
    path: 'maintenance.os', where: 'client', fleetDefault: 'defaults.maintenance.os', ifOmitted: 'no window is set for quarterly OS and software updates',
    enforcedBy: 'the window of odoops maintain --kind os', onlyWithManagedFiles: false,
  },
  {
    path: 'monitoring', where: 'client', fleetDefault: 'defaults.monitoring (or monitoringServers)', ifOmitted: 'no Nagios server is allowed to query NRPE and no check is set up',
    enforcedBy: `NRPE on the servers and Nagios on the monitoring servers, applied only by ${MANAGED_FILES_APPLY}`, onlyWithManagedFiles: true,
  },
  // Left out, the built-in baseline (merge.ts BUILTIN_SECURITY) applies: nothing to warn about.
  { path: 'security', where: 'fleet', enforcedBy: `the security baseline (sshd, fail2ban, nftables, unattended-upgrades), applied only by ${MANAGED_FILES_APPLY}`, onlyWithManagedFiles: true },
  {
    path: 'operator.forge', where: 'fleet', ifOmitted: 'plans and results are not posted on merge requests, drift opens no issue and reinstall prints a patch instead of opening a merge request',
    enforcedBy: 'used by odoops serve, plan --comment-mr, drift --report and reinstall', onlyWithManagedFiles: false,
  },
];

/** The note a warning about an omitted section ends with: "(installed on the servers only by ...)". */
export function enforcementNote(s: OptionalSection): string {
  return `(${s.enforcedBy})`;
}

/** Client sections of OPTIONAL_SECTIONS, by path. */
export const CLIENT_SECTIONS = OPTIONAL_SECTIONS.filter((s) => s.where === 'client');
export const FLEET_SECTIONS = OPTIONAL_SECTIONS.filter((s) => s.where === 'fleet');

/** What `odoops show` prints before the sections a plain apply leaves alone. */
export const MANAGED_FILES_NOTE = `enforced only by ${MANAGED_FILES_APPLY}`;

/**
 * The sections a resolved client has (declared, or the built-in security baseline) that a
 * plain `odoops apply` does not put on its server, for `odoops show`.
 */
export function declaredOnlyWithManagedFiles(spec: { backups?: unknown; monitoring: { servers: unknown[]; checks: unknown[] } }): string[] {
  const out: string[] = [];
  if (spec.backups) out.push('backups');
  if (spec.monitoring.servers.length || spec.monitoring.checks.length) out.push('monitoring');
  // Always resolved (the built-in baseline when nothing is declared).
  out.push('security');
  return out;
}

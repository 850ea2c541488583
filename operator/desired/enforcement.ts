/**
 * Sections of the config that odoops reads and checks but does not act on yet (their issues
 * have not landed). They are optional: leaving one out is a warning saying what will then not
 * be done, never an error. The schema descriptions say "Declared, not yet enforced by odoops"
 * for each (test/desired/enforcement.test.ts checks it), `odoops show` lists them, and the
 * README's config section says the same. Remove an entry when odoops enforces the section.
 */

export interface NotYetEnforced {
  /** Key path as written, e.g. "backups" (client) or "operator.forge" (fleet.yaml). */
  path: string;
  where: 'client' | 'fleet';
  /** Where a fleet sets it for every client (client sections only). */
  fleetDefault?: string;
  /** What is not done for a client or fleet that leaves it out (absent: a built-in default applies, no warning). */
  ifOmitted?: string;
}

export const NOT_YET_ENFORCED: readonly NotYetEnforced[] = [
  { path: 'backups', where: 'client', fleetDefault: 'defaults.backups', ifOmitted: 'no off-site backups are set up' },
  { path: 'maintenance.security', where: 'client', fleetDefault: 'defaults.maintenance.security', ifOmitted: 'no window is set for monthly security updates' },
  { path: 'maintenance.os', where: 'client', fleetDefault: 'defaults.maintenance.os', ifOmitted: 'no window is set for quarterly OS and software updates' },
  { path: 'monitoring', where: 'client', fleetDefault: 'defaults.monitoring (or monitoringServers)', ifOmitted: 'no Nagios server is allowed to query NRPE and no check is set up' },
  // Left out, the built-in baseline (merge.ts BUILTIN_SECURITY) applies: nothing to warn about.
  { path: 'security', where: 'fleet' },
  { path: 'operator.forge', where: 'fleet', ifOmitted: 'plans and results are not posted on merge requests and drift opens no issue' },
];

export const NOT_ENFORCED_NOTE = 'declared, not yet enforced by odoops';

/** Client sections of NOT_YET_ENFORCED, by path. */
export const CLIENT_SECTIONS = NOT_YET_ENFORCED.filter((s) => s.where === 'client');
export const FLEET_SECTIONS = NOT_YET_ENFORCED.filter((s) => s.where === 'fleet');

/** The not-yet-enforced sections a resolved client has (declared), for `odoops show`. */
export function declaredNotEnforced(spec: { backups?: unknown; maintenance: { security?: unknown; os?: unknown }; monitoring: { servers: unknown[]; checks: unknown[] } }): string[] {
  const out: string[] = [];
  if (spec.backups) out.push('backups');
  if (spec.maintenance.security) out.push('maintenance.security');
  if (spec.maintenance.os) out.push('maintenance.os');
  if (spec.monitoring.servers.length || spec.monitoring.checks.length) out.push('monitoring');
  // Always resolved (the built-in baseline when nothing is declared); rendered, not applied yet.
  out.push('security');
  return out;
}

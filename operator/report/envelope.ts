/**
 * The one shape of `--json` output for plan, apply and drift (format 2): what ran, at which
 * revision and when, then one entry per client in selection order. Scripts check `format`
 * first; a change that breaks readers bumps it. Printed through toJson (sorted keys, URL
 * credentials redacted).
 */
import type { ApplyResult } from '../apply/types.ts';
import type { ClientStatus, DriftCounts, FleetDriftStatus } from '../drift/types.ts';
import type { Plan } from '../plan/types.ts';

export const JSON_FORMAT = 2;

export type JsonCommand = 'plan' | 'apply' | 'drift';

export interface JsonReport<Client> {
  format: typeof JSON_FORMAT;
  command: JsonCommand;
  /** The config repo commit the run read (the working tree's base when it read a dirty tree). */
  revision: string;
  /** When the run ended (drift: when it read the servers), ISO 8601 UTC; follows ODOOPS_NOW. */
  at: string;
  /** plan: Plan per client; apply: ApplyResult per client; drift: ClientStatus per client. */
  clients: Client[];
  /** With --managed-files: Nagios on each monitoring server (operator/managed/monitoring.ts MonitoringOutcome). */
  monitoring?: readonly unknown[];
  /** drift only: whether any server drifted, and the counts per state. */
  drifted?: boolean;
  counts?: DriftCounts;
}

interface Common {
  revision: string;
  at: Date;
  monitoring?: readonly unknown[] | undefined;
}

function envelope<C>(command: JsonCommand, c: Common, clients: C[]): JsonReport<C> {
  return { format: JSON_FORMAT, command, revision: c.revision, at: c.at.toISOString(), clients, ...(c.monitoring ? { monitoring: c.monitoring } : {}) };
}

export function planJson(plans: Plan[], c: Common): JsonReport<Plan> {
  return envelope('plan', c, plans);
}

export function applyJson(results: ApplyResult[], c: Common): JsonReport<ApplyResult> {
  return envelope('apply', c, results);
}

export function driftJson(status: FleetDriftStatus, monitoring?: readonly unknown[]): JsonReport<ClientStatus> {
  return { ...envelope('drift', { revision: status.revision, at: new Date(status.checkedAt), monitoring }, status.clients), drifted: status.drifted, counts: status.counts };
}

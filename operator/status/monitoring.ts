/**
 * Pure: the fleet view's monitoring column from what odoops knows of the client's side of
 * monitoring: whether its NRPE configuration (the managed unit "nrpe", checked by the probe
 * with the other managed files) is in place as the inventory renders it. The Nagios check
 * results themselves live on the monitoring servers and are not collected by odoops.
 */
import type { ClientSpec } from '../desired/types.ts';
import type { ManagedPlan } from '../managed/types.ts';
import type { MonitoringStatus } from './types.ts';

export const NRPE_UNIT = 'nrpe';
export const MONITORING_NOT_CHECKED = 'the managed files were not checked (no fleet settings given)';

export function monitoringStatus(spec: ClientSpec, managed: ManagedPlan | undefined, reachable: boolean): MonitoringStatus {
  const checks = spec.monitoring.checks.length;
  if (spec.monitoring.servers.length === 0) return { state: 'not-monitored', detail: `no monitoring servers declared for ${spec.name} (monitoring.servers, or fleet.yaml monitoringServers)` };
  if (!reachable) return { state: 'unknown', reason: 'server unreachable' };
  if (!managed) return { state: 'unknown', reason: MONITORING_NOT_CHECKED };
  if (managed.blocked) return { state: 'unknown', reason: managed.blocked.message };
  const refused = managed.refused.find((r) => r.unit === NRPE_UNIT);
  if (refused) return { state: 'refused', detail: refused.reason.message };
  const drift = managed.drift.find((d) => d.unit === NRPE_UNIT);
  if (drift) {
    const files = drift.files.map((f) => `${f.path} (${f.change === 'create' ? 'missing' : `${f.differs.join(', ')} differ${f.differs.length === 1 ? 's' : ''}`})`);
    return { state: 'drifted', checks, detail: `NRPE configuration differs from the inventory: ${files.join('; ')}` };
  }
  return { state: 'in-place', checks, detail: `NRPE configuration in place: ${checks} check${checks === 1 ? '' : 's'}, queried only by ${spec.monitoring.servers.join(', ')}` };
}

/**
 * Pending vs drift (pure). For each instance, three states meet: what the desired state asks
 * now, what odoops last applied (recorded on the server with the revision), and what the
 * server has now.
 *
 * - server != applied            -> drift (someone or something changed the server);
 * - desired != applied           -> pending (applied at the next apply inside the window);
 * - nothing recorded yet          -> every difference is pending (odoops never applied here);
 * - a record from before applied states were kept: drift only when it names the revision
 *   being checked (the desired state did not move, so the server did), else pending;
 * - differences the record cannot see (an image removed, a container stopped) with nothing
 *   pending: drift, as the plan reports them;
 * - a failed rollback's marker or a partial reading: attention (a person must look).
 */
import type { ClientSpec } from '../desired/types.ts';
import type { LiveInstance, LiveState } from '../live/types.ts';
import type { InstancePlan, Plan, Reason, ReasonCode } from '../plan/types.ts';
import { TRANSIENT } from '../plan/types.ts';
import { managedChanges } from '../plan/managed.ts';
import { appliedStateOf, diffAppliedStates, liveStateView, parseAppliedState, resolvedAddonsOf } from './applied-state.ts';
import type { ClientState, ClientStatus, DriftCounts, FleetDriftStatus, InstanceState, InstanceStatus, PendingChange } from './types.ts';

/** Blocked reasons that are the person's to clear, whatever the desired state says. */
const ATTENTION: ReadonlySet<ReasonCode> = new Set(['needs-manual-restore', 'live-incomplete']);

export interface ClientObservation {
  spec: ClientSpec;
  live: LiveState;
  plan: Plan;
  /** Per instance, the digests (secretMarks) of the secret option values resolved now. */
  secretMarks?: Record<string, Record<string, string>>;
}

const short = (rev: string) => rev.slice(0, 12);

function hasDifferences(ip: InstancePlan): boolean {
  return ip.changes.length > 0 || ip.actions.length > 0;
}

/** One instance; `revision` is the config revision checked (the plan's). */
export function classifyInstance(spec: ClientSpec, revision: string, ip: InstancePlan, live: LiveInstance | undefined, marks: Record<string, string> = {}): InstanceStatus {
  const recorded = live?.lastApplied ? { revision: live.lastApplied.revision, at: live.lastApplied.at } : null;
  const base = { instance: ip.instance, lastApplied: recorded };
  if (ip.blocked && ATTENTION.has(ip.blocked.code)) {
    return { ...base, state: 'attention', drift: [], pending: null, attention: ip.blocked };
  }
  const instSpec = spec.instances.find((i) => i.name === ip.instance);
  const applied = parseAppliedState(live?.lastApplied?.applied);
  let drift = [] as InstanceStatus['drift'];
  let pending: PendingChange | null = null;
  const pendingOf = (changes: PendingChange['changes'], neverApplied = false): PendingChange => ({
    changes,
    window: ip.window,
    ...(ip.blocked ? { blocked: ip.blocked } : {}),
    ...(neverApplied ? { neverApplied } : {}),
  });

  if (applied && live?.present && instSpec && recorded) {
    drift = diffAppliedStates(applied, liveStateView(live, applied, marks), () => `changed on the server since odoops applied ${short(recorded.revision)}`);
    const expected = appliedStateOf(instSpec, resolvedAddonsOf(live), marks);
    const moved = diffAppliedStates(applied, expected, () => `desired state changed since ${short(recorded.revision)}`);
    if (moved.length > 0) pending = pendingOf(drift.length === 0 && ip.changes.length > 0 ? ip.changes : moved);
    // What the record cannot see (image removed, stopped container, module code newer than the
    // database) while nothing is pending: the server moved.
    else if (drift.length === 0 && hasDifferences(ip)) drift = ip.changes;
    else if (ip.blocked) pending = pendingOf([]);
  } else if (hasDifferences(ip) || ip.blocked) {
    if (recorded && recorded.revision === revision && hasDifferences(ip)) drift = ip.changes;
    else pending = pendingOf(ip.changes, recorded === null);
  }

  // A terminal blocked reason nothing else explains still needs a person.
  if (ip.blocked && !pending && drift.length === 0 && !TRANSIENT[ip.blocked.code]) {
    return { ...base, state: 'attention', drift: [], pending: null, attention: ip.blocked };
  }
  const state: InstanceState = drift.length > 0 ? (pending ? 'drift+pending' : 'drift') : pending ? 'pending' : 'in-sync';
  return { ...base, state, drift, pending };
}

/** An unreachable server's status: nothing known, listed apart. */
function unreachableClient(client: string, reason: Reason): ClientStatus {
  return { client, state: 'unreachable', instances: [], unreachable: reason };
}

const RANK: Record<ClientState, number> = { 'in-sync': 0, pending: 1, drift: 2, attention: 3, unreachable: 4 };

export function classifyClient(o: ClientObservation): ClientStatus {
  if (o.plan.unreachable) return unreachableClient(o.plan.client, o.plan.unreachable);
  if (!o.live.reachable) return unreachableClient(o.plan.client, { code: o.live.code, message: o.live.reason });
  const live = o.live;
  const instances = o.plan.instances.map((ip) => classifyInstance(o.spec, o.plan.revision, ip, live.instances[ip.instance], o.secretMarks?.[ip.instance]));
  const m = o.plan.managed;
  const managed = m ? managedChanges({ ...m, refused: [] }) : [];
  const managedAttention = m ? [...(m.blocked ? [m.blocked] : []), ...m.refused.map((r) => ({ code: r.reason.code, message: `${r.unit}: ${r.reason.message}` }))] : [];
  const backups = o.plan.backups;
  let state: ClientState = managedAttention.length ? 'attention' : managed.length || (backups && backups.state !== 'ok') ? 'drift' : 'in-sync';
  for (const i of instances) {
    const s: ClientState = i.state === 'drift+pending' ? 'drift' : i.state;
    if (RANK[s] > RANK[state]) state = s;
  }
  return {
    client: o.plan.client, state, instances,
    ...(managed.length ? { managed } : {}), ...(managedAttention.length ? { managedAttention } : {}), ...(backups && backups.state !== 'ok' ? { backups } : {}),
  };
}

export function countStatus(clients: ClientStatus[]): DriftCounts {
  const n = (s: ClientState) => clients.filter((c) => c.state === s).length;
  return { clients: clients.length, inSync: n('in-sync'), drifting: n('drift'), pending: n('pending'), attention: n('attention'), unreachable: n('unreachable') };
}

export function fleetDriftStatus(observations: ClientObservation[], revision: string, checkedAt: Date): FleetDriftStatus {
  return fleetStatusOf(observations.map(classifyClient), revision, checkedAt);
}

/** The fleet's status from its clients' (e.g. checked one by one by the scheduler). */
export function fleetStatusOf(clients: ClientStatus[], revision: string, checkedAt: Date): FleetDriftStatus {
  const counts = countStatus(clients);
  return { format: 1, revision, checkedAt: checkedAt.toISOString(), drifted: counts.drifting > 0, counts, clients };
}

/**
 * `--detailed-exitcode` of drift: 1 when a server could not be read (the answer is unknown),
 * else 2 when a server drifted or needs a person, else 0. Pending changes alone exit 0: they
 * are what apply is for.
 */
export function driftStatusExitCode(s: FleetDriftStatus): 0 | 1 | 2 {
  if (s.counts.unreachable > 0) return 1;
  return s.counts.drifting > 0 || s.counts.attention > 0 ? 2 : 0;
}

/** The operator's one-word result of a scheduled check (a person's attention counts with drift). */
export function clientDriftResult(c: ClientStatus): 'in-sync' | 'pending' | 'drifted' | 'unreachable' {
  switch (c.state) {
    case 'unreachable':
      return 'unreachable';
    case 'drift':
    case 'attention':
      return 'drifted';
    case 'pending':
      return 'pending';
    case 'in-sync':
      return 'in-sync';
  }
}

/**
 * The clients an unattended apply may take (`apply --only-pending`): those with pending
 * changes whose servers are as odoops left them. Drifting clients, clients needing a person
 * and unreachable ones are left alone: reverting a hand edit is a person's decision.
 */
export function pendingOnly(s: FleetDriftStatus): { apply: string[]; left: { client: string; state: ClientState }[] } {
  const apply: string[] = [];
  const left: { client: string; state: ClientState }[] = [];
  for (const c of s.clients) {
    if (c.state === 'pending') apply.push(c.client);
    else if (c.state !== 'in-sync') left.push({ client: c.client, state: c.state });
  }
  return { apply, left };
}

/**
 * Plan: desired vs live -> ordered, typed actions per instance (pure, no I/O).
 * Per instance the order is fixed: backup, pull-image, checkout-addons, write-config,
 * switch-image | restart, uninstall-modules, install-modules, upgrade-modules, health-check,
 * record-revision. Nothing changed -> no actions at all (idempotent).
 */
import type { ClientSpec, InstanceSpec } from '../desired/types.ts';
import type { LiveInstance, LiveState } from '../live/types.ts';
import { diffInstance, effectiveLiveImage, isInstalledLike, odooOptionString, outdatedModules, seriesMismatch } from './diff.ts';
import type { Action, Change, DriftReport, InstancePlan, Plan, PlanSummary } from './types.ts';
import { windowStatus } from './windows.ts';

export interface PlanOptions {
  /** Config repo revision (commit SHA) the desired state was read at; recorded on the server. */
  revision: string;
  /** The instant windows are evaluated at. */
  now: Date;
}

/** Apply order of instances: test first, production last, others in between by name. */
export function compareInstanceNames(a: string, b: string): number {
  const rank = (n: string): number => (n === 'test' ? 0 : n === 'production' ? 2 : 1);
  return rank(a) - rank(b) || (a < b ? -1 : a > b ? 1 : 0);
}

function missingInstancePlan(spec: InstanceSpec, opts: PlanOptions): InstancePlan {
  return {
    instance: spec.name,
    changes: [{ path: 'instance', from: null, to: spec.name, reason: 'instance not provisioned on the server' }],
    actions: [],
    window: windowStatus(spec.windows, opts.now),
    blocked: `instance not provisioned on the server (/srv/odoo/${spec.name}/compose.yaml missing)`,
  };
}

/** Plans one instance. `live` undefined or not present: blocked as not provisioned. */
export function planInstance(spec: InstanceSpec, live: LiveInstance | undefined, opts: PlanOptions): InstancePlan {
  if (live && !live.present && live.errors?.length) {
    return { ...missingInstancePlan(spec, opts), blocked: `live state incomplete: ${live.errors.join('; ')}` };
  }
  if (!live || !live.present) return missingInstancePlan(spec, opts);
  const changes = diffInstance(spec, live);
  const window = windowStatus(spec.windows, opts.now);
  const blocked: string[] = [];

  const fromSeries = seriesMismatch(spec, live);
  if (fromSeries) blocked.push(`major upgrade ${fromSeries} -> ${spec.series}: out of routine scope`);

  const liveImage = effectiveLiveImage(spec, live);
  const imageChanged = liveImage !== spec.image;
  const checkouts: Action[] = [];
  for (const repo of spec.addons) {
    const l = live.addons[repo.name];
    const to = l?.desiredCommit ?? null;
    if (to === null) {
      blocked.push(`ref ${repo.ref} not found in ${repo.url}`);
      continue;
    }
    if (!l?.commit || l.commit !== to || (l.url !== null && l.url !== repo.url)) {
      checkouts.push({ kind: 'checkout-addons', instance: spec.name, repo, fromCommit: l?.commit ?? null, toCommit: to });
    }
  }

  const set: Record<string, string | number | boolean> = {};
  const previous: Record<string, string | null> = {};
  for (const [k, v] of Object.entries(spec.options)) {
    const now = live.options[k] ?? null;
    if (now !== odooOptionString(v)) {
      set[k] = v;
      previous[k] = now;
    }
  }
  const configChanged = Object.keys(set).length > 0;

  const uninstall = [...new Set(spec.removeModules)]
    .filter((m) => {
      const state = live.modules[m]?.state;
      return state !== undefined && isInstalledLike(state);
    })
    .sort();
  const install = [...new Set(spec.modules)].filter((m) => live.modules[m]?.state !== 'installed').sort();
  // After a checkout the code on disk changes, but the plan cannot see the new manifests:
  // upgrade every installed module that comes from extra addons (manifest known), so one apply
  // converges; otherwise only modules whose manifest is already newer than the database.
  const upgradeSet = new Set(outdatedModules(live));
  if (checkouts.length > 0) {
    for (const [name, m] of Object.entries(live.modules)) {
      if (m.state === 'installed' && m.manifestVersion !== null) upgradeSet.add(name);
    }
  }
  const upgrade = [...upgradeSet].filter((m) => !install.includes(m) && !uninstall.includes(m)).sort();

  const probeErrors = live.errors ?? [];
  // With a partial reading the module list may be empty: "not found" would be a false reason.
  if (checkouts.length === 0 && probeErrors.length === 0) {
    for (const m of install) {
      const state = live.modules[m]?.state;
      if (state === undefined) blocked.push(`module ${m} not found on the server`);
      else if (state === 'uninstallable') blocked.push(`module ${m} is uninstallable on the server (code missing)`);
    }
  }

  // Never act on a partial reading (e.g. PostgreSQL down: no module list): say what could not be read.
  for (const e of probeErrors) if (!blocked.includes(e)) blocked.push(`live state incomplete: ${e}`);

  if (blocked.length > 0) return { instance: spec.name, changes, actions: [], window, blocked: blocked.join('; ') };

  const actions: Action[] = [];
  const i = spec.name;
  if (imageChanged) actions.push({ kind: 'pull-image', instance: i, image: spec.image });
  actions.push(...checkouts);
  if (configChanged) actions.push({ kind: 'write-config', instance: i, set, previous });
  if (imageChanged) actions.push({ kind: 'switch-image', instance: i, from: liveImage, to: spec.image });
  else if (configChanged || checkouts.length > 0 || !live.running) actions.push({ kind: 'restart', instance: i });
  if (uninstall.length) actions.push({ kind: 'uninstall-modules', instance: i, modules: uninstall });
  if (install.length) actions.push({ kind: 'install-modules', instance: i, modules: install });
  if (upgrade.length) actions.push({ kind: 'upgrade-modules', instance: i, modules: upgrade });
  if (actions.length > 0) {
    actions.unshift({ kind: 'backup', instance: i });
    actions.push({ kind: 'health-check', instance: i });
    actions.push({ kind: 'record-revision', instance: i, revision: opts.revision });
  }
  return { instance: spec.name, changes: withUpgradeNotes(changes, upgrade, checkouts.length > 0), actions, window };
}

/** Upgrades planned only because of a checkout have no diff leaf: say why they are there. */
function withUpgradeNotes(changes: Change[], upgrade: string[], checkout: boolean): Change[] {
  if (!checkout) return changes;
  const listed = new Set(changes.filter((c) => c.path.endsWith('.version')).map((c) => c.path.split('.')[1]));
  const extra = upgrade.filter((m) => !listed.has(m));
  return extra.length === 0
    ? changes
    : [...changes, ...extra.map((m) => ({ path: `modules.${m}.version`, from: null, to: null, reason: 'addons code changes: upgrade after checkout' }))];
}

/** Plans a client: one InstancePlan per desired instance, test first and production last. */
export function planClient(spec: ClientSpec, live: LiveState, opts: PlanOptions): Plan {
  if (!live.reachable) return { client: spec.name, revision: opts.revision, unreachable: live.reason, instances: [] };
  const instances = [...spec.instances]
    .sort((a, b) => compareInstanceNames(a.name, b.name))
    .map((inst) => planInstance(inst, live.instances[inst.name], opts));
  const test = instances.find((p) => p.instance === 'test');
  const production = instances.find((p) => p.instance === 'production');
  if (test && production && production.actions.length > 0 && (test.actions.length > 0 || test.blocked)) {
    production.dependsOn = 'test';
  }
  return { client: spec.name, revision: opts.revision, instances };
}

/** Whether a plan has anything to apply. */
export function planHasActions(plan: Plan): boolean {
  return plan.instances.some((i) => i.actions.length > 0);
}

/**
 * Instances in the order apply must run them: an instance comes after the one it depends on.
 * (planClient already sorts this way; this is the contract apply relies on.)
 */
export function sequenceInstances(plan: Plan): InstancePlan[] {
  const out: InstancePlan[] = [];
  const byName = new Map(plan.instances.map((i) => [i.instance, i]));
  const visit = (p: InstancePlan, seen: Set<string>): void => {
    if (out.includes(p) || seen.has(p.instance)) return;
    seen.add(p.instance);
    const dep = p.dependsOn ? byName.get(p.dependsOn) : undefined;
    if (dep) visit(dep, seen);
    out.push(p);
  };
  for (const p of plan.instances) visit(p, new Set());
  return out;
}

export function summarizePlans(plans: Plan[]): PlanSummary {
  let withChanges = 0;
  let waiting = 0;
  let blocked = 0;
  let unreachable = 0;
  for (const p of plans) {
    if (p.unreachable !== undefined) {
      unreachable++;
      continue;
    }
    if (planHasActions(p)) withChanges++;
    if (p.instances.some((i) => i.actions.length > 0 && !i.window.open)) waiting++;
    if (p.instances.some((i) => i.blocked)) blocked++;
  }
  return { clients: plans.length, withChanges, waiting, blocked, unreachable };
}

/**
 * Drift across plans: every instance with changes, blocked ones included (see DriftReport);
 * unreachable clients listed apart and not counted as drift.
 */
export function driftOf(plans: Plan[]): DriftReport {
  const clients: DriftReport['clients'] = [];
  const unreachable: DriftReport['unreachable'] = [];
  for (const p of plans) {
    if (p.unreachable !== undefined) {
      unreachable.push({ client: p.client, reason: p.unreachable });
      continue;
    }
    const instances = p.instances
      .filter((i) => i.changes.length > 0 || i.actions.length > 0 || i.blocked)
      .map((i) => ({ instance: i.instance, changes: i.changes, ...(i.blocked ? { blocked: i.blocked } : {}) }));
    if (instances.length > 0) clients.push({ client: p.client, instances });
  }
  return { revision: plans[0]?.revision ?? '', drifted: clients.length > 0, clients, unreachable };
}

/**
 * `terraform plan -detailed-exitcode` semantics for plans: 1 when a server could not be read
 * (the answer is unknown, which must not pass as "no changes"), else 2 when any instance has
 * actions or is blocked, else 0.
 */
export function planExitCode(plans: Plan[]): 0 | 1 | 2 {
  if (plans.some((p) => p.unreachable !== undefined)) return 1;
  return plans.some((p) => p.instances.some((i) => i.actions.length > 0 || i.blocked)) ? 2 : 0;
}

/** Same rule for drift: 1 when a server could not be read, 2 when anything drifted, else 0. */
export function driftExitCode(d: DriftReport): 0 | 1 | 2 {
  if (d.unreachable.length > 0) return 1;
  return d.drifted ? 2 : 0;
}

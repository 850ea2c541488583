/**
 * Plan: desired vs live -> ordered, typed actions per instance (pure, no I/O).
 * Per instance the order is fixed, in one place (orderedActions): pull-image, fetch-addons,
 * snapshot, stop, checkout-addons, write-config, switch-image, uninstall-modules,
 * install-modules, upgrade-modules, start, health-check, record-revision. Nothing changed ->
 * no actions at all (idempotent). Why an instance cannot go is a typed Reason (code + message).
 */
import type { ClientSpec, InstanceSpec } from '../desired/types.ts';
import type { LiveInstance, LiveState } from '../live/types.ts';
import { planProvision } from '../provision/plan.ts';
import { diffInstance, effectiveLiveImage, isInstalledLike, liveSeries, odooOptionString, seriesMismatch } from './diff.ts';
import { decideUpgrades, moduleChecksums, withUpgradeReasons, type UpgradeDecision } from './modules.ts';
import type { Action, Change, InstancePlan, Plan, PlanSummary, Reason, ReasonCode } from './types.ts';
import { windowStatus } from './windows.ts';
import { managedHasActions } from './managed.ts';

export interface PlanOptions {
  /** Config repo revision (commit SHA) the desired state was read at; recorded on the server. */
  revision: string;
  /** The instant windows are evaluated at. */
  now: Date;
  /** Secret references that could not be resolved on the operator side, per instance (messages). */
  unresolvedSecrets?: Record<string, string[]>;
}

/** When several things block an instance, the reason reported first (and coded) is the most serious. */
const SEVERITY: readonly ReasonCode[] = [
  'needs-manual-restore', 'data-exists', 'secret-unresolved', 'major-upgrade', 'series-unknown', 'not-provisioned', 'ref-not-found', 'module-unknown', 'module-uninstallable', 'live-incomplete',
];

function blockedBy(reasons: Reason[]): Reason {
  const sorted = [...reasons].sort((a, b) => SEVERITY.indexOf(a.code) - SEVERITY.indexOf(b.code));
  return { code: sorted[0]!.code, message: sorted.map((r) => r.message).join('; ') };
}

/** The blocked reason of a "needs manual restore" marker: it names the snapshot and the way out. */
export function markerBlock(client: string, instance: string, live: Pick<LiveInstance, 'marker'>): Reason | null {
  const m = live.marker;
  if (!m) return null;
  const parts = [`needs a manual restore: ${m.reason}`];
  if (m.snapshot) parts.push(`snapshot ${m.snapshot}`);
  if (m.asideDatabase) parts.push(`the database the failed change left is kept as ${m.asideDatabase}`);
  parts.push(`after restoring, run: odoops resolve ${client} ${instance}`);
  return { code: 'needs-manual-restore', message: parts.join('; ') };
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
    blocked: { code: 'not-provisioned', message: `instance not provisioned on the server (compose.yaml of ${spec.name} missing)` },
  };
}

/** Plans one instance. Layout missing (or a provisioning marker): operator/provision/ plans it; `live` undefined (the probe said nothing of it): blocked as not provisioned. */
export function planInstance(spec: InstanceSpec, live: LiveInstance | undefined, opts: PlanOptions, client = ''): InstancePlan {
  const marker = live ? markerBlock(client, spec.name, live) : null;
  if (marker) return { instance: spec.name, changes: live?.present ? diffInstance(spec, live) : [], actions: [], window: windowStatus(spec.windows, opts.now), blocked: marker };
  if (live && !live.present && live.errors?.length) {
    return { ...missingInstancePlan(spec, opts), blocked: { code: 'live-incomplete', message: `live state incomplete: ${live.errors.join('; ')}` } };
  }
  // A bare server, or an instance part-way through provisioning: operator/provision/ plans it.
  const provisioning = live ? planProvision(spec, live, opts, client) : null;
  if (provisioning) return provisioning;
  if (!live || !live.present) return missingInstancePlan(spec, opts);
  const changes = diffInstance(spec, live);
  const window = windowStatus(spec.windows, opts.now);
  const blocked: Reason[] = [];
  for (const m of opts.unresolvedSecrets?.[spec.name] ?? []) blocked.push({ code: 'secret-unresolved', message: m });

  const fromSeries = seriesMismatch(spec, live);
  if (fromSeries) blocked.push({ code: 'major-upgrade', message: `major upgrade ${fromSeries} -> ${spec.series}: out of routine scope` });
  // An image on the server with no series anywhere (metadata, tag) could be any Odoo: never act on it.
  else if (live.image !== null && live.imagePresent !== false && liveSeries(live) === null) {
    blocked.push({ code: 'series-unknown', message: `the Odoo series of image ${live.image ?? '(none)'} is unknown (no ODOO_VERSION, no odoo.version label, no series in its tag)` });
  }

  const liveImage = effectiveLiveImage(spec, live);
  const imageChanged = liveImage !== spec.image;
  const checkouts: Extract<Action, { kind: 'checkout-addons' }>[] = [];
  for (const repo of spec.addons) {
    const l = live.addons[repo.name];
    const to = l?.desiredCommit ?? null;
    if (to === null) {
      blocked.push({ code: 'ref-not-found', message: `ref ${repo.ref} not found in ${repo.url}` });
      continue;
    }
    if (!l?.commit || l.commit !== to || (l.url !== null && l.url !== repo.url) || l.urlHasCredentials) {
      checkouts.push({ kind: 'checkout-addons', instance: spec.name, repo, fromCommit: l?.commit ?? null, toCommit: to });
    }
  }

  const set: Record<string, InstanceSpec['options'][string]> = {};
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
  // Only what changed: manifest version or files checksum at the commit the apply checks out.
  const upgrades = decideUpgrades(live, { exclude: [...install, ...uninstall], imageChanged });

  const probeErrors = live.errors ?? [];
  // With a partial reading the module list may be empty: "not found" would be a false reason.
  if (checkouts.length === 0 && probeErrors.length === 0) {
    for (const m of install) {
      const state = live.modules[m]?.state;
      if (state === undefined) blocked.push({ code: 'module-unknown', message: `module ${m} not found on the server` });
      else if (state === 'uninstallable') blocked.push({ code: 'module-uninstallable', message: `module ${m} is uninstallable on the server (code missing)` });
    }
  }

  // Never act on a partial reading (e.g. PostgreSQL down: no module list): say what could not be read.
  for (const e of probeErrors) if (!blocked.some((b) => b.message === e)) blocked.push({ code: 'live-incomplete', message: `live state incomplete: ${e}` });

  if (blocked.length > 0) return { instance: spec.name, changes, actions: [], window, blocked: blockedBy(blocked) };

  const actions = orderedActions(spec.name, {
    // An image named in .env but absent from the server is pulled by apply (the probe never pulls).
    pull: imageChanged || live.imagePresent === false ? spec.image : null,
    checkouts,
    config: configChanged ? { set, previous } : null,
    switchImage: imageChanged ? { from: liveImage, to: spec.image } : null,
    start: configChanged || checkouts.length > 0 || !live.running,
    uninstall, install, upgrades,
    revision: opts.revision,
    checksums: moduleChecksums(live),
  });
  return { instance: spec.name, changes: withUpgradeReasons(changes, upgrades), actions, window };
}

interface Steps {
  pull: string | null;
  checkouts: Extract<Action, { kind: 'checkout-addons' }>[];
  config: { set: Record<string, InstanceSpec['options'][string]>; previous: Record<string, string | null> } | null;
  switchImage: { from: string | null; to: string } | null;
  /** odoo must (re)start even if nothing else changes (config, code, or not running). */
  start: boolean;
  uninstall: string[];
  install: string[];
  upgrades: UpgradeDecision;
  revision: string;
  checksums: Record<string, string>;
}

/**
 * The one place the order of an instance's steps is decided (issue 11): never serve new code
 * against the old schema.
 *   1. while the old code still serves: pull the image, fetch the addons commits;
 *   2. stop odoo (the downtime starts) and snapshot: with a step that may change the database,
 *      the snapshot checks the room for the dump, stops odoo and dumps; otherwise it copies the
 *      files and the stop follows;
 *   3. switch the code (checkouts, odoo.conf, .env), then uninstall / install / upgrade with
 *      --stop-after-init, while nothing serves;
 *   4. start odoo on the new code and schema, health check touching the database (the downtime
 *      ends at its first healthy answer), record the revision and the modules' checksums.
 * Nothing to change -> no actions at all (idempotent).
 */
function orderedActions(i: string, s: Steps): Action[] {
  const upgrade = s.upgrades.upgrade.map((u) => u.module);
  const database = s.uninstall.length + s.install.length + upgrade.length > 0 || s.upgrades.coreAfterPull;
  const change: Action[] = [];
  change.push(...s.checkouts);
  if (s.config) change.push({ kind: 'write-config', instance: i, ...s.config });
  if (s.switchImage) change.push({ kind: 'switch-image', instance: i, ...s.switchImage });
  if (s.uninstall.length) change.push({ kind: 'uninstall-modules', instance: i, modules: s.uninstall });
  if (s.install.length) change.push({ kind: 'install-modules', instance: i, modules: s.install });
  if (upgrade.length || s.upgrades.coreAfterPull) {
    change.push({ kind: 'upgrade-modules', instance: i, modules: upgrade, why: s.upgrades.upgrade, ...(s.upgrades.coreAfterPull ? { coreAfterPull: true } : {}) });
  }
  if (change.length === 0 && !s.start && !s.pull) return [];
  const before: Action[] = [];
  if (s.pull) before.push({ kind: 'pull-image', instance: i, image: s.pull });
  for (const c of s.checkouts) before.push({ kind: 'fetch-addons', instance: i, repo: c.repo, toCommit: c.toCommit });
  return [
    ...before,
    // A snapshot that dumps the database stops odoo itself, once it knows there is room for the
    // dump (refused before anything stops); the stop then finds it stopped.
    { kind: 'snapshot', instance: i, database },
    ...(change.length ? [{ kind: 'stop', instance: i } as const] : []),
    ...change,
    ...(change.length || s.start ? [{ kind: 'start', instance: i } as const] : []),
    { kind: 'health-check', instance: i },
    { kind: 'record-revision', instance: i, revision: s.revision, ...(Object.keys(s.checksums).length ? { moduleChecksums: s.checksums } : {}) },
  ];
}

/** Plans a client: one InstancePlan per desired instance, test first and production last. */
export function planClient(spec: ClientSpec, live: LiveState, opts: PlanOptions): Plan {
  if (!live.reachable) return { client: spec.name, revision: opts.revision, unreachable: { code: live.code, message: live.reason }, instances: [] };
  const instances = [...spec.instances]
    .sort((a, b) => compareInstanceNames(a.name, b.name))
    .map((inst) => planInstance(inst, live.instances[inst.name], opts, spec.name));
  const test = instances.find((p) => p.instance === 'test');
  const production = instances.find((p) => p.instance === 'production');
  if (test && production && production.actions.length > 0 && (test.actions.length > 0 || test.blocked)) {
    production.dependsOn = 'test';
  }
  return { client: spec.name, revision: opts.revision, instances };
}

/** Whether a plan has anything to apply. */
export function planHasActions(plan: Plan): boolean {
  return plan.instances.some((i) => i.actions.length > 0) || managedHasActions(plan.managed);
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
    if (p.managed?.blocked || p.managed?.refused.length) blocked++;
    if (p.instances.some((i) => i.actions.length > 0 && !i.window.open)) waiting++;
    if (p.instances.some((i) => i.blocked)) blocked++;
  }
  return { clients: plans.length, withChanges, waiting, blocked, unreachable };
}

/**
 * `terraform plan -detailed-exitcode` semantics for plans: 1 when a server could not be read
 * (the answer is unknown, which must not pass as "no changes"), else 2 when any instance has
 * actions or is blocked, else 0.
 */
export function planExitCode(plans: Plan[]): 0 | 1 | 2 {
  if (plans.some((p) => p.unreachable !== undefined)) return 1;
  return plans.some((p) => p.instances.some((i) => i.actions.length > 0 || i.blocked) || managedHasActions(p.managed) || (p.managed?.drift.length ?? 0) > 0 || (p.managed?.refused.length ?? 0) > 0) ? 2 : 0;
}

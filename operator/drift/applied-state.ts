/**
 * The applied state (pure): what an instance looks like right after odoops applied a revision,
 * recorded on the server with the revision, and the same projection of a live reading, so
 * "did the server move since odoops applied?" is an exact comparison of two small records.
 *
 * Secret options are recorded as a one-way digest of the value (never the value): the probe
 * reports only whether the server holds the value the desired state resolves to now, so the
 * digest of that value stands for the server's when it matches.
 */
import { createHash } from 'node:crypto';
import type { InstanceSpec } from '../desired/types.ts';
import { SECRET_DIFFERS, SECRET_MATCHES, type LiveInstance } from '../live/types.ts';
import { isSecretOption, odooOptionString } from '../plan/diff.ts';
import type { Change } from '../plan/types.ts';
import { APPLIED_STATE_VERSION, type AppliedModule, type AppliedState } from './types.ts';

const SECRET_PREFIX = 'sha256:';

/** One-way digest of a secret option's value, as recorded in the applied state. */
export function secretMark(value: string): string {
  return SECRET_PREFIX + createHash('sha256').update(`odoops applied secret\0${value}`).digest('hex');
}

function isSecretMark(v: string | null | undefined): boolean {
  return typeof v === 'string' && v.startsWith(SECRET_PREFIX);
}

/** Digests of the secret option values the desired state resolves to (instance's options). */
export function secretMarks(values: Record<string, string> | undefined): Record<string, string> {
  return Object.fromEntries(Object.entries(values ?? {}).map(([k, v]) => [k, secretMark(v)]));
}

/**
 * The state an apply of `spec` leaves: its image running, its options, the addons at the
 * commits the desired refs resolved to (read by the probe), its modules installed and its
 * removed modules absent. `secrets`: digests (secretMarks) of the secret options' resolved values.
 */
export function appliedStateOf(spec: InstanceSpec, resolvedAddons: Record<string, string | null>, secrets: Record<string, string> = {}): AppliedState {
  const options: Record<string, string> = {};
  for (const [k, v] of Object.entries(spec.options)) {
    options[k] = isSecretOption(v) ? (secrets[k] ?? SECRET_DIFFERS) : odooOptionString(v);
  }
  const modules: Record<string, AppliedModule> = {};
  for (const m of spec.removeModules) modules[m] = 'absent';
  for (const m of spec.modules) modules[m] = 'installed';
  const addons: Record<string, string | null> = {};
  for (const a of spec.addons) addons[a.name] = resolvedAddons[a.name] ?? null;
  return { version: APPLIED_STATE_VERSION, image: spec.image, running: true, options: sortKeys(options), addons: sortKeys(addons), modules: sortKeys(modules) };
}

/** The resolved addons commits a live reading carries (the probe resolves each desired ref). */
export function resolvedAddonsOf(live: LiveInstance | null): Record<string, string | null> {
  return Object.fromEntries(Object.entries(live?.addons ?? {}).map(([name, a]) => [name, a.desiredCommit]));
}

/** A stored record, checked: anything else (older odoops, hand-edited file) is not compared. */
export function parseAppliedState(v: unknown): AppliedState | null {
  if (typeof v !== 'object' || v === null) return null;
  const r = v as Partial<AppliedState>;
  const isMap = (m: unknown) => typeof m === 'object' && m !== null && !Array.isArray(m);
  if (r.version !== APPLIED_STATE_VERSION || typeof r.image !== 'string' || typeof r.running !== 'boolean') return null;
  if (!isMap(r.options) || !isMap(r.addons) || !isMap(r.modules)) return null;
  return r as AppliedState;
}

function liveModule(live: LiveInstance, name: string): AppliedModule {
  const s = live.modules[name]?.state;
  if (s === 'installed' || s === 'to install' || s === 'to upgrade' || s === 'to remove') return s;
  return 'absent';
}

/**
 * A live reading projected onto the keys of `applied`. A secret option reading "(secret)"
 * holds the value the desired state resolves to now (`desiredSecrets`: their digests);
 * "(secret, differs)" holds something else, which is the applied value when the desired
 * value has changed since (a rotation waiting to be applied) and unknown otherwise.
 */
export function liveStateView(live: LiveInstance, applied: AppliedState, desiredSecrets: Record<string, string> = {}): AppliedState {
  const options: Record<string, string> = {};
  for (const [k, recorded] of Object.entries(applied.options)) {
    const now = live.options[k];
    if (isSecretMark(recorded) || now === SECRET_MATCHES || now === SECRET_DIFFERS) {
      const desired = desiredSecrets[k];
      if (now === SECRET_MATCHES && desired) options[k] = desired;
      else if (now === SECRET_DIFFERS && desired !== undefined && desired !== recorded) options[k] = recorded;
      else options[k] = now ?? '(missing)';
    } else {
      options[k] = now ?? '(missing)';
    }
  }
  const addons: Record<string, string | null> = {};
  for (const name of Object.keys(applied.addons)) addons[name] = live.addons[name]?.commit ?? null;
  const modules: Record<string, AppliedModule> = {};
  for (const name of Object.keys(applied.modules)) modules[name] = liveModule(live, name);
  return { version: APPLIED_STATE_VERSION, image: live.image ?? '(none)', running: live.running, options, addons, modules };
}

/** How a recorded value reads in a report: a secret's digest never shows. */
function shown(v: string | boolean | null | undefined): unknown {
  if (typeof v === 'string' && isSecretMark(v)) return '(secret)';
  return v ?? null;
}

/**
 * Differences between two records as Changes (from = `a`, to = `b`), dotted paths as the plan
 * writes them. Keys present in only one record count as differences too.
 */
export function diffAppliedStates(a: AppliedState, b: AppliedState, reason: (path: string) => string): Change[] {
  const out: Change[] = [];
  const add = (path: string, from: string | boolean | null | undefined, to: string | boolean | null | undefined) => {
    if (from === to) return;
    const secret = isSecretMark(typeof from === 'string' ? from : null) || isSecretMark(typeof to === 'string' ? to : null);
    out.push({ path, from: shown(from), to: secret && to !== from ? (typeof to === 'string' && isSecretMark(to) ? '(secret, changed)' : shown(to)) : shown(to), reason: reason(path) });
  };
  add('image', a.image, b.image);
  add('running', a.running, b.running);
  for (const k of union(a.options, b.options)) add(`options.${k}`, a.options[k], b.options[k]);
  for (const k of union(a.addons, b.addons)) add(`addons.${k}.commit`, a.addons[k], b.addons[k]);
  for (const k of union(a.modules, b.modules)) add(`modules.${k}.state`, a.modules[k], b.modules[k]);
  return out;
}

function union(a: Record<string, unknown>, b: Record<string, unknown>): string[] {
  return [...new Set([...Object.keys(a), ...Object.keys(b)])].sort();
}

function sortKeys<T>(m: Record<string, T>): Record<string, T> {
  return Object.fromEntries(Object.entries(m).sort(([x], [y]) => (x < y ? -1 : x > y ? 1 : 0)));
}

/**
 * Desired vs live for one instance, as human-readable changes (pure, no I/O).
 * Both sides are first normalised into the same shape (InstanceView: maps keyed by name, never
 * arrays, every value a string/boolean/null) so the jsondiffpatch delta is a plain tree of
 * [from, to] leaves that reads directly as dotted paths ("options.workers", "modules.sale.state").
 */
import { create, type Delta } from 'jsondiffpatch';
import type { InstanceSpec, OdooOptionValue, SecretOption } from '../desired/types.ts';
import { SECRET_MATCHES, type LiveInstance, type ModuleState } from '../live/types.ts';
import type { Change } from './types.ts';

/** Module state as the plan sees it: the live states plus "unknown" (no ir_module_module row). */
export type ViewModuleState = ModuleState | 'unknown' | 'removed';

export interface InstanceView {
  /** Odoo series the instance runs (live) or must run (desired). */
  series: string | null;
  image: string | null;
  /** The configured image is on the server (an absent one is pulled by apply, never by the probe). */
  imagePresent: boolean;
  running: boolean;
  addons: Record<string, { url: string | null; commit: string | null; credentials?: boolean }>;
  /** Managed options as Odoo writes them in odoo.conf. */
  options: Record<string, string | null>;
  /** Only modules the desired state names, plus installed ones whose code is newer than the database. */
  modules: Record<string, { state: ViewModuleState; version?: string | null }>;
}

export function isSecretOption(v: OdooOptionValue): v is SecretOption {
  return typeof v === 'object' && v !== null && typeof (v as SecretOption).secret === 'string';
}

/**
 * An option value as odoo.conf holds it: booleans "True"/"False", numbers in decimal. A secret
 * reads "(secret)" on both sides: the probe says SECRET_MATCHES when the server holds the
 * desired value, so the value itself is never compared or shown here.
 */
export function odooOptionString(v: OdooOptionValue): string {
  if (isSecretOption(v)) return SECRET_MATCHES;
  if (typeof v === 'boolean') return v ? 'True' : 'False';
  return String(v);
}

/** Compares dotted numeric versions ("17.0.1.10" > "17.0.1.9"); missing parts count as 0. */
export function compareVersions(a: string, b: string): number {
  const pa = a.split('.');
  const pb = b.split('.');
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const x = Number.parseInt(pa[i] ?? '0', 10) || 0;
    const y = Number.parseInt(pb[i] ?? '0', 10) || 0;
    if (x !== y) return x < y ? -1 : 1;
  }
  return 0;
}

/** Odoo series from an image reference's tag ("odoo:17.0-20261101" -> "17.0"), or null. */
export function imageSeries(image: string | null): string | null {
  if (!image) return null;
  const ref = image.split('@')[0] ?? '';
  const slash = ref.lastIndexOf('/');
  const colon = ref.lastIndexOf(':');
  if (colon <= slash) return null; // no tag (a colon before the last slash is a registry port)
  return /^(\d+\.\d+)/.exec(ref.slice(colon + 1))?.[1] ?? null;
}

/** Live series of an instance: what Odoo reports, else what the image tag says. */
export function liveSeries(live: LiveInstance): string | null {
  return live.odooVersion ?? imageSeries(live.image);
}

/** The series the live instance runs when it is not the desired one (a major upgrade), else null. */
export function seriesMismatch(spec: InstanceSpec, live: LiveInstance): string | null {
  for (const s of [live.odooVersion, imageSeries(live.image)]) {
    if (s && s !== spec.series) return s;
  }
  return null;
}

/**
 * The image the instance actually runs, as far as it matters for the plan: ODOO_IMAGE from .env,
 * unless .env already names the desired image but the running container was made from another
 * one (a switch that never took effect). Digest references are compared through .env only,
 * since `docker compose ps` may print them differently.
 */
export function effectiveLiveImage(spec: InstanceSpec, live: LiveInstance): string | null {
  const running = live.running ? live.runningImage ?? null : null;
  if (live.image === spec.image && running && running !== spec.image && !spec.image.includes('@')) return running;
  return live.image;
}

const INSTALLED_LIKE: ReadonlySet<ViewModuleState> = new Set(['installed', 'to upgrade', 'to remove']);

/** Whether a live module counts as installed for removal purposes (pending states included). */
export function isInstalledLike(state: ViewModuleState): boolean {
  return INSTALLED_LIKE.has(state);
}

/** Installed modules whose manifest on disk declares a higher version than the database holds. */
export function outdatedModules(live: LiveInstance): string[] {
  // A server lists every module of its Odoo (hundreds, most uninstalled): one plain pass.
  const out: string[] = [];
  for (const name in live.modules) {
    const m = live.modules[name]!;
    if (m.state === 'installed' && m.manifestVersion && m.installedVersion && compareVersions(m.manifestVersion, m.installedVersion) > 0) out.push(name);
  }
  return out.sort();
}

function unresolved(ref: string): string {
  return `(ref ${ref} unresolved)`;
}

export function desiredView(spec: InstanceSpec, live: LiveInstance): InstanceView {
  const modules: InstanceView['modules'] = {};
  for (const m of spec.modules) modules[m] = { state: 'installed' };
  for (const m of spec.removeModules) modules[m] = { state: 'removed' };
  for (const m of outdatedModules(live)) {
    if (!spec.removeModules.includes(m)) modules[m] = { state: 'installed', version: live.modules[m]?.manifestVersion ?? null };
  }
  return {
    series: spec.series,
    image: spec.image,
    imagePresent: true,
    running: true,
    addons: Object.fromEntries(
      spec.addons.map((a) => [a.name, { url: a.url, commit: live.addons[a.name]?.desiredCommit ?? unresolved(a.ref) }]),
    ),
    options: Object.fromEntries(Object.entries(spec.options).map(([k, v]) => [k, odooOptionString(v)])),
    modules,
  };
}

export function liveView(spec: InstanceSpec, live: LiveInstance): InstanceView {
  const modules: InstanceView['modules'] = {};
  for (const m of spec.modules) modules[m] = { state: live.modules[m]?.state ?? 'unknown' };
  for (const m of spec.removeModules) {
    const state = live.modules[m]?.state;
    modules[m] = { state: state && isInstalledLike(state) ? state : 'removed' };
  }
  for (const m of outdatedModules(live)) {
    if (!spec.removeModules.includes(m)) modules[m] = { state: 'installed', version: live.modules[m]?.installedVersion ?? null };
  }
  return {
    series: seriesMismatch(spec, live) ?? spec.series,
    image: effectiveLiveImage(spec, live),
    imagePresent: live.imagePresent !== false,
    running: live.running,
    addons: Object.fromEntries(
      spec.addons.map((a) => {
        const l = live.addons[a.name];
        // A missing checkout or an origin the server cannot report is not a URL difference:
        // the commit leaf already says what is wrong.
        return [a.name, { url: l?.url ?? a.url, commit: l?.commit ?? null, ...(l?.urlHasCredentials ? { credentials: true } : {}) }];
      }),
    ),
    options: Object.fromEntries(Object.keys(spec.options).map((k) => [k, live.options[k] ?? null])),
    modules,
  };
}

const differ = create({});

interface Leaf {
  path: string;
  from: unknown;
  to: unknown;
}

/** Flattens a jsondiffpatch object delta into [from, to] leaves with dotted paths. */
function leaves(delta: Delta, prefix: string, out: Leaf[]): Leaf[] {
  if (delta === undefined) return out;
  if (Array.isArray(delta)) {
    if (delta.length === 1) expand(prefix, undefined, delta[0], out);
    else if (delta.length === 2) expand(prefix, delta[0], delta[1], out);
    else if (delta.length === 3 && delta[2] === 0) expand(prefix, delta[0], undefined, out);
    return out;
  }
  for (const key of Object.keys(delta as object).sort()) {
    if (key === '_t') continue;
    leaves((delta as Record<string, Delta>)[key], prefix ? `${prefix}.${key}` : key, out);
  }
  return out;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** An added or removed object becomes one leaf per key, so every change is a scalar. */
function expand(path: string, from: unknown, to: unknown, out: Leaf[]): void {
  if (isPlainObject(from) || isPlainObject(to)) {
    const f = isPlainObject(from) ? from : {};
    const t = isPlainObject(to) ? to : {};
    for (const key of [...new Set([...Object.keys(f), ...Object.keys(t)])].sort()) {
      if (f[key] !== t[key]) expand(`${path}.${key}`, f[key], t[key], out);
    }
    return;
  }
  out.push({ path, from: from ?? null, to: to ?? null });
}

function short(commit: unknown): string {
  return typeof commit === 'string' && /^[0-9a-f]{40}$/.test(commit) ? commit.slice(0, 10) : String(commit);
}

function reasonFor(leaf: Leaf, spec: InstanceSpec): string {
  const [area, name, field] = leaf.path.split('.');
  switch (area) {
    case 'series':
      return `major upgrade ${String(leaf.from)} -> ${String(leaf.to)}: out of routine scope`;
    case 'image':
      return leaf.from === null ? 'image not configured on the server' : 'image differs';
    case 'running':
      return 'instance not running';
    case 'imagePresent':
      return 'image not on the server (apply pulls it; the probe never does)';
    case 'addons': {
      const repo = spec.addons.find((a) => a.name === name);
      const ref = repo?.ref ?? '?';
      if (field === 'url') return 'checkout origin differs';
      if (field === 'credentials') return 'the origin URL on the server holds credentials: the checkout rewrites it';
      if (typeof leaf.to === 'string' && leaf.to.startsWith('(ref ')) return `ref ${ref} not found in ${repo?.url ?? '?'}`;
      if (leaf.from === null) return `not checked out (ref ${ref} is ${short(leaf.to)})`;
      return `ref ${ref} is ${short(leaf.to)}, checked out ${short(leaf.from)}`;
    }
    case 'options':
      return leaf.from === null ? 'option not set' : 'option differs';
    case 'modules':
      if (field === 'version') return `manifest ${String(leaf.to)} > installed ${String(leaf.from)}`;
      if (leaf.to === 'removed') return `listed in removeModules, ${String(leaf.from)}`;
      if (leaf.from === 'unknown') return 'module unknown to the server';
      return `module not installed (${String(leaf.from)})`;
    default:
      return 'differs';
  }
}

/** Every difference between desired and live for one instance, sorted by path. */
export function diffInstance(spec: InstanceSpec, live: LiveInstance): Change[] {
  const delta = differ.diff(liveView(spec, live), desiredView(spec, live));
  return leaves(delta, '', []).map((leaf) => ({ ...leaf, reason: reasonFor(leaf, spec) }));
}

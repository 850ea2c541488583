/**
 * Touched clients: those whose resolved desired state differs between two revisions (or a
 * revision and the working tree). A client counts when its own file changed in a way that
 * changes its resolved state (a comment or key order does not), when it was added or removed,
 * or when fleet.yaml changed something it inherits; an invalid client compares by its file and
 * by whether it is valid.
 *
 * For a fleet.yaml change, resolving every client twice is what makes a 10,000-client repo
 * slow, so the changed leaves of fleet.yaml are computed first and each client is classified
 * from its text: a client that cannot inherit a changed leaf is untouched; one that surely
 * inherits it (it never mentions the leaf's key) is touched; only the rest are resolved on
 * both sides and compared. The classification errs towards "compare" and "touched", never
 * towards missing a client (test/desired/touched.test.ts compares it with the exact answer).
 */
import { checkClientFile, CLIENT_FILE, prepareFleet, resolveChecked, type CheckedClient, type FleetContext } from './analyze.ts';
import { canonical } from './canonical.ts';
import { isPlainObject, resolveFleet } from './merge.ts';
import { openRepo, readConfigFiles, resolveRevision, textsByOid, type ConfigFile, type ConfigFiles } from './repo.ts';
import type { ConfigSource } from './source.ts';
import type { ValidationIssue } from './types.ts';
import { schemaAccepts } from './schema.ts';
import { parseYamlFile, type Path } from './yaml.ts';

type Obj = Record<string, unknown>;

/** One side of the comparison: fleet.yaml and the client files by path. */
export interface Side {
  fleet: ConfigFile | null;
  clients: Map<string, ConfigFile>;
}

export function side(files: ConfigFiles): Side {
  return { fleet: files.fleet, clients: new Map(files.clients.map((c) => [c.path, c])) };
}

function clientName(path: string): string | null {
  return CLIENT_FILE.exec(path)?.[1] ?? null;
}

/**
 * What decides whether a client changed: its resolved state, and whether it is valid (an
 * invalid one also by its file). The checks that only read the resolved state and the fleet's
 * policy (clientChecks) give the same answer for the same state under the same policy, so
 * they run only when the policy differs (`checks`).
 */
function fingerprint(fc: FleetContext | null, file: ConfigFile, c: CheckedClient | null, checks: boolean): string {
  if (!c) return `raw:${file.oid}`;
  const issues: ValidationIssue[] = [...c.issues];
  const r = resolveChecked(fc, c, issues, { checks });
  if (!r) return `raw:${file.oid}`;
  return issues.some((i) => i.severity === 'error') ? `${canonical(r.spec)}\u0000invalid:${file.oid}` : canonical(r.spec);
}

/** Fingerprints of a client file on both sides, its text parsed and checked once when unchanged. */
function fingerprints(fcA: FleetContext | null, fa: ConfigFile, fcB: FleetContext | null, fb: ConfigFile): [string, string] {
  const ca = checkClientFile(fa.path, fa.text, []);
  const cb = fa.oid === fb.oid ? ca : checkClientFile(fb.path, fb.text, []);
  const checks = canonical(fcA?.fleet.policy) !== canonical(fcB?.fleet.policy);
  return [fingerprint(fcA, fa, ca, checks), fingerprint(fcB, fb, cb, checks)];
}

function fleetData(file: ConfigFile | null): unknown {
  if (!file) return undefined;
  const y = parseYamlFile('fleet.yaml', file.text, []);
  return y?.data;
}

/** Windows as they resolve (time zone and manualSync filled in), so writing a default out is no change. */
function normalizeWindows(data: unknown): unknown {
  if (!isPlainObject(data)) return data;
  const tz = data.timezone;
  const norm = (w: unknown) => (isPlainObject(w) ? { ...w, timeZone: w.timeZone ?? tz, manualSync: w.manualSync ?? true } : w);
  const list = (ws: unknown) => (Array.isArray(ws) ? ws.map(norm) : ws);
  const d = isPlainObject(data.defaults) ? { ...data.defaults } : undefined;
  if (!d) return data;
  if (isPlainObject(d.instance)) d.instance = { ...d.instance, windows: list(d.instance.windows) };
  if (isPlainObject(d.instances)) {
    d.instances = Object.fromEntries(Object.entries(d.instances).map(([k, v]) => [k, isPlainObject(v) ? { ...v, windows: list(v.windows) } : v]));
  }
  if (isPlainObject(d.maintenance)) d.maintenance = { ...d.maintenance, security: norm(d.maintenance.security), os: norm(d.maintenance.os) };
  return { ...data, defaults: d };
}

export interface Leaf {
  path: Path;
  /** Present on both sides with different values, or on one side only. */
  kind: 'changed' | 'added' | 'removed';
}

/** The leaves where two data trees differ: maps are descended (also when one side lacks them), anything else is a leaf. */
export function changedLeaves(a: unknown, b: unknown, path: Path = []): Leaf[] {
  if (a === undefined && b === undefined) return [];
  if (isPlainObject(a) || isPlainObject(b)) {
    if ((isPlainObject(a) || a === undefined) && (isPlainObject(b) || b === undefined)) {
      const ao = (a ?? {}) as Obj;
      const bo = (b ?? {}) as Obj;
      const out: Leaf[] = [];
      for (const k of new Set([...Object.keys(ao), ...Object.keys(bo)])) out.push(...changedLeaves(ao[k], bo[k], [...path, k]));
      return out;
    }
  }
  if (canonical(a) === canonical(b)) return [];
  return [{ path, kind: a === undefined ? 'added' : b === undefined ? 'removed' : 'changed' }];
}

/** Client paths (below the section, or below an instance) that have a built-in default. */
const BUILTIN = {
  server: new Set(['port', 'user']),
  backups: new Set(['retention', 'timeZone']),
  monitoring: new Set(['servers', 'checks']),
  maintenance: new Set<string>(),
  proxy: new Set(['certResolver', 'protect']),
  instance: new Set(['database', 'modules', 'removeModules', 'addons', 'options', 'windows', 'httpPort']),
};
const SECTIONS = new Set(['server', 'backups', 'maintenance', 'monitoring', 'proxy'] as const);
type Section = typeof SECTIONS extends Set<infer T> ? T : never;
const isSection = (s: unknown): s is Section => SECTIONS.has(s as Section);

/** fleet.yaml parts no client's resolved state reads. */
const FLEET_ONLY = new Set(['apiVersion', 'kind', 'operator', 'nagios', 'logHost']);

/** The addresses the monitoring servers query from: what clients inherit of monitoringServers. */
function monitoringSources(data: unknown): string {
  return canonical(isPlainObject(data) ? resolveFleet(data).monitoringServers.flatMap((m) => m.addresses) : []);
}

type Verdict = 'touched' | 'untouched' | 'compare';

function lastKey(path: Path): string | null {
  for (let i = path.length - 1; i >= 0; i--) if (typeof path[i] === 'string') return path[i] as string;
  return null;
}

function has(data: unknown, path: Path): boolean {
  let node = data;
  for (const seg of path) {
    if (!isPlainObject(node) || !(String(seg) in node)) return false;
    node = node[String(seg)];
  }
  return true;
}

function escapeRe(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * Whether a client (by its unchanged text) is touched by one changed fleet.yaml leaf. The only
 * "untouched" verdicts rest on the client text not naming something at all (an instance, a
 * backup destination) — so texts with escapes (a key could be spelled \u0070roduction) are
 * compared instead.
 */
function classify(leaf: Leaf, text: string, a: unknown, b: unknown): Verdict {
  const [head, ...rest] = leaf.path;
  const plain = !text.includes('\\');
  const inherits = (key: string | null, builtin: boolean): Verdict => {
    if (key === null || text.includes(key)) return 'compare';
    if (builtin && leaf.kind !== 'changed') return 'compare';
    return 'touched';
  };
  if (FLEET_ONLY.has(String(head))) return 'untouched';
  switch (head) {
    case 'security':
      // fleet.yaml security is every client's baseline, below the client's own security.
      if (rest.length === 0) return 'compare';
      return inherits(lastKey(rest), leaf.kind !== 'changed');
    case 'monitoringServers':
      if (has(a, ['defaults', 'monitoring', 'servers']) && has(b, ['defaults', 'monitoring', 'servers'])) return 'untouched';
      if (monitoringSources(a) === monitoringSources(b)) return 'untouched';
      return inherits('servers', false);
    case 'backupDestinations': {
      const name = String(rest[0]);
      if (text.includes(name) || !plain) return 'compare';
      const byDefault = (d: unknown) => has(d, ['defaults', 'backups', 'destinations']) && JSON.stringify((d as { defaults: { backups: Obj } }).defaults.backups.destinations).includes(JSON.stringify(name));
      return byDefault(a) || byDefault(b) ? inherits('destinations', false) : 'untouched';
    }
    case 'defaults': {
      const [section, ...sub] = rest;
      if (section === 'proxy' && sub[0] === 'protect') return 'compare';
      if (isSection(section)) {
        if (sub.length === 0) return 'compare';
        return inherits(lastKey(sub), BUILTIN[section].has(String(sub[0])));
      }
      if (section === 'instance') {
        if (sub.length === 0) return 'compare';
        // defaults.instances.X may set the same key for instance X: which instances a client
        // has is only known by parsing it.
        for (const d of [a, b]) {
          const named = isPlainObject(d) && isPlainObject(d.defaults) && isPlainObject(d.defaults.instances) ? Object.values(d.defaults.instances) : [];
          if (named.some((x) => has(x, sub))) return 'compare';
        }
        return inherits(lastKey(sub), sub.length === 1 && BUILTIN.instance.has(String(sub[0])));
      }
      if (section === 'instances') {
        const [inst, ...rest2] = sub;
        const name = String(inst);
        if (!text.includes(name)) return plain ? 'untouched' : 'compare';
        // Named as a mapping key (block or flow style, maybe quoted): the client has that instance.
        if (!new RegExp(`(^|[\\s{,])["']?${escapeRe(name)}["']?\\s*:`, 'm').test(text) || rest2.length === 0) return 'compare';
        return inherits(lastKey(rest2), rest2.length === 1 && BUILTIN.instance.has(String(rest2[0])));
      }
      return 'compare';
    }
    default:
      // timezone, policy, or anything unknown: resolve and compare.
      return 'compare';
  }
}

function verdict(leaves: Leaf[], classifyLeaf: (leaf: Leaf) => Verdict): Verdict {
  let v: Verdict = 'untouched';
  for (const leaf of leaves) {
    const x = classifyLeaf(leaf);
    if (x === 'touched') return 'touched';
    if (x === 'compare') v = 'compare';
  }
  return v;
}

function at(data: unknown, path: Path): unknown {
  let node = data;
  for (const seg of path) node = isPlainObject(node) ? node[String(seg)] : undefined;
  return node;
}

/**
 * The same question, answered from the client's data (parsed, and accepted by the schema as
 * a whole, so nothing of it is pruned): a client that writes the changed leaf itself masks
 * the default; one that does not inherits it. Used when the text alone cannot tell (the
 * leaf's key appears in the file, maybe elsewhere).
 */
function classifyByData(leaf: Leaf, data: Obj, a: unknown, b: unknown): Verdict {
  const [head, ...rest] = leaf.path;
  const inherits = (builtin: boolean): Verdict => (builtin && leaf.kind !== 'changed' ? 'compare' : 'touched');
  if (FLEET_ONLY.has(String(head))) return 'untouched';
  if (head === 'security') return rest.length > 0 && has(data, ['security', ...rest]) ? 'untouched' : rest.length > 0 ? inherits(true) : 'compare';
  if (head === 'monitoringServers') {
    if (has(a, ['defaults', 'monitoring', 'servers']) && has(b, ['defaults', 'monitoring', 'servers'])) return 'untouched';
    if (monitoringSources(a) === monitoringSources(b)) return 'untouched';
    return has(data, ['monitoring', 'servers']) ? 'untouched' : inherits(false);
  }
  if (head !== 'defaults') return 'compare';
  const [section, ...sub] = rest;
  if (sub.length === 0) return 'compare';
  // defaults.proxy.protect.<instance> applies only to the instances a client has: resolve to know.
  if (section === 'proxy' && sub[0] === 'protect') return 'compare';
  if (isSection(section)) {
    return has(data, [section, ...sub]) ? 'untouched' : inherits(BUILTIN[section].has(String(sub[0])));
  }
  const instances = isPlainObject(data.instances) ? data.instances : {};
  const builtin = sub.length === 1 && BUILTIN.instance.has(String(sub[0]));
  if (section === 'instances') {
    const [inst, ...rest2] = sub;
    if (!isPlainObject(instances[String(inst)])) return 'untouched';
    if (rest2.length === 0) return 'compare';
    return has(instances[String(inst)], rest2) ? 'untouched' : inherits(rest2.length === 1 && BUILTIN.instance.has(String(rest2[0])));
  }
  if (section === 'instance') {
    let v: Verdict = 'untouched';
    for (const name of Object.keys(instances)) {
      if (has(instances[name], sub)) continue;
      const named = [a, b].map((d) => has(at(d, ['defaults', 'instances', name]), sub));
      if (named[0] && named[1]) continue;
      if (named[0] || named[1]) return 'compare';
      v = inherits(builtin);
      if (v === 'touched') return v;
    }
    return v;
  }
  return 'compare';
}

/** How many clients had to be resolved on both sides (the rest were decided from fleet.yaml's changes and their text). */
export interface TouchedWork {
  compared: number;
}

/** Touched clients between two sides (pure). */
export function touchedBetween(a: Side, b: Side, work?: TouchedWork): string[] {
  const out = new Set<string>();
  const paths = new Set([...a.clients.keys(), ...b.clients.keys()]);
  const dataA = normalizeWindows(fleetData(a.fleet));
  const dataB = normalizeWindows(fleetData(b.fleet));
  const fleetSame = a.fleet?.oid === b.fleet?.oid || (dataA !== undefined && canonical(dataA) === canonical(dataB));
  const leaves = fleetSame ? [] : changedLeaves(dataA, dataB);
  let fcA: FleetContext | null | undefined;
  let fcB: FleetContext | null | undefined;
  const contexts = (): [FleetContext | null, FleetContext | null] => {
    if (fcA === undefined) fcA = a.fleet ? prepareFleet(a.fleet.text, []) : null;
    if (fcB === undefined) fcB = fleetSame ? fcA : b.fleet ? prepareFleet(b.fleet.text, []) : null;
    return [fcA, fcB];
  };
  // Without both fleets readable, nothing can be classified: compare everything.
  const classifiable = dataA !== undefined && dataB !== undefined;
  for (const p of paths) {
    const name = clientName(p) ?? p;
    const fa = a.clients.get(p);
    const fb = b.clients.get(p);
    if (!fa || !fb) {
      out.add(name);
      continue;
    }
    let v: Verdict;
    if (fa.oid !== fb.oid) v = 'compare';
    else if (fleetSame) v = 'untouched';
    else {
      v = classifiable ? verdict(leaves, (leaf) => classify(leaf, fa.text, dataA, dataB)) : 'compare';
      if (v === 'compare' && classifiable) {
        // The text could not tell: read the data (fast, no resolution) when the schema accepts all of it.
        const y = parseYamlFile(p, fa.text, []);
        if (isPlainObject(y?.data) && schemaAccepts('client', y.data)) v = verdict(leaves, (leaf) => classifyByData(leaf, y.data as Obj, dataA, dataB));
      }
    }
    if (v === 'touched') out.add(name);
    else if (v === 'compare') {
      if (work) work.compared++;
      const [ca, cb] = contexts();
      const [x, y] = fingerprints(ca, fa, cb, fb);
      if (x !== y) out.add(name);
    }
  }
  return [...out].sort();
}

/** The exact answer (every client resolved on both sides): the reference the fast path is tested against. */
export function touchedExact(a: Side, b: Side): string[] {
  const fcA = a.fleet ? prepareFleet(a.fleet.text, []) : null;
  const fcB = b.fleet ? prepareFleet(b.fleet.text, []) : null;
  const out: string[] = [];
  for (const p of new Set([...a.clients.keys(), ...b.clients.keys()])) {
    const fa = a.clients.get(p);
    const fb = b.clients.get(p);
    if (!fa || !fb) out.push(clientName(p) ?? p);
    else {
      const [x, y] = fingerprints(fcA, fa, fcB, fb);
      if (x !== y) out.push(clientName(p) ?? p);
    }
  }
  return out.sort();
}

/**
 * Clients whose resolved desired state differs between `from` and `to` (a revision, or a
 * ConfigSource such as the working tree a plan read).
 */
export async function touchedClients(opts: { repo?: string; from: string; to: string | ConfigSource }): Promise<string[]> {
  const repo = await openRepo(opts.repo, { commits: typeof opts.to === 'string' ? [opts.from, opts.to] : [] });
  const from: ConfigSource = { kind: 'commit', commit: await resolveRevision(repo, opts.from) };
  const to: ConfigSource = typeof opts.to === 'string' ? { kind: 'commit', commit: await resolveRevision(repo, opts.to) } : opts.to;
  if (to.kind === 'commit' && to.commit === from.commit) return [];
  const filesA = await readConfigFiles(repo, from);
  const filesB = await readConfigFiles(repo, to, textsByOid(filesA));
  return touchedBetween(side(filesA), side(filesB));
}

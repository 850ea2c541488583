/**
 * Public entry points of desired state: load (resolved, validated), validate (issues only),
 * touched clients between two revisions.
 */
import { clientChecks, crossClientChecks, fleetChecks, secretIssues, WindowCache } from './checks.ts';
import { ValidationFailed, sortIssues } from './issues.ts';
import { isPlainObject, Locator, resolveClient, resolveFleet } from './merge.ts';
import { configOids, openRepo, readConfigFiles, resolveRevision, type ConfigRepo } from './repo.ts';
import { schemaIssues } from './schema.ts';
import type { ClientSpec, DesiredState, FleetSpec, ValidationIssue } from './types.ts';
import { parseYamlFile } from './yaml.ts';

export interface RepoOptions {
  /** Local path (work tree, sub-folder of one, or bare repo) or git URL. Default: cwd. */
  repo?: string;
  /** Branch, tag, SHA (full or abbreviated), HEAD. Default: HEAD (the remote's default branch for a URL). */
  rev?: string;
}

interface Analysis {
  revision: string;
  repoPath: string;
  fleet: FleetSpec | null;
  clients: ClientSpec[];
  issues: ValidationIssue[];
  /** Client name -> canonical fingerprint of its resolved state (raw blob when unresolvable). */
  fingerprints: Map<string, string>;
}

const CLIENT_FILE = /^clients\/([^/]+)\.yaml$/;

/** JSON with sorted keys: key order in YAML is not a change. */
export function canonical(v: unknown): string {
  return JSON.stringify(v, (_k, val: unknown) =>
    isPlainObject(val) ? Object.fromEntries(Object.keys(val).sort().map((k) => [k, val[k]])) : val,
  );
}

async function analyze(repo: ConfigRepo, revision: string, only?: Set<string>, fingerprint = false): Promise<Analysis> {
  const files = await readConfigFiles(repo, revision);
  const issues: ValidationIssue[] = [];
  const secrets: ValidationIssue[] = [];
  const cache = new WindowCache();
  for (const p of files.tooBig) issues.push({ file: p, line: 1, col: 1, message: 'file is larger than 1024 KiB: refusing to read it' });

  let fleet: FleetSpec | null = null;
  let fleetYaml = null;
  if (!files.fleet) {
    if (!files.tooBig.includes('fleet.yaml')) issues.push({ file: 'fleet.yaml', line: 1, col: 1, message: 'missing fleet.yaml at the root of the config repo' });
  } else {
    fleetYaml = parseYamlFile('fleet.yaml', files.fleet.text, issues);
    if (fleetYaml) secrets.push(...secretIssues(fleetYaml));
    if (fleetYaml?.data !== undefined) {
      const s = schemaIssues('fleet', fleetYaml);
      issues.push(...s);
      if (s.length === 0) {
        fleet = resolveFleet(fleetYaml.data as Record<string, unknown>);
        const f = fleetChecks(fleet, fleetYaml, cache);
        issues.push(...f);
        // Clients inherit the fleet time zone: resolving them over a broken fleet.yaml would
        // repeat its problem everywhere. They still get their own schema checks.
        if (f.length > 0) fleet = null;
      }
    }
  }

  const entries: { spec: ClientSpec; loc: Locator }[] = [];
  const fingerprints = new Map<string, string>();
  for (const cf of files.clients) {
    const m = CLIENT_FILE.exec(cf.path);
    if (!m) {
      issues.push({ file: cf.path, line: 1, col: 1, message: 'client files must be named clients/<name>.yaml' });
      continue;
    }
    const name = m[1]!;
    if (only && !only.has(name)) continue;
    fingerprints.set(name, `raw:${cf.oid}:${files.fleet?.oid ?? ''}`);
    const y = parseYamlFile(cf.path, cf.text, issues);
    if (!y) continue;
    secrets.push(...secretIssues(y));
    if (y.data === undefined) continue;
    const s = schemaIssues('client', y);
    issues.push(...s);
    if (s.length > 0 || !fleet) continue;
    const loc = new Locator(y, fleetYaml);
    const r = resolveClient(fleet, y.data as Record<string, unknown>, loc);
    issues.push(...r.issues);
    if (r.issues.length === 0) issues.push(...clientChecks(r.spec, loc, cache));
    entries.push({ spec: r.spec, loc });
    if (fingerprint) fingerprints.set(name, canonical(r.spec));
  }
  issues.push(...crossClientChecks(entries));

  // A secret-named key with an inline value is reported once, as a secret (not also as a
  // schema pattern failure at the same place).
  const secretAt = new Set(secrets.map((i) => `${i.file}:${i.line}:${i.col}`));
  const kept = issues.filter((i) => !secretAt.has(`${i.file}:${i.line}:${i.col}`));
  return {
    revision,
    repoPath: repo.repoPath,
    fleet,
    clients: entries.map((e) => e.spec).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0)),
    issues: sortIssues([...kept, ...secrets]),
    fingerprints,
  };
}

/** The resolved desired state at a revision; throws ValidationFailed when the repo is invalid. */
export async function loadDesiredState(opts: RepoOptions = {}): Promise<DesiredState> {
  const repo = await openRepo(opts.repo);
  const revision = await resolveRevision(repo, opts.rev);
  const a = await analyze(repo, revision);
  if (a.issues.length > 0 || !a.fleet) throw new ValidationFailed(a.issues);
  return { revision, repoPath: a.repoPath, fleet: a.fleet, clients: a.clients };
}

/** Every problem of the config repo at a revision (empty: valid). */
export async function validateRepo(opts: RepoOptions = {}): Promise<{ revision: string; issues: ValidationIssue[]; clients: number }> {
  const repo = await openRepo(opts.repo);
  const revision = await resolveRevision(repo, opts.rev);
  const a = await analyze(repo, revision);
  return { revision, issues: a.issues, clients: a.fingerprints.size };
}

/**
 * Clients whose resolved desired state differs between two revisions: a fleet.yaml change
 * touches the clients that inherit a changed key, a comment-only change touches none,
 * added and removed clients count. Invalid files compare by content.
 */
export async function touchedClients(opts: { repo?: string; from: string; to: string }): Promise<string[]> {
  const repo = await openRepo(opts.repo);
  const from = await resolveRevision(repo, opts.from);
  const to = await resolveRevision(repo, opts.to);
  if (from === to) return [];
  const [oa, ob] = await Promise.all([configOids(repo, from), configOids(repo, to)]);
  let only: Set<string> | undefined;
  if (oa.get('fleet.yaml') === ob.get('fleet.yaml')) {
    // Same fleet.yaml: only clients whose own file changed can differ.
    only = new Set();
    for (const p of new Set([...oa.keys(), ...ob.keys()])) {
      const m = CLIENT_FILE.exec(p);
      if (m && oa.get(p) !== ob.get(p)) only.add(m[1]!);
    }
    if (only.size === 0) return [];
  }
  const [a, b] = [await analyze(repo, from, only, true), await analyze(repo, to, only, true)];
  const out: string[] = [];
  for (const name of new Set([...a.fingerprints.keys(), ...b.fingerprints.keys()])) {
    if (a.fingerprints.get(name) !== b.fingerprints.get(name)) out.push(name);
  }
  return out.sort();
}

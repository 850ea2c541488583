/**
 * One pass over the config files (pure: text in, resolved state and issues out): YAML, value
 * rules (printable text, inline secrets), the schema, then — on what the schema accepted —
 * resolution over the fleet defaults and the semantic checks, so `validate` reports every
 * problem in one round. A client file is parsed, checked and let go before the next one:
 * memory holds the resolved specs, never 10,000 YAML documents.
 */
import { IANAZone } from 'luxon';
import { checkedIssues, clientChecks, crossClientChecks, fleetChecks, fleetClientChecks, valueIssues, WindowCache, type CheckContext, type ClientIdentity } from './checks.ts';
import { CLIENT_SECTIONS, FLEET_SECTIONS, NOT_ENFORCED_NOTE } from './enforcement.ts';
import { issueAt, sortIssues } from './issues.ts';
import { isPlainObject, Locator, resolveClient, resolveFleet } from './merge.ts';
import { pruned } from './prune.ts';
import type { ConfigFiles } from './repo.ts';
import { prunePathsAgain, schemaCheck } from './schema.ts';
import type { ClientSpec, FleetSpec, ValidationIssue } from './types.ts';
import { findPath, parseYamlFile, positionOf, YamlFile } from './yaml.ts';

export const CLIENT_FILE = /^clients\/([^/]+)\.yaml$/;

export interface Analysis {
  /** The resolved fleet, or null when fleet.yaml is missing or unreadable. */
  fleet: FleetSpec | null;
  /** Resolved clients, sorted by name (meaningful only when there is no error). */
  clients: ClientSpec[];
  /** Errors and warnings, sorted by file and position. */
  issues: ValidationIssue[];
  /** Client files found (valid or not). */
  clientFiles: number;
}

export interface AnalyzeOptions {
  /** The instant window openings are computed from (default: now). */
  at?: Date;
}

/** Fleet settings a client is resolved with even when fleet.yaml has problems (reported there). */
function usableFleet(fleet: FleetSpec): FleetSpec {
  return typeof fleet.timezone === 'string' && IANAZone.isValidZone(fleet.timezone) ? fleet : { ...fleet, timezone: 'UTC' };
}

/** Parses and checks one file: YAML, value rules, schema. Returns the data the schema accepted (null: nothing usable). */
function checkFile(kind: 'client' | 'fleet', path: string, text: string, issues: ValidationIssue[]): { y: YamlFile; data: Record<string, unknown> } | null {
  const y = parseYamlFile(path, text, issues);
  if (!y || y.data === undefined) return null;
  const schema = schemaCheck(kind, y);
  issues.push(...checkedIssues(valueIssues(y), schema.issues));
  if (schema.unusable || !isPlainObject(y.data)) return null;
  let data = pruned(y.data, schema.prune);
  // Each round can only take out objects left incomplete by the previous one: bounded by the nesting depth.
  for (let round = 0, more = schema.prune; more.length > 0 && round < 8; round++) {
    more = prunePathsAgain(kind, data);
    data = pruned(data, more);
  }
  return { y, data };
}

function list(files: string[], max = 3): string {
  return files.length <= max ? files.join(', ') : `${files.slice(0, max).join(', ')} and ${files.length - max} more`;
}

/** Warnings for the not-yet-enforced sections nobody declares. */
function undeclaredWarnings(fleetFile: YamlFile, undeclared: Map<string, string[]>, clientFiles: number): ValidationIssue[] {
  const out: ValidationIssue[] = [];
  const note = `(${NOT_ENFORCED_NOTE})`;
  for (const s of FLEET_SECTIONS) {
    if (!s.ifOmitted) continue;
    const path = s.path.split('.');
    if (findPath(fleetFile, path).depth === path.length) continue;
    out.push(issueAt(fleetFile.file, positionOf(fleetFile, path, true), `${s.path}: not set, so ${s.ifOmitted} ${note}`, 'warning'));
  }
  for (const s of CLIENT_SECTIONS) {
    const files = undeclared.get(s.path) ?? [];
    if (files.length === 0) continue;
    const fleetPath = s.fleetDefault!.split(' ')[0]!.split('.');
    const who = files.length === clientFiles && clientFiles > 3 ? `any of the ${clientFiles} client files` : list(files);
    out.push(
      issueAt(
        fleetFile.file,
        positionOf(fleetFile, fleetPath, true),
        `${s.fleetDefault}: not set here nor in ${who}, so for ${files.length === 1 ? 'that client' : 'those clients'} ${s.ifOmitted} ${note}`,
        'warning',
      ),
    );
  }
  return out;
}

/** fleet.yaml, parsed and resolved once for every client resolved over it. */
export interface FleetContext {
  /** As resolved (reported as the state's fleet). */
  fleet: FleetSpec;
  /** What clients are resolved with: `fleet`, with a stand-in time zone when fleet.yaml's is unusable (reported there). */
  resolveWith: FleetSpec;
  file: YamlFile;
  checks: CheckContext;
}

/** Parses and checks fleet.yaml; null when it cannot be used to resolve clients. */
export function prepareFleet(text: string, issues: ValidationIssue[], at?: Date): FleetContext | null {
  const cache = new WindowCache(at);
  const checked = checkFile('fleet', 'fleet.yaml', text, issues);
  if (!checked) return null;
  const fleet = resolveFleet(checked.data);
  issues.push(...fleetChecks(fleet, checked.y, cache));
  return {
    fleet,
    resolveWith: usableFleet(fleet),
    file: checked.y,
    checks: { cache, allowFileUrls: fleet.policy.allowFileUrls, allowOptions: new Set(fleet.policy.allowOptions) },
  };
}

export interface ClientResult {
  spec: ClientSpec;
  identity: ClientIdentity;
  /** Not-yet-enforced sections neither the client nor fleet.yaml declares. */
  undeclared: string[];
}

/** A client file parsed and checked on its own (what does not depend on fleet.yaml). */
export interface CheckedClient {
  path: string;
  text: string;
  /** Client name from the file name. */
  name: string;
  /** The file and the data the schema accepted; null when nothing can be resolved (unreadable YAML, wrong shape). */
  checked: { y: YamlFile; data: Record<string, unknown> } | null;
  /** YAML, schema and value issues of the file. */
  issues: ValidationIssue[];
}

/** Parses and checks a client file; null when its path is not clients/<name>.yaml (reported in `issues`). */
export function checkClientFile(path: string, text: string, issues: ValidationIssue[]): CheckedClient | null {
  const m = CLIENT_FILE.exec(path);
  if (!m) {
    issues.push(issueAt(path, { line: 1, col: 1 }, 'client files must be named clients/<name>.yaml'));
    return null;
  }
  const own: ValidationIssue[] = [];
  const checked = checkFile('client', path, text, own);
  issues.push(...own);
  return { path, text, name: m[1]!, checked, issues: own };
}

/**
 * Resolves a checked client file over the fleet and runs the checks that depend on it
 * (issues go to `issues`); null when nothing can be resolved. Without a usable fleet.yaml a
 * client gets its own checks only (resolving it over a missing fleet would report the
 * fleet's problem once per client).
 */
export function resolveChecked(fc: FleetContext | null, c: CheckedClient, issues: ValidationIssue[], opts: { checks?: boolean } = {}): ClientResult | null {
  if (!c.checked || !fc) return null;
  const { y, data } = c.checked;
  const loc = new Locator(y, fc.file);
  const r = resolveClient(fc.resolveWith, data, loc, c.name, y.data as Record<string, unknown>);
  issues.push(...r.issues);
  if (opts.checks !== false) issues.push(...clientChecks(r.spec, loc, fc.checks));
  const { path, text } = c;
  return {
    spec: r.spec,
    undeclared: r.undeclared,
    identity: {
      name: r.spec.name,
      file: path,
      host: r.spec.server.host,
      port: r.spec.server.port,
      locate: (p) => positionOf(new YamlFile(path, text, undefined), p),
    },
  };
}

/** Parses, checks and resolves one client file over the fleet (issues go to `issues`). */
export function analyzeClient(fc: FleetContext | null, path: string, text: string, issues: ValidationIssue[]): ClientResult | null {
  const c = checkClientFile(path, text, issues);
  return c ? resolveChecked(fc, c, issues) : null;
}

export function analyzeFiles(files: ConfigFiles, opts: AnalyzeOptions = {}): Analysis {
  const issues: ValidationIssue[] = [];
  for (const s of files.skipped) issues.push(issueAt(s.path, { line: 1, col: 1 }, s.message));
  let fc: FleetContext | null = null;
  if (!files.fleet) {
    if (!files.skipped.some((s) => s.path === 'fleet.yaml')) issues.push(issueAt('fleet.yaml', { line: 1, col: 1 }, 'missing fleet.yaml at the root of the config repo'));
  } else fc = prepareFleet(files.fleet.text, issues, opts.at);

  const clients: ClientSpec[] = [];
  const identities: ClientIdentity[] = [];
  const undeclared = new Map<string, string[]>();
  let clientFiles = 0;
  for (const cf of files.clients) {
    if (CLIENT_FILE.test(cf.path)) clientFiles++;
    const r = analyzeClient(fc, cf.path, cf.text, issues);
    if (!r) continue;
    for (const u of r.undeclared) {
      const l = undeclared.get(u) ?? [];
      l.push(cf.path);
      undeclared.set(u, l);
    }
    clients.push(r.spec);
    identities.push(r.identity);
  }
  issues.push(...crossClientChecks(identities));
  if (fc) issues.push(...fleetClientChecks(fc.fleet, fc.file, clients.map((c) => c.name)));
  if (fc) issues.push(...undeclaredWarnings(fc.file, undeclared, clientFiles));

  clients.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return { fleet: fc?.fleet ?? null, clients, issues: sortIssues(issues), clientFiles };
}

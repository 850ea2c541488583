/**
 * Semantic checks beyond the schema: things JSON Schema cannot say (cross-field, cross-file,
 * cron/time zones, git ref rules, fleet policy, secrets, printable text). Each returns located
 * issues. They run on the data the schema accepted (see prune.ts), so a value may be missing.
 */
import { IANAZone } from 'luxon';
import { formatAt, nthWeekdaySchedule, restrictsBothDays, validateWindow, windowOpenings, windowsNeverOpen } from '../plan/windows.ts';
import { fileUrlPrefixProblem, gitUrlProblem } from './git-urls.ts';
import { issueAt } from './issues.ts';
import type { Locator } from './merge.ts';
import { optionProblem, SET_BY_ODOOPS } from './odoo-options.ts';
import { describeChar, firstNotPrintable } from './printable.ts';
import { SECRET_KEY } from './schema.ts';
import { unknownClientMessage } from './unknown-client.ts';
import type { ClientSpec, FleetSpec, IssueSeverity, ValidationIssue, WindowSpec } from './types.ts';
import { formatPath, type Path, positionOf, type YamlFile } from './yaml.ts';

export const KNOWN_SERIES = ['14.0', '15.0', '16.0', '17.0', '18.0', '19.0'];

const SECRET_REF = /^(env:[A-Za-z_][A-Za-z0-9_]*|file:[A-Za-z0-9_./~-]+)$/;
/** Values that are secrets whatever their key: private keys and well-known token formats. */
const SECRET_VALUE = /-----BEGIN [A-Z ]*PRIVATE KEY|-----BEGIN OPENSSH|\b(glpat-[A-Za-z0-9_-]{10,}|gh[pousr]_[A-Za-z0-9]{20,}|github_pat_[A-Za-z0-9_]{20,}|xox[abprs]-[A-Za-z0-9-]{10,}|sk_live_[A-Za-z0-9]{10,}|AKIA[0-9A-Z]{16})/;

/** Why `ref` is neither a branch/tag name (git check-ref-format rules) nor a 40-hex commit. */
export function refProblem(ref: string): string | null {
  if (/^[0-9a-f]{40}$/.test(ref)) return null;
  if (/^[0-9a-fA-F]{7,39}$/.test(ref) && /[0-9]/.test(ref)) return 'looks like an abbreviated commit: use the full 40-hex SHA, a branch or a tag';
  const bad = (why: string) => `is not a valid branch or tag name (${why})`;
  if (ref === '@') return bad('"@" alone');
  if (ref.includes('..')) return bad('contains ".."');
  if (ref.includes('@{')) return bad('contains "@{"');
  if (ref.includes('//')) return bad('contains "//"');
  if (ref.endsWith('/')) return bad('ends with "/"');
  if (ref.endsWith('.')) return bad('ends with "."');
  if (/[\x00-\x20\x7f~^:?*[\\]/.test(ref)) return bad('contains a forbidden character');
  for (const part of ref.split('/')) {
    if (part.startsWith('.')) return bad('a component starts with "."');
    if (part.endsWith('.lock')) return bad('a component ends with ".lock"');
  }
  return null;
}

/** Tag of an image reference, or null (registry ports and digests are not tags). */
export function imageTag(image: string): string | null {
  const noDigest = image.split('@')[0]!;
  const last = noDigest.slice(noDigest.lastIndexOf('/') + 1);
  const i = last.indexOf(':');
  return i < 0 ? null : last.slice(i + 1);
}

/** Which field of a window a validateWindow() message is about. */
function windowField(problem: string): string | undefined {
  if (/time zone/.test(problem)) return 'timeZone';
  if (/cron|schedule/.test(problem)) return 'schedule';
  if (/duration/.test(problem)) return 'duration';
  if (/kind/.test(problem)) return 'kind';
  return undefined;
}

function windowKey(w: WindowSpec): string {
  return `${w.kind}\u0000${w.schedule}\u0000${w.duration}\u0000${w.timeZone}\u0000${w.manualSync}`;
}

/**
 * Per-run cache: identical windows and window lists (usually inherited) are evaluated once;
 * `at` is the instant every "next opening" of this run is computed from.
 */
export class WindowCache {
  private never = new Map<string, string | null>();
  private valid = new Map<string, string | null>();
  private days = new Map<string, string | null>();
  constructor(readonly at: Date = new Date()) {}
  validate(w: WindowSpec): string | null {
    const k = windowKey(w);
    let v = this.valid.get(k);
    if (v === undefined) this.valid.set(k, (v = validateWindow(w)));
    return v;
  }
  neverOpen(ws: WindowSpec[]): string | null {
    const k = ws.map(windowKey).join('\u0001');
    let v = this.never.get(k);
    if (v === undefined) this.never.set(k, (v = windowsNeverOpen(ws, this.at)));
    return v;
  }
  /** The warning for a (valid) window whose schedule restricts both day fields, or null. */
  dayFields(w: WindowSpec): string | null {
    const k = `${w.schedule}\u0000${w.timeZone}`;
    let v = this.days.get(k);
    if (v === undefined) this.days.set(k, (v = dayFieldsWarning(w, this.at)));
    return v;
  }
}

function dayFieldsWarning(w: WindowSpec, at: Date): string | null {
  if (!restrictsBothDays(w.schedule)) return null;
  const next = windowOpenings(w, at, 3).map((d) => formatAt(d.getTime(), w.timeZone).replace(` ${w.timeZone}`, ''));
  const nth = nthWeekdaySchedule(w.schedule);
  const fix = nth ? `; for the ${ordinal(nth)} write "${nth}"` : '; to require both, use a weekday with #N (e.g. "2#1", the first Tuesday) or L';
  return `"${w.schedule}" restricts both the day of the month and the day of the week: cron opens the window on days matching EITHER (next: ${next.join(', ')} ${w.timeZone})${fix}`;
}

const DAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday', 'Sunday'];

function ordinal(nthSchedule: string): string {
  const m = /([0-7])#([1-4])$/.exec(nthSchedule)!;
  return `${['first', 'second', 'third', 'fourth'][Number(m[2]) - 1]} ${DAYS[Number(m[1])]} of the month`;
}

function isWindow(w: unknown): w is WindowSpec {
  return typeof w === 'object' && w !== null;
}

function windowIssues(ws: (WindowSpec | undefined)[], base: Path, loc: Locator, cache: WindowCache): ValidationIssue[] {
  const out: ValidationIssue[] = [];
  let complete = true;
  for (const [i, w] of ws.entries()) {
    if (!isWindow(w)) {
      complete = false;
      continue;
    }
    out.push(...singleWindowIssues(w, [...base, i], loc, cache, false));
  }
  // With a window the schema refused, the list is not what was meant: no "never opens" verdict.
  if (complete && !out.some((i) => i.severity === 'error') && ws.length > 0) {
    const never = cache.neverOpen(ws as WindowSpec[]);
    if (never) out.push(loc.issue(base, `never opens: ${never}`));
  }
  return out;
}

function singleWindowIssues(w: WindowSpec, path: Path, loc: Locator, cache: WindowCache, checkNever = true): ValidationIssue[] {
  const problem = cache.validate(w);
  if (problem) {
    const field = windowField(problem);
    return [loc.issue(field ? [...path, field] : path, problem)];
  }
  const out: ValidationIssue[] = [];
  const days = cache.dayFields(w);
  if (days) out.push(loc.issue([...path, 'schedule'], days, false, 'warning'));
  if (checkNever) {
    const never = cache.neverOpen([w]);
    if (never) out.push(loc.issue(path, `never opens: ${never}`));
  }
  return out;
}

export interface CheckContext {
  cache: WindowCache;
  /** fleet.yaml policy: file:/// prefixes, extra options. */
  allowFileUrls: readonly string[];
  allowOptions: ReadonlySet<string>;
}

/** Checks of one resolved client. */
export function clientChecks(spec: ClientSpec, loc: Locator, ctx: CheckContext): ValidationIssue[] {
  const out: ValidationIssue[] = [];
  const { cache } = ctx;
  const expected = spec.file.replace(/^.*\//, '').replace(/\.yaml$/, '');
  if (spec.name !== expected) out.push(loc.issue(['name'], `client name "${spec.name}" does not match its file name ${spec.file} (expected "${expected}")`));

  // A clash is reported where a value is written (not on the instance that got a built-in default).
  const clash = (field: 'httpPort' | 'database', a: string, b: string, what: string) => {
    const [here, there] = loc.written(['instances', b, field]) || !loc.written(['instances', a, field]) ? [b, a] : [a, b];
    out.push(loc.issue(['instances', here, field], `${what} is also used by instance "${there}"`));
  };
  const ports = new Map<number, string>();
  const dbs = new Map<string, string>();
  for (const inst of spec.instances) {
    const ip: Path = ['instances', inst.name];
    if (inst.httpPort !== undefined) {
      const other = ports.get(inst.httpPort);
      if (other) clash('httpPort', other, inst.name, `httpPort ${inst.httpPort}`);
      else ports.set(inst.httpPort, inst.name);
    }
    if (typeof inst.database === 'string') {
      const otherDb = dbs.get(inst.database);
      if (otherDb) clash('database', otherDb, inst.name, `database "${inst.database}"`);
      else dbs.set(inst.database, inst.name);
    }

    if (typeof inst.image === 'string') {
      const tag = imageTag(inst.image);
      if (tag === null) out.push(loc.issue([...ip, 'image'], `image "${inst.image}" has no tag (use repo:tag, e.g. registry.example.com/odoo:${inst.series ?? '17.0'}-20261101)`));
      else {
        const m = /^(\d+\.0)(?![0-9])/.exec(tag);
        if (m && inst.series && KNOWN_SERIES.includes(m[1]!) && m[1] !== inst.series) {
          out.push(loc.issue([...ip, 'image'], `image tag "${tag}" is for Odoo ${m[1]} but series is "${inst.series}"`));
        }
      }
    }
    const installed = new Set(inst.modules);
    for (const [j, mod] of inst.removeModules.entries()) {
      if (typeof mod === 'string' && installed.has(mod)) out.push(loc.issue([...ip, 'removeModules', j], `module "${mod}" is both in modules and removeModules`));
    }
    const addonNames = new Set<string>();
    for (const [j, a] of inst.addons.entries()) {
      if (!a) continue;
      const problem = refProblem(a.ref);
      if (problem) out.push(loc.issue([...ip, 'addons', j, 'ref'], `"${a.ref}" ${problem}`));
      const urlProblem = gitUrlProblem(a.url, ctx.allowFileUrls);
      if (urlProblem) out.push(loc.issue([...ip, 'addons', j, 'url'], `"${a.url}": ${urlProblem}`));
      if (addonNames.has(a.name)) out.push(loc.issue([...ip, 'addons', j, 'name'], `addons repository "${a.name}" is listed twice`));
      addonNames.add(a.name);
    }
    for (const [key, value] of Object.entries(inst.options)) {
      const problem = optionProblem(key, ctx.allowOptions);
      if (problem) out.push(loc.issue([...ip, 'options', key], problem, true));
      // A plain string never changes meaning: "env:X" would be written to odoo.conf as the text "env:X".
      else if (typeof value === 'string' && SECRET_REF.test(value)) {
        out.push(loc.issue([...ip, 'options', key], `"${value}" is a secret reference written as a plain value (odoo.conf would get this text): write {secret: ${value}}`));
      }
    }
    for (const [j, a] of inst.addons.entries()) {
      if (a && a.credentials !== undefined && !/^https:\/\//.test(a.url)) {
        out.push(loc.issue([...ip, 'addons', j, 'credentials'], `credentials are given to git over https:// only (this URL is ${a.url.split(':')[0]}): use an https:// URL, or the server's SSH key without credentials`));
      }
    }
    out.push(...windowIssues(inst.windows, [...ip, 'windows'], loc, cache));
  }

  const b = spec.backups;
  if (b && typeof b.schedule === 'string') {
    const p = cache.validate({ kind: 'allow', schedule: b.schedule, duration: '1h', timeZone: b.timeZone, manualSync: true });
    if (p) out.push(loc.issue(['backups', windowField(p) ?? 'schedule'], p));
  }
  for (const field of ['security', 'os'] as const) {
    const w = spec.maintenance[field];
    if (w) out.push(...singleWindowIssues(w, ['maintenance', field], loc, cache));
  }
  return out;
}

/** What the checks across clients need of each client (its parsed file is no longer in memory). */
export interface ClientIdentity {
  name: string;
  file: string;
  host: string | undefined;
  port: number;
  /** Position of `name` or `server.host` in the client file (parses it again: only for a clash). */
  locate: (path: Path) => { line: number; col: number };
}

/** Checks across clients: duplicate names and servers. */
export function crossClientChecks(clients: ClientIdentity[]): ValidationIssue[] {
  const out: ValidationIssue[] = [];
  const names = new Map<string, string>();
  const hosts = new Map<string, string>();
  for (const c of clients) {
    const prev = names.get(c.name);
    if (prev) out.push(issueAt(c.file, c.locate(['name']), `name: client name "${c.name}" is also used by ${prev}`));
    else names.set(c.name, c.file);
    if (c.host !== undefined) {
      const key = `${c.host}:${c.port}`;
      const prevHost = hosts.get(key);
      if (prevHost) out.push(issueAt(c.file, c.locate(['server', 'host']), `server.host: server ${key} is also used by ${prevHost}`));
      else hosts.set(key, `client "${c.name}" (${c.file})`);
    }
  }
  return out;
}

/** fleet.yaml names only clients that exist where it names clients (operator.selfHeal). */
export function fleetClientChecks(fleet: FleetSpec, f: YamlFile, clients: string[]): ValidationIssue[] {
  const known = new Set(clients);
  return fleet.operator.selfHeal.flatMap((name, i) =>
    known.has(name) ? [] : [issueAt(f.file, positionOf(f, ['operator', 'selfHeal', i]), `operator.selfHeal[${i}]: ${unknownClientMessage([name], clients)}`)],
  );
}

/** Checks of fleet.yaml on its own (time zone, drift schedule, policy). */
export function fleetChecks(fleet: FleetSpec, f: YamlFile, cache: WindowCache): ValidationIssue[] {
  const out: ValidationIssue[] = [];
  const at = (path: Path, message: string, severity: IssueSeverity = 'error'): ValidationIssue =>
    issueAt(f.file, positionOf(f, path), `${formatPath(path)}: ${message}`, severity);
  if (typeof fleet.timezone === 'string' && !IANAZone.isValidZone(fleet.timezone)) {
    out.push(at(['timezone'], `unknown time zone "${fleet.timezone}" (expected an IANA name such as Europe/Paris)`));
  } else if (typeof fleet.timezone === 'string') {
    const p = cache.validate({ kind: 'allow', schedule: fleet.operator.driftSchedule, duration: '1h', timeZone: fleet.timezone, manualSync: true });
    if (p) out.push(at(['operator', 'driftSchedule'], p));
  }
  for (const [i, prefix] of fleet.policy.allowFileUrls.entries()) {
    const p = fileUrlPrefixProblem(prefix);
    if (p) out.push(at(['policy', 'allowFileUrls', i], `"${prefix}" ${p}`));
  }
  for (const [i, name] of fleet.policy.allowOptions.entries()) {
    if (SET_BY_ODOOPS.has(name)) out.push(at(['policy', 'allowOptions', i], `option ${name} is set by odoops (from the instance and the host layout): no fleet can allow it`));
  }
  return out;
}

/**
 * Value checks over every scalar of a file, in one walk:
 * - text that is not printable on one line (see printable.ts), keys included;
 * - inline secrets: a secret-named key (password, token, secret, key, passphrase,
 *   credentials) whose value is not env:NAME / file:PATH, or a value that is a private key or
 *   a well-known token format. The value itself is never echoed.
 */
export function valueIssues(f: YamlFile): ValidationIssue[] {
  const out: ValidationIssue[] = [];
  // Walks the plain data: positions (which need the full YAML document) only for what is reported.
  const report = (path: Path, onKey: boolean, message: string) => {
    out.push(issueAt(f.file, positionOf(f, path, onKey), `${formatPath(path)}: ${message}`));
  };
  const notPrintable = (s: string, path: Path, onKey: boolean, what: string) => {
    const bad = firstNotPrintable(s);
    if (bad) report(path, onKey, `${what} contains ${describeChar(bad.char)} at character ${bad.at}: values must be printable text on one line`);
    return bad !== null;
  };
  const walk = (node: unknown, path: Path) => {
    if (Array.isArray(node)) {
      node.forEach((item, i) => walk(item, [...path, i]));
    } else if (typeof node === 'object' && node !== null) {
      for (const [key, v] of Object.entries(node)) {
        const at = [...path, key];
        if (notPrintable(key, at, true, 'the key')) continue;
        if (v !== null && typeof v !== 'object' && SECRET_KEY.test(key) && key !== 'hostKey') {
          if (typeof v !== 'string' || !SECRET_REF.test(v)) {
            report(at, false, 'looks like an inline secret: reference it as env:NAME or file:PATH');
            continue;
          }
        }
        walk(v, at);
      }
    } else if (typeof node === 'string') {
      if (notPrintable(node, path, false, 'the value')) return;
      if (SECRET_VALUE.test(node)) report(path, false, 'looks like an inline secret (private key or access token): reference it as env:NAME or file:PATH');
    }
  };
  walk(f.data, []);
  return out;
}

/**
 * Value issues and schema issues of one file: where a value rule reports a problem, the
 * schema's more generic message at the same place (a pattern that also failed) is dropped.
 */
export function checkedIssues(values: ValidationIssue[], schema: ValidationIssue[]): ValidationIssue[] {
  if (values.length === 0) return schema;
  const at = new Set(values.map((i) => `${i.line}:${i.col}`));
  return [...values, ...schema.filter((i) => !at.has(`${i.line}:${i.col}`))];
}

/**
 * Semantic checks beyond the schema: things JSON Schema cannot say (cross-field, cross-file,
 * cron/time zones, git ref rules, secrets). Each returns located issues.
 */
import { IANAZone } from 'luxon';
import { isMap, isScalar, isSeq, type Node } from 'yaml';
import { validateWindow, windowsNeverOpen } from '../plan/windows.ts';
import type { ClientSpec, FleetSpec, ValidationIssue, WindowSpec } from './types.ts';
import type { Locator } from './merge.ts';
import { SECRET_KEY } from './schema.ts';
import { formatPath, type Path, positionOf, type YamlFile } from './yaml.ts';

export const KNOWN_SERIES = ['14.0', '15.0', '16.0', '17.0', '18.0', '19.0'];

/** odoo.conf options odoops writes itself from the instance and the host layout. */
export const MANAGED_OPTIONS = ['db_host', 'db_port', 'db_user', 'db_password', 'db_name', 'addons_path', 'data_dir', 'http_port'];

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

/** Per-run cache: identical window lists (usually inherited) are evaluated once. */
export class WindowCache {
  private never = new Map<string, string | null>();
  private valid = new Map<string, string | null>();
  readonly at = new Date();
  validate(w: WindowSpec): string | null {
    const k = JSON.stringify(w);
    if (!this.valid.has(k)) this.valid.set(k, validateWindow(w));
    return this.valid.get(k)!;
  }
  neverOpen(ws: WindowSpec[]): string | null {
    const k = JSON.stringify(ws);
    if (!this.never.has(k)) this.never.set(k, windowsNeverOpen(ws, this.at));
    return this.never.get(k)!;
  }
}

function windowIssues(ws: WindowSpec[], base: Path, loc: Locator, cache: WindowCache, listPath: Path): ValidationIssue[] {
  const out: ValidationIssue[] = [];
  for (const [i, w] of ws.entries()) {
    const problem = cache.validate(w);
    if (problem) {
      const field = windowField(problem);
      out.push(loc.issue(field ? [...base, i, field] : [...base, i], problem));
    }
  }
  if (out.length === 0 && ws.length > 0) {
    const never = cache.neverOpen(ws);
    if (never) out.push(loc.issue(listPath, `never opens: ${never}`));
  }
  return out;
}

function singleWindowIssues(w: WindowSpec, path: Path, loc: Locator, cache: WindowCache): ValidationIssue[] {
  const problem = cache.validate(w);
  if (problem) {
    const field = windowField(problem);
    return [loc.issue(field ? [...path, field] : path, problem)];
  }
  const never = cache.neverOpen([w]);
  return never ? [loc.issue(path, `never opens: ${never}`)] : [];
}

/** Checks of one resolved client. */
export function clientChecks(spec: ClientSpec, loc: Locator, cache: WindowCache): ValidationIssue[] {
  const out: ValidationIssue[] = [];
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
    const otherDb = dbs.get(inst.database);
    if (otherDb) clash('database', otherDb, inst.name, `database "${inst.database}"`);
    else dbs.set(inst.database, inst.name);

    if (inst.image !== undefined) {
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
      if (installed.has(mod)) out.push(loc.issue([...ip, 'removeModules', j], `module "${mod}" is both in modules and removeModules`));
    }
    const addonNames = new Set<string>();
    for (const [j, a] of inst.addons.entries()) {
      const problem = refProblem(a.ref);
      if (problem) out.push(loc.issue([...ip, 'addons', j, 'ref'], `"${a.ref}" ${problem}`));
      if (addonNames.has(a.name)) out.push(loc.issue([...ip, 'addons', j, 'name'], `addons repository "${a.name}" is listed twice`));
      addonNames.add(a.name);
    }
    for (const [key, value] of Object.entries(inst.options)) {
      if (MANAGED_OPTIONS.includes(key)) out.push(loc.issue([...ip, 'options', key], `option ${key} is set by odoops (from the instance and the host layout) and cannot be set here`, true));
      // A plain string never changes meaning: "env:X" would be written to odoo.conf as the text "env:X".
      else if (typeof value === 'string' && SECRET_REF.test(value)) {
        out.push(loc.issue([...ip, 'options', key], `"${value}" is a secret reference written as a plain value (odoo.conf would get this text): write {secret: ${value}}`));
      }
    }
    for (const [j, a] of inst.addons.entries()) {
      if (a.credentials !== undefined && !/^https:\/\//.test(a.url)) {
        out.push(loc.issue([...ip, 'addons', j, 'credentials'], `credentials are given to git over https:// only (this URL is ${a.url.split(':')[0]}): use an https:// URL, or the server's SSH key without credentials`));
      }
    }
    out.push(...windowIssues(inst.windows, [...ip, 'windows'], loc, cache, [...ip, 'windows']));
  }

  const b = spec.backups;
  if (b.schedule !== undefined) {
    const p = cache.validate({ kind: 'allow', schedule: b.schedule, duration: '1h', timeZone: b.timeZone, manualSync: true });
    if (p) out.push(loc.issue(['backups', windowField(p) ?? 'schedule'], p));
  }
  if (spec.maintenance.security) out.push(...singleWindowIssues(spec.maintenance.security, ['maintenance', 'security'], loc, cache));
  if (spec.maintenance.os) out.push(...singleWindowIssues(spec.maintenance.os, ['maintenance', 'os'], loc, cache));
  return out;
}

/** Checks across clients: duplicate names and servers. */
export function crossClientChecks(entries: { spec: ClientSpec; loc: Locator }[]): ValidationIssue[] {
  const out: ValidationIssue[] = [];
  const names = new Map<string, string>();
  const hosts = new Map<string, string>();
  for (const { spec, loc } of entries) {
    const prev = names.get(spec.name);
    if (prev) out.push(loc.issue(['name'], `client name "${spec.name}" is also used by ${prev}`));
    else names.set(spec.name, spec.file);
    if (spec.server.host !== undefined) {
      const key = `${spec.server.host}:${spec.server.port}`;
      const prevHost = hosts.get(key);
      if (prevHost) out.push(loc.issue(['server', 'host'], `server ${key} is also used by ${prevHost}`));
      else hosts.set(key, `client "${spec.name}" (${spec.file})`);
    }
  }
  return out;
}

/** Checks of fleet.yaml on its own (time zone, drift schedule). */
export function fleetChecks(fleet: FleetSpec, f: YamlFile, cache: WindowCache): ValidationIssue[] {
  const out: ValidationIssue[] = [];
  const at = (path: Path, message: string): ValidationIssue => {
    const pos = positionOf(f, path);
    return { file: f.file, line: pos.line, col: pos.col, message: `${formatPath(path)}: ${message}` };
  };
  if (!IANAZone.isValidZone(fleet.timezone)) out.push(at(['timezone'], `unknown time zone "${fleet.timezone}" (expected an IANA name such as Europe/Paris)`));
  else {
    const p = cache.validate({ kind: 'allow', schedule: fleet.operator.driftSchedule, duration: '1h', timeZone: fleet.timezone, manualSync: true });
    if (p) out.push(at(['operator', 'driftSchedule'], p));
  }
  return out;
}

/**
 * Inline secrets anywhere in a file: a secret-named key (password, token, secret, key,
 * passphrase, credentials) whose value is not env:NAME / file:PATH, or a value that is a
 * private key or a well-known token format. The value itself is never echoed.
 */
export function secretIssues(f: YamlFile): ValidationIssue[] {
  const out: ValidationIssue[] = [];
  const walk = (node: unknown, path: Path) => {
    if (isMap(node)) {
      for (const pair of node.items) {
        const key = isScalar(pair.key) ? String(pair.key.value) : String(pair.key);
        const v = pair.value as Node | null;
        if (isScalar(v) && v.value !== null && SECRET_KEY.test(key) && key !== 'hostKey') {
          if (typeof v.value !== 'string' || !SECRET_REF.test(v.value)) {
            const pos = positionOf(f, [...path, key]);
            out.push({ file: f.file, line: pos.line, col: pos.col, message: `${formatPath([...path, key])}: looks like an inline secret: reference it as env:NAME or file:PATH` });
            continue;
          }
        }
        walk(v, [...path, key]);
      }
    } else if (isSeq(node)) {
      node.items.forEach((item, i) => walk(item, [...path, i]));
    } else if (isScalar(node) && typeof node.value === 'string' && SECRET_VALUE.test(node.value)) {
      const pos = positionOf(f, path);
      out.push({ file: f.file, line: pos.line, col: pos.col, message: `${formatPath(path)}: looks like an inline secret (private key or access token): reference it as env:NAME or file:PATH` });
    }
  };
  walk(f.doc.contents, []);
  return out;
}

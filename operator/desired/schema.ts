/**
 * JSON Schema validation (schema/*.json, 2020-12, ajv) with errors mapped to file:line:col,
 * and the parts of the data each error makes unusable (so the semantic checks, run in the
 * same pass, see only values the schema accepts).
 */
import type { ErrorObject, ValidateFunction } from 'ajv/dist/2020.js';
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { issueAt } from './issues.ts';
import { quoteForMessage } from './printable.ts';
import type { ValidationIssue } from './types.ts';
import { formatPath, positionOf, type Path, type YamlFile } from './yaml.ts';

const schemaDir = new URL('../../schema/', import.meta.url);
const require = createRequire(import.meta.url);

function schemaText(name: 'client' | 'fleet'): string {
  return readFileSync(new URL(`${name}.schema.json`, schemaDir), 'utf8');
}

export function readSchema(name: 'client' | 'fleet'): Record<string, unknown> {
  return JSON.parse(schemaText(name)) as Record<string, unknown>;
}

type Validators = { client: ValidateFunction; fleet: ValidateFunction };
let validators: Validators | null = null;

// verbose: errors carry their schema, so patternErrorMessage (also read by editors) is reachable.
// optimize off: ajv's code optimisation pass costs more at a compile (about 200 ms, measured)
// than it saves validating even 10,000 client files.
const AJV_OPTIONS = { allErrors: true, strict: true, allowUnionTypes: true, verbose: true, code: { optimize: false } } as const;

/**
 * Compiling the schemas costs about a second at every start; the compiled validators (ajv
 * standalone code) are kept in node_modules/.cache/odoops/, named by a digest of what they
 * come from (ajv's version, its options, the schemas), and loaded instead when they match.
 * When the cache can't be read or written (a read-only install), the schemas are compiled;
 * ODOOPS_SCHEMA_CACHE=off compiles them always (and writes nothing).
 */
const cacheDir = fileURLToPath(new URL('../../node_modules/.cache/odoops/', import.meta.url));

function cacheFile(): string {
  const ajvVersion = (require('ajv/package.json') as { version: string }).version;
  const digest = createHash('sha256').update(JSON.stringify([ajvVersion, AJV_OPTIONS, schemaText('client'), schemaText('fleet')])).digest('hex').slice(0, 20);
  return `${cacheDir}schema-validators-${digest}.cjs`;
}

function compile(): Validators {
  if (validators) return validators;
  const useCache = process.env.ODOOPS_SCHEMA_CACHE !== 'off';
  const file = cacheFile();
  try {
    if (useCache) {
      validators = require(file) as Validators;
      return validators;
    }
  } catch {
    // not compiled yet, or unreadable: compile below
  }
  const Ajv2020 = (require('ajv/dist/2020.js') as typeof import('ajv/dist/2020.js')).default;
  const addFormats = (require('ajv-formats') as typeof import('ajv-formats')).default;
  const ajv = new Ajv2020({ ...AJV_OPTIONS, code: { ...AJV_OPTIONS.code, source: true } });
  addFormats(ajv);
  ajv.addKeyword({ keyword: 'patternErrorMessage', schemaType: 'string' });
  ajv.addSchema(readSchema('client'));
  ajv.addSchema(readSchema('fleet'));
  validators = { client: ajv.getSchema('client.schema.json')!, fleet: ajv.getSchema('fleet.schema.json')! };
  if (!useCache) return validators;
  try {
    const standalone = (require('ajv/dist/standalone/index.js') as { default: (a: typeof ajv, refs: Record<string, string>) => string }).default;
    const code = standalone(ajv, { client: 'client.schema.json', fleet: 'fleet.schema.json' });
    mkdirSync(cacheDir, { recursive: true });
    const tmp = `${file}.${process.pid}.tmp`;
    writeFileSync(tmp, code);
    renameSync(tmp, file);
  } catch {
    // a cache we can't write: the next start compiles again
  }
  return validators;
}

/** Keys whose values are secrets: never echoed in messages. */
export const SECRET_KEY = /(password|passwd|token|secret|key|passphrase|credentials?)$/i;

function toPath(pointer: string): Path {
  if (!pointer) return [];
  return pointer
    .slice(1)
    .split('/')
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'))
    .map((s) => (/^\d+$/.test(s) ? Number(s) : s));
}

function show(v: unknown): string {
  // A URL's user:password@ is never echoed back in a validation message.
  const s = quoteForMessage(v).replace(/([A-Za-z][A-Za-z0-9+.-]*:\/\/)[^/@\s"]*@/g, '$1***@');
  return s.length > 60 ? `${s.slice(0, 57)}...` : s;
}

function distance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) d[0]![j] = j;
  for (let i = 1; i <= a.length; i++)
    for (let j = 1; j <= b.length; j++)
      d[i]![j] = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
  return d[a.length]![b.length]!;
}

function suggestion(key: string, schema: unknown): string {
  const props = Object.keys((schema as { properties?: object })?.properties ?? {});
  let best: string | null = null;
  let bestD = 3;
  for (const p of props) {
    const dd = distance(key.toLowerCase(), p.toLowerCase());
    if (dd < bestD) [best, bestD] = [p, dd];
  }
  return best ? ` (did you mean "${best}"?)` : '';
}

function describe(e: ErrorObject, path: Path, inner?: string): { message: string; onKey: boolean; at: Path } {
  const where = formatPath(path);
  const prefix = where ? `${where}: ` : '';
  const last = path[path.length - 1];
  const secret = typeof last === 'string' && SECRET_KEY.test(last) && last !== 'hostKey';
  const got = secret ? '' : ` (got ${show(e.data)})`;
  const p = e.params as Record<string, unknown>;
  switch (e.keyword) {
    case 'additionalProperties': {
      const key = String(p.additionalProperty);
      return { message: `${prefix}unknown key "${key}"${suggestion(key, e.parentSchema)}`, onKey: true, at: [...path, key] };
    }
    case 'required':
      return { message: `${formatPath([...path, String(p.missingProperty)])}: not set (required)`, onKey: true, at: path };
    case 'propertyNames': {
      const name = String(p.propertyName);
      const why = inner ? `: ${inner}` : '';
      return { message: `${prefix}invalid name ${show(name)}${why}`, onKey: true, at: [...path, name] };
    }
    case 'pattern': {
      const hint = (e.parentSchema as { patternErrorMessage?: string })?.patternErrorMessage;
      return { message: `${prefix}${secret ? '' : `${show(e.data)} `}${hint ?? `must match ${String(p.pattern)}`}`, onKey: false, at: path };
    }
    case 'type': {
      const t = String(p.type).replace(/,/g, ' or ');
      const art = /^[aeiou]/.test(t) ? 'an' : 'a';
      return { message: `${prefix}must be ${t === 'array' ? 'a list' : t === 'object' ? 'a map' : `${art} ${t}`}${got}`, onKey: false, at: path };
    }
    case 'const':
      return { message: `${prefix}must be ${show(p.allowedValue)}${got}`, onKey: false, at: path };
    case 'enum': {
      const allowed = (p.allowedValues as unknown[]).map((v) => show(v)).join(', ');
      const quote = typeof e.data === 'number' && (p.allowedValues as unknown[]).every((v) => typeof v === 'string') ? '; quote it in YAML' : '';
      return { message: `${prefix}must be one of ${allowed}${got}${quote}`, onKey: false, at: path };
    }
    case 'minItems':
      return { message: `${prefix}must list at least ${String(p.limit)} item${p.limit === 1 ? '' : 's'}`, onKey: false, at: path };
    case 'minProperties':
      return { message: `${prefix}must hold at least ${String(p.limit)} entr${p.limit === 1 ? 'y' : 'ies'}`, onKey: true, at: path };
    default:
      return { message: `${prefix}${e.message ?? e.keyword}${got}`, onKey: false, at: path };
  }
}

export interface SchemaCheck {
  issues: ValidationIssue[];
  /** Paths whose values the schema refused (or objects missing a required key), to leave out of the semantic checks. */
  prune: Path[];
  /** The file as a whole has the wrong shape (not a map): nothing to check further. */
  unusable: boolean;
}

/** Objects that stay in the semantic checks even when a required key is missing (the checks handle the gap). */
function keepWhenIncomplete(path: Path): boolean {
  return path.length === 0 || (path.length === 1 && path[0] === 'server');
}

/** What the semantic checks must not see, for each schema error: the refused value, or an object left without a required key. */
function prunePaths(errors: ErrorObject[]): { prune: Path[]; unusable: boolean } {
  const prune: Path[] = [];
  let unusable = false;
  for (const e of errors) {
    if (e.propertyName !== undefined) continue;
    const path = toPath(e.instancePath);
    const p = e.params as Record<string, unknown>;
    if (e.keyword === 'additionalProperties') prune.push([...path, String(p.additionalProperty)]);
    else if (e.keyword === 'propertyNames') prune.push([...path, String(p.propertyName)]);
    else if (e.keyword === 'required') {
      if (!keepWhenIncomplete(path)) prune.push(path);
    } else if (e.keyword === 'minItems' || e.keyword === 'minProperties') continue;
    else if (path.length === 0) unusable = true;
    else prune.push(path);
  }
  return { prune, unusable };
}

/**
 * Paths to prune from data that was already pruned once: taking a refused value out of an
 * object may leave it without a required key (a window without its kind), and then the whole
 * object goes. Empty when nothing more needs to go.
 */
export function prunePathsAgain(kind: 'client' | 'fleet', data: unknown): Path[] {
  const validate = compile()[kind];
  if (validate(data)) return [];
  return prunePaths((validate.errors ?? []).filter((e) => e.keyword === 'required')).prune;
}

/** Whether the schema accepts data as a whole. */
export function schemaAccepts(kind: 'client' | 'fleet', data: unknown): boolean {
  return compile()[kind](data) as boolean;
}

/** Validates a parsed file against the fleet or client schema; issues located in the YAML. */
export function schemaCheck(kind: 'client' | 'fleet', f: YamlFile): SchemaCheck {
  const validate = compile()[kind];
  if (validate(f.data)) return { issues: [], prune: [], unusable: false };
  const out: ValidationIssue[] = [];
  const errors = validate.errors ?? [];
  const { prune, unusable } = prunePaths(errors);
  for (const e of errors) {
    // propertyNames reports the failure twice: inside (tagged with propertyName) and outside
    // (naming the key). Keep the outer one, with the inner explanation.
    if (e.propertyName !== undefined) continue;
    // if/then (secret option values) reports the inner error itself; "must match then" adds nothing.
    if (e.keyword === 'if') continue;
    let inner: string | undefined;
    if (e.keyword === 'propertyNames') {
      const i = errors.find((x) => x.propertyName === (e.params as { propertyName?: string }).propertyName && x.instancePath === e.instancePath);
      inner = (i?.parentSchema as { patternErrorMessage?: string } | undefined)?.patternErrorMessage ?? i?.message;
    }
    const d = describe(e, toPath(e.instancePath), inner);
    out.push(issueAt(f.file, positionOf(f, d.at, d.onKey), d.message));
  }
  return { issues: out, prune, unusable };
}

/** Schema issues of a parsed file (see schemaCheck). */
export function schemaIssues(kind: 'client' | 'fleet', f: YamlFile): ValidationIssue[] {
  return schemaCheck(kind, f).issues;
}

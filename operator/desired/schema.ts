/**
 * JSON Schema validation (schema/*.json, 2020-12, ajv) with errors mapped to file:line:col.
 */
import Ajv2020, { type ErrorObject, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { readFileSync } from 'node:fs';
import type { ValidationIssue } from './types.ts';
import { formatPath, positionOf, type Path, type YamlFile } from './yaml.ts';

const schemaDir = new URL('../../schema/', import.meta.url);

export function readSchema(name: 'client' | 'fleet'): Record<string, unknown> {
  return JSON.parse(readFileSync(new URL(`${name}.schema.json`, schemaDir), 'utf8')) as Record<string, unknown>;
}

let validators: { client: ValidateFunction; fleet: ValidateFunction } | null = null;

function compile(): { client: ValidateFunction; fleet: ValidateFunction } {
  if (validators) return validators;
  // verbose: errors carry their schema, so patternErrorMessage (also read by editors) is reachable.
  const ajv = new Ajv2020.default({ allErrors: true, strict: true, allowUnionTypes: true, verbose: true });
  addFormats.default(ajv);
  ajv.addKeyword({ keyword: 'patternErrorMessage', schemaType: 'string' });
  ajv.addSchema(readSchema('client'));
  ajv.addSchema(readSchema('fleet'));
  validators = { client: ajv.getSchema('client.schema.json')!, fleet: ajv.getSchema('fleet.schema.json')! };
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
  const s = (JSON.stringify(v) ?? String(v)).replace(/([A-Za-z][A-Za-z0-9+.-]*:\/\/)[^/@\s"]*@/g, '$1***@');
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
      return { message: `${prefix}missing required key "${String(p.missingProperty)}"`, onKey: true, at: path };
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
    default:
      return { message: `${prefix}${e.message ?? e.keyword}${got}`, onKey: false, at: path };
  }
}

/** Validates a parsed file against the fleet or client schema; issues located in the YAML. */
export function schemaIssues(kind: 'client' | 'fleet', f: YamlFile): ValidationIssue[] {
  const validate = compile()[kind];
  if (validate(f.data)) return [];
  const out: ValidationIssue[] = [];
  const errors = validate.errors ?? [];
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
    const pos = positionOf(f, d.at, d.onKey);
    out.push({ file: f.file, line: pos.line, col: pos.col, message: d.message });
  }
  return out;
}

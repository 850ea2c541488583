/**
 * Reading untrusted webhook JSON: each accessor names the field it wanted and why it failed,
 * so a malformed delivery is answered 400 with a reason like
 * "object_attributes.iid: expected a number, got string".
 */
export class MalformedPayload extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'MalformedPayload';
  }
}

function kind(v: unknown): string {
  return v === null ? 'null' : v === undefined ? 'nothing' : Array.isArray(v) ? 'an array' : `a ${typeof v}`;
}

function expected(path: string, what: string, got: unknown): MalformedPayload {
  return new MalformedPayload(`${path}: expected ${what}, got ${kind(got)}`);
}

function at(root: unknown, path: string): unknown {
  let v: unknown = root;
  for (const key of path.split('.')) {
    if (v === null || typeof v !== 'object' || Array.isArray(v)) return undefined;
    v = (v as Record<string, unknown>)[key];
  }
  return v;
}

export function str(root: unknown, path: string): string {
  const v = at(root, path);
  if (typeof v !== 'string') throw expected(path, 'a string', v);
  return v;
}

export function optStr(root: unknown, path: string): string | null {
  const v = at(root, path);
  if (v === undefined || v === null) return null;
  if (typeof v !== 'string') throw expected(path, 'a string', v);
  return v;
}

export function num(root: unknown, path: string): number {
  const v = at(root, path);
  if (typeof v !== 'number' || !Number.isFinite(v)) throw expected(path, 'a number', v);
  return v;
}

export function optBool(root: unknown, path: string): boolean | null {
  const v = at(root, path);
  if (v === undefined || v === null) return null;
  if (typeof v !== 'boolean') throw expected(path, 'true or false', v);
  return v;
}

export function has(root: unknown, path: string): boolean {
  const v = at(root, path);
  return v !== undefined && v !== null;
}

export function obj(root: unknown, path: string): Record<string, unknown> {
  const v = at(root, path);
  if (v === null || typeof v !== 'object' || Array.isArray(v)) throw expected(path, 'an object', v);
  return v as Record<string, unknown>;
}

/** The top-level JSON object of a body, or a MalformedPayload. */
export function parseJsonObject(raw: Buffer | string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(typeof raw === 'string' ? raw : raw.toString('utf8'));
  } catch (err) {
    throw new MalformedPayload(`body: not JSON (${(err as Error).message})`);
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw expected('body', 'a JSON object', value);
  return value as Record<string, unknown>;
}

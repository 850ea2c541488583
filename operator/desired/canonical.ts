/** Canonical JSON of data: keys sorted, so key order in YAML is not a change. */
import { isPlainObject } from './merge.ts';

export function canonical(v: unknown): string {
  return JSON.stringify(v, (_k, val: unknown) =>
    isPlainObject(val) ? Object.fromEntries(Object.keys(val).sort().map((k) => [k, val[k]])) : val,
  );
}

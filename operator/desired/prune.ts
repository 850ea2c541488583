/**
 * The data of a file with the values the schema refused taken out, so the semantic checks
 * run in the same pass as the schema (one round of `validate` shows every problem) without
 * tripping over, or reporting again, what the schema already reported. A refused map entry
 * is deleted; a refused list item becomes a hole (undefined) so the indexes of the others —
 * and the positions their problems are reported at — stay as written.
 */
import { isPlainObject } from './merge.ts';
import type { Path } from './yaml.ts';

function copy(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(copy);
  if (isPlainObject(v)) {
    const out: Record<string, unknown> = {};
    for (const k in v) out[k] = copy(v[k]);
    return out;
  }
  return v;
}

/** A copy of `data` without the values at `paths` (paths that do not exist are ignored). */
export function pruned<T>(data: T, paths: readonly Path[]): T {
  if (paths.length === 0) return data;
  const out = copy(data);
  for (const path of paths) {
    if (path.length === 0) continue;
    let node: unknown = out;
    for (const seg of path.slice(0, -1)) {
      node = Array.isArray(node) ? node[Number(seg)] : isPlainObject(node) ? node[String(seg)] : undefined;
      if (node === undefined) break;
    }
    const last = path[path.length - 1]!;
    if (Array.isArray(node) && typeof last === 'number' && last < node.length) node[last] = undefined;
    else if (isPlainObject(node)) delete node[String(last)];
  }
  return out as T;
}

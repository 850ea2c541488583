/**
 * JSON output is the data itself (plans, results, drift), with object keys sorted so the same
 * data always prints the same bytes (diffable, cacheable). Arrays keep their order. Strings
 * pass through redactUrls: no URL credentials, ever.
 */
import { redactUrls } from './format.ts';

function sortKeys(v: unknown): unknown {
  if (typeof v === 'string') return redactUrls(v);
  if (Array.isArray(v)) return v.map(sortKeys);
  if (v instanceof Date) return v.toISOString();
  if (v !== null && typeof v === 'object') {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(v).sort()) {
      const val = (v as Record<string, unknown>)[k];
      if (val !== undefined) out[k] = sortKeys(val);
    }
    return out;
  }
  return v;
}

export function toJson(x: unknown, opts: { indent?: number } = {}): string {
  return JSON.stringify(sortKeys(x), null, opts.indent ?? 2);
}

/**
 * The CLI's clock. ODOOPS_NOW (ISO 8601 with a zone, e.g. 2026-12-06T02:30:00+01:00) starts
 * it at that instant and lets it run from there: update windows, recorded times and lock
 * timestamps all follow it. Meant for dry runs ("what would the Sunday run do?") and tests
 * of window behaviour; a run that uses it says so on stderr.
 */
import { UsageError } from '../util/errors.ts';

export function cliClock(env: NodeJS.ProcessEnv = process.env, warn: (line: string) => void = (l) => process.stderr.write(l)): () => Date {
  const raw = env.ODOOPS_NOW?.trim();
  if (!raw) return () => new Date();
  const start = Date.parse(raw);
  if (!/^\d{4}-\d\d-\d\dT\d\d:\d\d(:\d\d(\.\d+)?)?(Z|[+-]\d\d:\d\d)$/.test(raw) || Number.isNaN(start)) {
    throw new UsageError(`ODOOPS_NOW must be an ISO 8601 instant with a zone (e.g. 2026-12-06T02:30:00+01:00), got "${raw}"`);
  }
  warn(`odoops: ODOOPS_NOW is set: the clock starts at ${new Date(start).toISOString()}\n`);
  const t0 = Date.now();
  return () => new Date(start + (Date.now() - t0));
}

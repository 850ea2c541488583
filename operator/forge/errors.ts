/**
 * Typed forge errors. Every failed call to GitLab or GitHub becomes a ForgeError with a code,
 * the HTTP status (null when no answer came) and whether it is transient (retry later: 5xx,
 * 429 and rate limits, network, timeouts) or terminal (needs a person: 401/403/404/422...).
 * Callers decide from these fields, never from the message. Messages never hold the token.
 */
import type { ForgePlatform } from './types.ts';
import { redact } from '../secrets/index.ts';
import { OdoopsError } from '../util/errors.ts';

export type ForgeErrorCode =
  | 'unauthorized' // 401: bad or expired token
  | 'forbidden' // 403 that is not a rate limit: the token lacks a scope or a role
  | 'not-found' // 404
  | 'invalid' // 400, 409, 422 and other 4xx: the request itself was refused
  | 'rate-limited' // 429, or GitHub 403 with x-ratelimit-remaining: 0 or retry-after
  | 'server-error' // 5xx
  | 'network' // no HTTP answer: refused, reset, DNS
  | 'timeout'; // no answer in time (or 408)

const TRANSIENT: ReadonlySet<ForgeErrorCode> = new Set(['rate-limited', 'server-error', 'network', 'timeout']);

export class ForgeError extends OdoopsError {
  readonly transient: boolean;
  constructor(
    readonly platform: ForgePlatform,
    readonly code: ForgeErrorCode,
    /** What was attempted, e.g. "POST /projects/grp%2Ffleet/merge_requests/5/notes". */
    readonly operation: string,
    readonly status: number | null,
    /** The platform's own message, redacted and trimmed. */
    readonly detail: string,
    /** How long the platform asked to wait before retrying (Retry-After, rate-limit reset). */
    readonly retryAfterMs: number | null = null,
  ) {
    super(`${platform} ${operation}: ${status ?? 'no answer'} ${code}${detail ? `: ${detail}` : ''}`);
    this.name = 'ForgeError';
    this.transient = TRANSIENT.has(code);
  }
}

export function isForgeError(err: unknown): err is ForgeError {
  return err instanceof ForgeError;
}

type HeaderBag = Record<string, string | string[] | number | undefined>;

function header(headers: HeaderBag, name: string): string | undefined {
  const key = Object.keys(headers).find((k) => k.toLowerCase() === name);
  const v = key === undefined ? undefined : headers[key];
  if (v === undefined) return undefined;
  return Array.isArray(v) ? v[0] : String(v);
}

/**
 * Milliseconds the platform asks us to wait: Retry-After (seconds or HTTP date), else the
 * rate-limit reset time (GitLab RateLimit-Reset, GitHub x-ratelimit-reset: epoch seconds).
 */
export function retryAfterMs(headers: HeaderBag, now: number = Date.now()): number | null {
  const ra = header(headers, 'retry-after');
  if (ra !== undefined) {
    if (/^\d+$/.test(ra.trim())) return Number(ra) * 1000;
    const at = Date.parse(ra);
    if (!Number.isNaN(at)) return Math.max(0, at - now);
  }
  const reset = header(headers, 'x-ratelimit-reset') ?? header(headers, 'ratelimit-reset');
  if (reset !== undefined && /^\d+$/.test(reset.trim())) return Math.max(0, Number(reset) * 1000 - now);
  return null;
}

/** The code of an HTTP error answer. */
export function codeForStatus(status: number, headers: HeaderBag): ForgeErrorCode {
  if (status === 429) return 'rate-limited';
  if (status === 403 && (header(headers, 'x-ratelimit-remaining') === '0' || header(headers, 'retry-after') !== undefined)) {
    return 'rate-limited';
  }
  if (status === 408) return 'timeout';
  if (status >= 500) return 'server-error';
  if (status === 401) return 'unauthorized';
  if (status === 403) return 'forbidden';
  if (status === 404) return 'not-found';
  return 'invalid';
}

/** A message from an error body: GitLab `message`/`error`, GitHub `message` + `errors[].message`. */
export function messageFromBody(body: unknown): string {
  if (typeof body === 'string') return body;
  if (!body || typeof body !== 'object') return '';
  const b = body as { message?: unknown; error?: unknown; errors?: unknown };
  const parts: string[] = [];
  const main = b.message ?? b.error;
  if (typeof main === 'string') parts.push(main);
  else if (main !== undefined) parts.push(JSON.stringify(main));
  if (Array.isArray(b.errors)) {
    for (const e of b.errors) {
      if (typeof e === 'string') parts.push(e);
      else if (e && typeof e === 'object' && typeof (e as { message?: unknown }).message === 'string') parts.push((e as { message: string }).message);
    }
  }
  return parts.join(': ');
}

const DETAIL_MAX = 300;

/** Redacts the token (and any other secret) and trims a platform message to one short line. */
export function cleanDetail(text: string, secrets: readonly string[]): string {
  const one = redact(text, secrets).replace(/\s+/g, ' ').trim();
  return one.length > DETAIL_MAX ? `${one.slice(0, DETAIL_MAX)}…` : one;
}

export function httpError(
  platform: ForgePlatform,
  operation: string,
  status: number,
  headers: HeaderBag,
  body: unknown,
  secrets: readonly string[],
  now: number = Date.now(),
): ForgeError {
  const code = codeForStatus(status, headers);
  const wait = code === 'rate-limited' || code === 'server-error' ? retryAfterMs(headers, now) : null;
  return new ForgeError(platform, code, redact(operation, secrets), status, cleanDetail(messageFromBody(body), secrets), wait);
}

/** A request that got no HTTP answer (connection refused or reset, DNS, abort on timeout). */
export function transportError(platform: ForgePlatform, operation: string, err: unknown, secrets: readonly string[]): ForgeError {
  const e = err as { name?: string; message?: string; cause?: { name?: string; code?: string; message?: string; cause?: { code?: string } } };
  const timedOut = [e?.name, e?.cause?.name].some((n) => n === 'TimeoutError' || n === 'AbortError');
  const why = e?.cause?.cause?.code ?? e?.cause?.code ?? e?.cause?.message ?? e?.message ?? String(err);
  return new ForgeError(platform, timedOut ? 'timeout' : 'network', redact(operation, secrets), null, cleanDetail(why, secrets));
}

// Classification of forge errors and the retry policy, as plain data.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { codeForStatus, ForgeError, httpError, retryAfterMs, transportError } from '../../operator/forge/errors.ts';
import { DEFAULT_RETRY, retryDelay } from '../../operator/forge/retry.ts';

test('HTTP statuses map to codes; transient = 5xx, 408, 429 and rate-limited 403s', () => {
  const table: [number, Record<string, string>, string, boolean][] = [
    [500, {}, 'server-error', true],
    [502, {}, 'server-error', true],
    [503, {}, 'server-error', true],
    [408, {}, 'timeout', true],
    [429, {}, 'rate-limited', true],
    [403, { 'x-ratelimit-remaining': '0' }, 'rate-limited', true],
    [403, { 'retry-after': '60' }, 'rate-limited', true],
    [403, {}, 'forbidden', false],
    [401, {}, 'unauthorized', false],
    [404, {}, 'not-found', false],
    [422, {}, 'invalid', false],
    [400, {}, 'invalid', false],
    [409, {}, 'invalid', false],
  ];
  for (const [status, headers, code, transient] of table) {
    const err = httpError('github', 'GET /x', status, headers, { message: 'm' }, []);
    assert.equal([status, err.code, err.transient, err.status], [status, code, transient, status]);
    assert.is(codeForStatus(status, headers), code);
  }
});

test('Retry-After in seconds or as an HTTP date; otherwise the rate-limit reset time', () => {
  const now = Date.UTC(2025, 0, 6, 9, 0, 0);
  assert.is(retryAfterMs({ 'retry-after': '7' }, now), 7000);
  assert.is(retryAfterMs({ 'Retry-After': new Date(now + 90_000).toUTCString() }, now), 90_000);
  assert.is(retryAfterMs({ 'x-ratelimit-reset': String(now / 1000 + 42) }, now), 42_000);
  assert.is(retryAfterMs({ 'ratelimit-reset': String(now / 1000 + 5) }, now), 5000);
  assert.is(retryAfterMs({}, now), null);
});

test('the retry policy: bounded, exponential, capped; honours a short platform wait, gives up on a long one', () => {
  const policy = { ...DEFAULT_RETRY, attempts: 4, baseDelayMs: 1000, maxDelayMs: 3000, maxRetryAfterMs: 60_000 };
  const server = new ForgeError('gitlab', 'server-error', 'GET /x', 503, '');
  assert.equal([1, 2, 3, 4].map((n) => retryDelay(server, n, policy)), [1000, 2000, 3000, null]);
  assert.is(retryDelay(new ForgeError('gitlab', 'not-found', 'GET /x', 404, ''), 1, policy), null);
  assert.is(retryDelay(new ForgeError('github', 'rate-limited', 'GET /x', 429, '', 30_000), 1, policy), 30_000);
  assert.is(retryDelay(new ForgeError('github', 'rate-limited', 'GET /x', 429, '', 61_000), 1, policy), null);
});

test('error details are one short line without secrets; transport errors say network or timeout', () => {
  const err = httpError('gitlab', 'POST /api/v4/x', 400, {}, { message: `bad\n\ntoken glpat-SECRET-123 ${'x'.repeat(500)}` }, ['glpat-SECRET-123']);
  assert.not.match(err.message, /glpat-SECRET-123|\n/);
  assert.ok(err.detail.length <= 301);
  const netErr = Object.assign(new TypeError('fetch failed'), { cause: { code: 'ECONNREFUSED' } });
  assert.equal(
    [transportError('gitlab', 'GET /x', netErr, []).code, transportError('gitlab', 'GET /x', netErr, []).detail],
    ['network', 'ECONNREFUSED'],
  );
  const timeout = Object.assign(new Error('aborted'), { name: 'TimeoutError' });
  assert.equal([transportError('github', 'GET /x', timeout, []).code, transportError('github', 'GET /x', timeout, []).transient], ['timeout', true]);
});

test.run();

/**
 * The HTTP layer under @gitbeaker/rest. gitbeaker builds each request (endpoint, headers,
 * JSON body, query) and follows pagination; this requester sends it with fetch and owns
 * what gitbeaker's default one does differently: bounded retries that honour Retry-After
 * (gitbeaker retries 429/502 ten times within a second and ignores it), typed ForgeErrors
 * (it throws its own error holding the Request, whose headers carry the token), and a
 * timeout per attempt. gitbeaker's client-side rate limiter (GitLab.com's documented
 * limits, e.g. 300 note creations a minute) is kept.
 */
import { createRequesterFn, getMatchingRateLimiter } from '@gitbeaker/requester-utils';
import { ForgeError, httpError, transportError } from './errors.ts';
import { withRetries, type RetryPolicy } from './retry.ts';

export interface GitLabHttpOptions {
  secrets: readonly string[];
  retry: RetryPolicy;
  /** Per attempt. */
  timeoutMs: number;
}

interface HandlerOptions {
  rateLimiters?: Record<string, unknown>;
  prefixUrl?: string;
  searchParams?: string;
  method?: string;
  headers?: Record<string, string>;
  body?: string | FormData;
  asStream?: boolean;
}

async function readBody(response: Response, asStream: boolean): Promise<unknown> {
  if (asStream) return response.body;
  if (response.status === 204) return null;
  const type = (response.headers.get('content-type') ?? '').split(';')[0]?.trim() ?? '';
  if (type === 'application/json') {
    const text = await response.text();
    return text ? JSON.parse(text) : {};
  }
  if (type.startsWith('text/')) return response.text();
  return response.blob();
}

function parseError(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

export function gitlabRequesterFn(opts: GitLabHttpOptions) {
  const handler = async (endpoint: string, options?: Record<string, unknown>) => {
    const { rateLimiters, prefixUrl = '', searchParams, method = 'GET', headers, body, asStream = false } = (options ?? {}) as HandlerOptions;
    const url = new URL(endpoint, prefixUrl.endsWith('/') ? prefixUrl : `${prefixUrl}/`);
    url.search = searchParams ?? '';
    const operation = `${method} ${url.pathname}`;
    const rateLimit = getMatchingRateLimiter(endpoint, rateLimiters as Parameters<typeof getMatchingRateLimiter>[1], method);
    const toForgeError = (err: unknown) => (err instanceof ForgeError ? err : transportError('gitlab', operation, err, opts.secrets));
    return withRetries(
      async () => {
        await rateLimit();
        let response: Response;
        try {
          response = await fetch(url, { method, headers, body: body ?? null, signal: AbortSignal.timeout(opts.timeoutMs) });
        } catch (err) {
          throw transportError('gitlab', operation, err, opts.secrets);
        }
        const responseHeaders = Object.fromEntries(response.headers.entries());
        if (!response.ok) {
          throw httpError('gitlab', operation, response.status, responseHeaders, parseError(await response.text()), opts.secrets);
        }
        return { body: (await readBody(response, asStream)) as never, headers: responseHeaders, status: response.status };
      },
      toForgeError,
      opts.retry,
    );
  };
  // gitbeaker's own options handler builds headers (auth included), the JSON body and the query.
  return createRequesterFn((_resourceOptions, requestOptions) => Promise.resolve(requestOptions), handler);
}

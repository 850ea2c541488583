/**
 * The HTTP layer under @octokit/rest, hooked into octokit's request pipeline: a timeout per
 * attempt, bounded retries that honour Retry-After and GitHub's rate-limit reset (primary
 * limit: 403 with x-ratelimit-remaining 0; secondary: 403/429 with retry-after), and typed
 * ForgeErrors whose messages never hold the token. (@octokit/plugin-retry and -throttling
 * do similar things; the policy is kept here so both platforms retry alike.)
 */
import { Octokit } from '@octokit/rest';
import { ForgeError, httpError, transportError } from './errors.ts';
import { withRetries, type RetryPolicy } from './retry.ts';

export interface GitHubHttpOptions {
  baseUrl: string;
  token: string;
  retry: RetryPolicy;
  timeoutMs: number;
}

interface OctokitErrorShape {
  status?: number;
  request?: { method?: string; url?: string };
  response?: { status: number; headers: Record<string, string>; data: unknown };
}

function operationOf(err: OctokitErrorShape | undefined, fallback: { method?: string; url?: string }): string {
  const method = err?.request?.method ?? fallback.method ?? 'GET';
  const url = err?.request?.url ?? fallback.url ?? '';
  let path = url;
  try {
    path = new URL(url).pathname;
  } catch {
    // a route template such as /repos/{owner}/{repo}/pulls/{pull_number}
  }
  return `${method} ${path}`;
}

/**
 * GitHub's API root for a forge URL: github.com → https://api.github.com; GitHub Enterprise
 * Server https://ghe.example.com → https://ghe.example.com/api/v3; an API URL is kept.
 */
export function githubApiUrl(url: string): string {
  const base = url.replace(/\/+$/, '');
  if (/^https?:\/\/(www\.)?github\.com$/i.test(base)) return 'https://api.github.com';
  if (/^https?:\/\/api\.github\.com$/i.test(base) || /\/api\/v3$/.test(base)) return base;
  return `${base}/api/v3`;
}

const silent = { debug: () => {}, info: () => {}, warn: () => {}, error: () => {} };

export function githubClient(opts: GitHubHttpOptions): Octokit {
  const octokit = new Octokit({ auth: opts.token, baseUrl: opts.baseUrl, userAgent: 'odoops', log: silent });
  const secrets = [opts.token];
  octokit.hook.wrap('request', async (request, options) => {
    const toForgeError = (raw: unknown): ForgeError => {
      if (raw instanceof ForgeError) return raw;
      const err = raw as OctokitErrorShape;
      const operation = operationOf(err, options as { method?: string; url?: string });
      if (err?.response) return httpError('github', operation, err.response.status, err.response.headers, err.response.data, secrets);
      return transportError('github', operation, raw, secrets);
    };
    return withRetries(async () => request({ ...options, request: { ...options.request, signal: AbortSignal.timeout(opts.timeoutMs) } }), toForgeError, opts.retry);
  });
  return octokit;
}

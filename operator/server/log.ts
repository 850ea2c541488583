/**
 * The operator's log: pino, one JSON line per event, with the fields that make a line
 * findable (client, mr, revision, runId, job, kind, result, durationMs). Secrets never reach
 * it: keys that name secrets are censored by path, and every line passes through
 * operator/secrets' redact for the values the operator resolved (in case one ends up inside
 * a message, e.g. echoed by a failing command).
 */
import { pino, type DestinationStream, type Logger } from 'pino';
import { redact } from '../secrets/index.ts';

export type { Logger } from 'pino';

/** Keys whose values are never logged, wherever they appear (one level deep, or in headers). */
export const REDACT_PATHS = [
  'secret', '*.secret', 'token', '*.token', 'password', '*.password', 'authorization', '*.authorization',
  'webhookSecret', '*.webhookSecret',
  'headers["x-gitlab-token"]', '*.headers["x-gitlab-token"]',
  'headers["x-hub-signature-256"]', '*.headers["x-hub-signature-256"]',
  'headers["x-hub-signature"]', '*.headers["x-hub-signature"]',
  'headers.authorization', '*.headers.authorization',
];

export interface LoggerOptions {
  level?: string;
  /** Secret values to scrub from every line; read at each write, so values added later count. */
  secrets: ReadonlySet<string>;
  /** Where lines go; default stdout, written synchronously (no line lost at exit). */
  destination?: DestinationStream;
}

/** A value as it appears inside a JSON string (quotes, backslashes and control characters escaped). */
function jsonForm(value: string): string {
  return JSON.stringify(value).slice(1, -1);
}

export function createLogger(opts: LoggerOptions): Logger {
  const destination = opts.destination ?? pino.destination({ dest: 1, sync: true });
  return pino(
    {
      level: opts.level ?? 'info',
      base: { pid: process.pid },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      redact: { paths: REDACT_PATHS, censor: '[secret]' },
      hooks: {
        streamWrite: (line) => {
          if (opts.secrets.size === 0) return line;
          const values = new Set<string>();
          for (const s of opts.secrets) {
            values.add(s);
            values.add(jsonForm(s));
          }
          // Longest first: a secret containing another is replaced whole.
          return redact(line, [...values].sort((a, b) => b.length - a.length));
        },
      },
    },
    destination,
  );
}

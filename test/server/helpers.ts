/** Shared pieces of the operator tests: a clock tests move, barriers, captured logs, HTTP. */
import http from 'node:http';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import type { IncomingHttpHeaders } from 'node:http';
import type { Clock } from '../../operator/server/clock.ts';
import { createLogger, type Logger } from '../../operator/server/log.ts';
import type { DecodeResult } from '../../operator/server/webhooks.ts';

/** A clock that only moves when the test says so. */
export class FakeClock implements Clock {
  private t: number;
  constructor(start: string | Date) {
    this.t = new Date(start).getTime();
  }
  now(): Date {
    return new Date(this.t);
  }
  set(at: string | Date): void {
    this.t = new Date(at).getTime();
  }
  advance(ms: number): void {
    this.t += ms;
  }
}

export interface Deferred<T = void> {
  promise: Promise<T>;
  resolve(v: T): void;
  reject(e: unknown): void;
}

export function deferred<T = void>(): Deferred<T> {
  let resolve!: (v: T) => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/** Waits until `cond()` holds, checking on every turn of the event loop (no fixed sleeps). */
export async function until(cond: () => boolean, what: string, limitMs = 20_000): Promise<void> {
  const deadline = Date.now() + limitMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

export function tempDir(prefix = 'odoops-server-'): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

/** A logger writing into an array of parsed JSON lines (and the raw text, for redaction checks). */
export function captureLog(secrets: Set<string> = new Set()): { log: Logger; lines: Record<string, unknown>[]; raw: string[] } {
  const lines: Record<string, unknown>[] = [];
  const raw: string[] = [];
  const destination = new Writable({
    write(chunk, _enc, cb) {
      for (const line of String(chunk).split('\n')) {
        if (!line) continue;
        raw.push(line);
        lines.push(JSON.parse(line) as Record<string, unknown>);
      }
      cb();
    },
  });
  return { log: createLogger({ level: 'debug', secrets, destination }), lines, raw };
}

/**
 * A decoder of the shape the forge layer provides, for tests of the shared webhook
 * behaviour: token header, JSON body, event header, delivery header.
 */
export interface TestEvent {
  event: string;
  payload: unknown;
}
export function testDecoder(token: string, events = ['merge_request', 'push']) {
  return (headers: IncomingHttpHeaders, body: Buffer): DecodeResult<TestEvent> => {
    if (headers['x-test-token'] !== token) return { kind: 'unauthorized', reason: 'bad token' };
    let payload: unknown;
    try {
      payload = JSON.parse(body.toString('utf8'));
    } catch (err) {
      return { kind: 'malformed', reason: (err as Error).message };
    }
    const event = String(headers['x-test-event'] ?? '');
    const deliveryId = String(headers['x-test-delivery'] ?? '');
    if (!events.includes(event)) return { kind: 'unsupported', event, deliveryId };
    return { kind: 'ok', deliveryId, event: { event, payload }, summary: { webhookEvent: event } };
  };
}

export interface HttpAnswer {
  status: number;
  headers: http.IncomingHttpHeaders;
  text: string;
  json(): any;
}

export function request(url: string, opts: { method?: string; headers?: Record<string, string>; body?: string | Buffer } = {}): Promise<HttpAnswer> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method: opts.method ?? 'GET', headers: opts.headers ?? {}, agent: false }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (d) => (text += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json: () => JSON.parse(text) }));
    });
    req.on('error', reject);
    req.end(opts.body);
  });
}

/** Prometheus text format -> samples (name, labels, value); "# HELP/TYPE" lines skipped. */
export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}
export function parseMetrics(text: string): Sample[] {
  const out: Sample[] = [];
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)$/.exec(line);
    if (!m) throw new Error(`not a Prometheus sample line: ${line}`);
    const labels: Record<string, string> = {};
    for (const [, k, v] of (m[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) labels[k!] = v!.replace(/\\(.)/g, '$1');
    out.push({ name: m[1]!, labels, value: Number(m[3]) });
  }
  return out;
}

/** The value of one sample (0 when absent: Prometheus counters start unseen). */
export function metric(samples: Sample[], name: string, labels: Record<string, string> = {}): number {
  const s = samples.find((x) => x.name === name && Object.entries(labels).every(([k, v]) => x.labels[k] === v));
  return s ? s.value : 0;
}

/**
 * Webhook deliveries already accepted, so a redelivery (the forge retrying after a timeout,
 * or someone pressing "redeliver") is processed once, also after a restart. Kept in a small
 * JSON file of the state directory, pruned by age and count: forges redeliver within days
 * (GitHub offers manual redelivery of the past 3 days), never months later.
 */
import path from 'node:path';
import type { Clock } from './clock.ts';
import { readJsonFile, writeJsonAtomic } from './json-file.ts';
import { OdoopsError } from '../util/errors.ts';

export const DELIVERIES_FILE = 'deliveries.json';
const VERSION = 1;

export interface DeliveryLogLimits {
  /** Deliveries older than this are forgotten. Default 7 days. */
  maxAgeMs: number;
  /** At most this many are kept (the oldest go first). Default 5000. */
  maxEntries: number;
}

export const DEFAULT_DELIVERY_LIMITS: DeliveryLogLimits = { maxAgeMs: 7 * 24 * 3600 * 1000, maxEntries: 5000 };

interface DeliveriesFile {
  version: number;
  /** [delivery key, accepted at (ms since epoch)], oldest first. */
  deliveries: [string, number][];
}

export class DeliveryLog {
  private readonly seenAt = new Map<string, number>();
  private readonly file: string;

  constructor(stateDir: string, private readonly clock: Clock, private readonly limits: DeliveryLogLimits = DEFAULT_DELIVERY_LIMITS) {
    this.file = path.join(stateDir, DELIVERIES_FILE);
    const raw = readJsonFile(this.file);
    if (raw === null) return;
    const data = raw as Partial<DeliveriesFile>;
    if (data.version !== VERSION || !Array.isArray(data.deliveries)) {
      throw new OdoopsError(`${this.file}: unknown format (expected version ${VERSION}); move it away to start with an empty delivery log`);
    }
    for (const entry of data.deliveries) {
      if (Array.isArray(entry) && typeof entry[0] === 'string' && typeof entry[1] === 'number') this.seenAt.set(entry[0], entry[1]);
    }
    this.prune();
  }

  /** "gitlab:<uuid>": ids of different forges never collide. */
  static key(platform: string, deliveryId: string): string {
    return `${platform}:${deliveryId}`;
  }

  has(key: string): boolean {
    const at = this.seenAt.get(key);
    return at !== undefined && at > this.clock.now().getTime() - this.limits.maxAgeMs;
  }

  /** Records an accepted delivery; durable when this returns. */
  record(key: string): void {
    this.seenAt.delete(key);
    this.seenAt.set(key, this.clock.now().getTime());
    this.prune();
    writeJsonAtomic(this.file, { version: VERSION, deliveries: [...this.seenAt] } satisfies DeliveriesFile);
  }

  get size(): number {
    return this.seenAt.size;
  }

  private prune(): void {
    const cutoff = this.clock.now().getTime() - this.limits.maxAgeMs;
    // Map iteration is insertion order = acceptance order, oldest first.
    for (const [k, at] of this.seenAt) {
      if (at > cutoff && this.seenAt.size <= this.limits.maxEntries) break;
      this.seenAt.delete(k);
    }
  }
}

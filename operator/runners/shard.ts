/**
 * `--shard I/N` for plan, apply and drift: split a big fleet over N CI jobs (GitLab CI
 * `parallel: N` gives CI_NODE_INDEX 1..N and CI_NODE_TOTAL). A client belongs to shard
 * 1 + (first 32 bits of SHA-256 of its name) mod N: stable across runs, machines and fleet
 * changes (adding a client never moves another one), every client in exactly one shard.
 */
import { createHash } from 'node:crypto';
import { UsageError } from '../util/errors.ts';

export interface Shard {
  /** 1-based, as CI_NODE_INDEX. */
  index: number;
  total: number;
}

export function parseShard(value: string): Shard {
  const m = /^\s*(\d{1,4})\s*\/\s*(\d{1,4})\s*$/.exec(value);
  const index = m ? Number(m[1]) : NaN;
  const total = m ? Number(m[2]) : NaN;
  if (!m || total < 1 || index < 1 || index > total) {
    throw new UsageError(`--shard must be I/N with 1 <= I <= N (e.g. --shard "$CI_NODE_INDEX/$CI_NODE_TOTAL"), got "${value}"`);
  }
  return { index, total };
}

/** The shard (1..total) a client name belongs to. */
export function shardOf(client: string, total: number): number {
  return 1 + (createHash('sha256').update(client, 'utf8').digest().readUInt32BE(0) % total);
}

export function inShard<T extends { name: string }>(clients: T[], shard: Shard | undefined): T[] {
  if (!shard || shard.total === 1) return clients;
  return clients.filter((c) => shardOf(c.name, shard.total) === shard.index);
}

/**
 * The first half of every run: load the desired state at a revision, then select the
 * clients to work on (named ones, and/or those whose desired state changed since a revision).
 */
import { loadDesiredState, touchedClients } from '../desired/load.ts';
import type { WorktreePolicy } from '../desired/source.ts';
import type { ClientSpec, DesiredState } from '../desired/types.ts';
import { UsageError } from '../util/errors.ts';
import { inShard, type Shard } from './shard.ts';
import { unknownClientMessage } from '../desired/unknown-client.ts';

export interface TargetOptions {
  /** Config repo: local path or git URL (default: current directory). */
  repo?: string;
  rev?: string;
  worktree?: WorktreePolicy;
  /** Only these clients (unknown names are a usage error). */
  clients?: string[];
  /** Only clients whose resolved desired state differs from this revision. */
  changedSince?: string;
  /** Only the clients of this shard (CI `parallel:`). */
  shard?: Shard;
}

export interface Target {
  desired: DesiredState;
  clients: ClientSpec[];
}

export function selectClients(all: ClientSpec[], wanted: string[] | undefined): ClientSpec[] {
  if (!wanted || wanted.length === 0) return all;
  const byName = new Map(all.map((c) => [c.name, c]));
  const unknown = wanted.filter((n) => !byName.has(n));
  if (unknown.length) {
    throw new UsageError(unknownClientMessage(unknown, all.map((c) => c.name)));
  }
  return [...new Set(wanted)].map((n) => byName.get(n)!);
}

export async function loadTarget(opts: TargetOptions): Promise<Target> {
  const desired = await loadDesiredState({ repo: opts.repo, rev: opts.rev, ...(opts.worktree ? { worktree: opts.worktree } : {}) });
  return { desired, clients: await narrow(desired, opts) };
}

/** The selection on an already loaded desired state. */
export async function narrow(desired: DesiredState, opts: Pick<TargetOptions, 'repo' | 'clients' | 'changedSince' | 'shard'>): Promise<ClientSpec[]> {
  let clients = inShard(selectClients(desired.clients, opts.clients), opts.shard);
  if (opts.changedSince !== undefined) {
    const touched = new Set(await touchedClients({ repo: opts.repo, from: opts.changedSince, to: desired.source }));
    clients = clients.filter((c) => touched.has(c.name));
  }
  return clients;
}

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
  /** Only these clients, or `CLIENT/INSTANCE` for one instance (unknown names are a usage error). */
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

/** One wording for an unknown instance in `--client CLIENT/INSTANCE`, naming the client's instances. */
export function unknownInstanceMessage(client: ClientSpec, instance: string): string {
  return `unknown instance "${client.name}/${instance}" (${client.name} has: ${client.instances.map((i) => i.name).join(', ') || 'none'})`;
}

/** A client spec restricted to the named instances (in the spec's order); the whole spec without names. */
export function restrictInstances(spec: ClientSpec, instances: readonly string[] | undefined): ClientSpec {
  if (!instances || instances.length === 0) return spec;
  const missing = instances.find((n) => !spec.instances.some((i) => i.name === n));
  if (missing !== undefined) throw new UsageError(unknownInstanceMessage(spec, missing));
  return { ...spec, instances: spec.instances.filter((i) => instances.includes(i.name)) };
}

/** A `--client` value: `shop` (the whole client) or `shop/test` (one instance). */
export function parseClientSelector(value: string): { client: string; instance?: string } {
  const slash = value.indexOf('/');
  if (slash < 0) return { client: value };
  const client = value.slice(0, slash);
  const instance = value.slice(slash + 1);
  if (!client || !instance || instance.includes('/')) throw new UsageError(`--client "${value}": expected CLIENT or CLIENT/INSTANCE (e.g. shop or shop/test)`);
  return { client, instance };
}

/**
 * The clients named by `--client` values, in the order first named: `shop` selects the whole
 * client, `shop/test` one instance (a spec restricted to it; several such add up, and `shop`
 * with `shop/test` is the whole client). Unknown clients or instances are usage errors.
 */
export function selectTargets(all: ClientSpec[], wanted: string[] | undefined): ClientSpec[] {
  if (!wanted || wanted.length === 0) return all;
  const byName = new Map(all.map((c) => [c.name, c]));
  const parsed = wanted.map(parseClientSelector);
  const unknown = [...new Set(parsed.map((p) => p.client).filter((n) => !byName.has(n)))];
  if (unknown.length) throw new UsageError(unknownClientMessage(unknown, all.map((c) => c.name)));
  // client name -> null (whole client) or the instances named
  const chosen = new Map<string, Set<string> | null>();
  for (const p of parsed) {
    const prev = chosen.get(p.client);
    if (p.instance === undefined || prev === null) chosen.set(p.client, null);
    else chosen.set(p.client, new Set([...(prev ?? []), p.instance]));
  }
  return [...chosen].map(([name, instances]) => restrictInstances(byName.get(name)!, instances ? [...instances] : undefined));
}

/** Whether `--client` values name single instances (`shop/test`): runs on whole servers refuse them. */
export function selectsInstances(wanted: string[] | undefined): boolean {
  return !!wanted?.some((w) => w.includes('/'));
}

/** Whole clients only (commands that work on a whole server: maintain, status). */
export function selectClients(all: ClientSpec[], wanted: string[] | undefined): ClientSpec[] {
  const instance = wanted?.find((w) => w.includes('/'));
  if (instance !== undefined) throw new UsageError(`--client "${instance}": this command works on whole clients; name the client alone ("${instance.split('/')[0]}")`);
  return selectTargets(all, wanted);
}

export async function loadTarget(opts: TargetOptions): Promise<Target> {
  const desired = await loadDesiredState({ repo: opts.repo, rev: opts.rev, ...(opts.worktree ? { worktree: opts.worktree } : {}) });
  return { desired, clients: await narrow(desired, opts) };
}

/** The selection on an already loaded desired state. */
export async function narrow(desired: DesiredState, opts: Pick<TargetOptions, 'repo' | 'clients' | 'changedSince' | 'shard'>): Promise<ClientSpec[]> {
  let clients = inShard(selectTargets(desired.clients, opts.clients), opts.shard);
  if (opts.changedSince !== undefined) {
    const touched = new Set(await touchedClients({ repo: opts.repo, from: opts.changedSince, to: desired.source }));
    clients = clients.filter((c) => touched.has(c.name));
  }
  return clients;
}

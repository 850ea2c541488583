/**
 * What the operator must remember across a restart, and cannot read back from git or the
 * servers: merged changes waiting for a window, MR holds, and where the drift schedule
 * stands. One JSON file in the state directory, with a schema version, validated on load,
 * rewritten atomically on every change (changes are rare: merges, holds, drift results).
 */
import path from 'node:path';
import { Ajv } from 'ajv';
import type { Clock } from './clock.ts';
import { readJsonFile, writeJsonAtomic } from './json-file.ts';
import { OdoopsError } from '../util/errors.ts';
import { MR_APPLY_OUTCOMES, type MrApplyInstance } from '../report/mr.ts';

export const STATE_FILE = 'state.json';
export const STATE_VERSION = 1;

/** A merge request (GitLab) or pull request (GitHub) of the config repo. */
export interface MrRef {
  platform: 'gitlab' | 'github';
  /** "group/project" or "owner/repo". */
  project: string;
  /** GitLab iid / GitHub number. */
  number: number;
  url?: string;
}

export interface WaitingInstance {
  /** ISO time the instance's window next opens; null: none within the horizon (needs a person). */
  nextOpening: string | null;
}

/** A merged change not applied yet everywhere, because windows were closed. */
export interface PendingApply {
  /** Config repo commit to apply (the merge commit). */
  revision: string;
  /** The MR it came from (null: a push to the default branch, or a scheduled catch-up). */
  mr: MrRef | null;
  queuedAt: string;
  /** Instances still waiting, by name. */
  instances: Record<string, WaitingInstance>;
}

/** "client held by !N": an `odoops apply` before merge reserves the client for that MR. */
export interface Hold {
  mr: MrRef;
  since: string;
  /** Who asked (forge user name). */
  by: string;
}

/** pending: the desired state moved on and waits (window, queue, block); drifted: the server moved (operator/drift/). */
export type DriftResult = 'in-sync' | 'pending' | 'drifted' | 'unreachable' | 'failed';

export interface ClientDriftRecord {
  /** The scheduled fire time this check answered. */
  fire: string;
  checkedAt: string;
  result: DriftResult;
}

export interface DriftScheduleState {
  /** When scheduled drift started counting: fires before it are not caught up. */
  baseline: string | null;
  /** Per client, the last scheduled check. */
  clients: Record<string, ClientDriftRecord>;
  /** Completion time of the last fire whose every client was checked without failure. */
  lastSuccessAt: string | null;
}

/** One client of an MR's apply, as last reported. */
export interface MrClientApply {
  revision: string;
  updatedAt: string;
  /** The runner's ClientStatus, or `queued` / `superseded` / `removed` / `held`. */
  status: string;
  /** Why (held by !N, superseded by !N, the server's error). */
  note?: string;
  instances: MrApplyInstance[];
}

/** What the operator remembers of an MR: the plan it made and the apply it runs. */
export interface MrRecord {
  mr: MrRef;
  /** The MR head commit statuses go on. */
  headSha: string;
  /** The last plan: at which head, for which clients. */
  plan: { headSha: string; clients: string[]; at: string } | null;
  /** The apply (after merge, or by an `odoops apply` command), per client. */
  apply: { revision: string; clients: Record<string, MrClientApply> } | null;
}

export interface OperatorState {
  version: typeof STATE_VERSION;
  pendingApplies: Record<string, PendingApply>;
  holds: Record<string, Hold>;
  drift: DriftScheduleState;
  /** Per MR (key mrKey), its plan and apply; absent in files written before the MR flow. */
  mrs?: Record<string, MrRecord>;
}

const iso = { type: 'string', pattern: '^\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d(\\.\\d+)?Z$' };
const isoOrNull = { anyOf: [iso, { type: 'null' }] };
const mapOf = (value: object) => ({ type: 'object', additionalProperties: value });
const OPTIONAL = new Set(['url', 'mrs', 'detail', 'durationMs', 'nextOpening', 'timeZone', 'failure', 'note']);
const record = (properties: Record<string, object>) => ({
  type: 'object',
  additionalProperties: false,
  required: Object.keys(properties).filter((k) => !OPTIONAL.has(k)),
  properties,
});
const mrSchema = record({
  platform: { enum: ['gitlab', 'github'] },
  project: { type: 'string', minLength: 1 },
  number: { type: 'integer', minimum: 1 },
  url: { type: 'string' },
});

/** The file's JSON Schema; OperatorState above is its TypeScript twin (a test round-trips every field). */
const stateSchema = record({
  version: { const: STATE_VERSION },
  pendingApplies: mapOf(
    record({
      revision: { type: 'string', pattern: '^[0-9a-f]{40}$' },
      mr: { anyOf: [mrSchema, { type: 'null' }] },
      queuedAt: iso,
      instances: mapOf(record({ nextOpening: isoOrNull })),
    }),
  ),
  holds: mapOf(record({ mr: mrSchema, since: iso, by: { type: 'string' } })),
  drift: record({
    baseline: isoOrNull,
    lastSuccessAt: isoOrNull,
    clients: mapOf(record({ fire: iso, checkedAt: iso, result: { enum: ['in-sync', 'pending', 'drifted', 'unreachable', 'failed'] } })),
  }),
  mrs: mapOf(
    record({
      mr: mrSchema,
      headSha: { type: 'string' },
      plan: { anyOf: [{ type: 'null' }, record({ headSha: { type: 'string' }, clients: { type: 'array', items: { type: 'string' } }, at: iso })] },
      apply: {
        anyOf: [
          { type: 'null' },
          record({
            revision: { type: 'string' },
            clients: mapOf(
              record({
                revision: { type: 'string' },
                updatedAt: iso,
                status: { type: 'string' },
                note: { type: 'string' },
                instances: {
                  type: 'array',
                  items: record({
                    instance: { type: 'string' },
                    outcome: { enum: MR_APPLY_OUTCOMES },
                    detail: { type: 'string' },
                    durationMs: { type: 'number' },
                    nextOpening: isoOrNull,
                    timeZone: { type: 'string' },
                    failure: { type: 'string' },
                  }),
                },
              }),
            ),
          }),
        ],
      },
    }),
  ),
});

const validate = new Ajv({ allErrors: false }).compile<OperatorState>(stateSchema);

export function emptyState(): OperatorState {
  return { version: STATE_VERSION, pendingApplies: {}, holds: {}, drift: { baseline: null, clients: {}, lastSuccessAt: null } };
}

export function sameMr(a: MrRef, b: MrRef): boolean {
  return a.platform === b.platform && a.project === b.project && a.number === b.number;
}

/** The key of an MR in `mrs`: platform, project and number. */
export function mrKey(mr: MrRef): string {
  return `${mr.platform}:${mr.project}!${mr.number}`;
}

/** "!12" (GitLab) or "#12" (GitHub), as people write them. */
export function mrLabel(mr: MrRef): string {
  return `${mr.platform === 'gitlab' ? '!' : '#'}${mr.number}`;
}

export type ReadonlyDeep<T> = T extends object ? { readonly [K in keyof T]: ReadonlyDeep<T[K]> } : T;

export class StateStore {
  readonly file: string;
  private current: OperatorState;

  constructor(stateDir: string, private readonly clock: Clock) {
    this.file = path.join(stateDir, STATE_FILE);
    const raw = readJsonFile(this.file);
    if (raw === null) {
      this.current = emptyState();
      return;
    }
    const version = (raw as { version?: unknown }).version;
    if (typeof version === 'number' && version > STATE_VERSION) {
      throw new OdoopsError(`${this.file} was written by a newer odoops (state version ${version}, this one reads ${STATE_VERSION})`);
    }
    if (!validate(raw)) {
      const e = validate.errors?.[0];
      throw new OdoopsError(`${this.file}: invalid operator state at ${e?.instancePath || '/'}: ${e?.message ?? 'unknown error'}; repair it or move it away`);
    }
    this.current = raw;
  }

  /** The state as last written (never mutate it: use update). */
  get state(): ReadonlyDeep<OperatorState> {
    return this.current;
  }

  /**
   * Changes the state through a draft and writes it; the change is kept only when the write
   * succeeded, so memory never runs ahead of the disk.
   */
  update<T>(change: (draft: OperatorState) => T): T {
    const draft = structuredClone(this.current);
    const out = change(draft);
    writeJsonAtomic(this.file, draft);
    this.current = draft;
    return out;
  }

  private nowIso(): string {
    return this.clock.now().toISOString();
  }

  /**
   * Queues a merged change for a client; a newer merge replaces an older queued one
   * (returned, so its MR can be told it was superseded).
   */
  queueApply(client: string, entry: { revision: string; mr: MrRef | null; instances: Record<string, WaitingInstance> }): PendingApply | null {
    return this.update((s) => {
      const previous = s.pendingApplies[client] ?? null;
      s.pendingApplies[client] = { revision: entry.revision, mr: entry.mr, queuedAt: this.nowIso(), instances: entry.instances };
      return previous && previous.revision !== entry.revision ? previous : null;
    });
  }

  /**
   * After an apply of `revision`: the instances still waiting (empty: done, the entry goes).
   * A newer merge queued meanwhile is left alone.
   */
  settleApply(client: string, revision: string, waiting: Record<string, WaitingInstance>): void {
    if (this.current.pendingApplies[client]?.revision !== revision) return;
    this.update((s) => {
      const entry = s.pendingApplies[client]!;
      if (Object.keys(waiting).length === 0) delete s.pendingApplies[client];
      else entry.instances = waiting;
    });
  }

  /** Holds a client for an MR; when another MR holds it already, returns that hold instead. */
  hold(client: string, mr: MrRef, by: string): { held: true } | { held: false; holder: Hold } {
    const existing = this.current.holds[client];
    if (existing && !sameMr(existing.mr, mr)) return { held: false, holder: structuredClone(existing) };
    if (existing) return { held: true };
    this.update((s) => {
      s.holds[client] = { mr, since: this.nowIso(), by };
    });
    return { held: true };
  }

  /** Releases every client an MR holds (merged or closed); returns their names. */
  releaseHolds(mr: MrRef): string[] {
    const clients = Object.entries(this.current.holds).filter(([, h]) => sameMr(h.mr, mr)).map(([c]) => c);
    if (clients.length > 0) {
      this.update((s) => {
        for (const c of clients) delete s.holds[c];
      });
    }
    return clients;
  }

  mrRecord(mr: MrRef): MrRecord | null {
    const r = this.current.mrs?.[mrKey(mr)];
    return r ? structuredClone(r) : null;
  }

  /** Changes (or creates, from `init`) an MR's record and writes it; returns the record as written. */
  updateMr(mr: MrRef, init: () => MrRecord, change: (r: MrRecord) => void): MrRecord {
    return this.update((s) => {
      s.mrs ??= {};
      const key = mrKey(mr);
      const r = s.mrs[key] ?? init();
      change(r);
      s.mrs[key] = r;
      return structuredClone(r);
    });
  }

  heldBy(client: string): Hold | null {
    const h = this.current.holds[client];
    return h ? structuredClone(h) : null;
  }
}

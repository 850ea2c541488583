/**
 * Scheduled drift: `operator.driftSchedule` (cron, in the fleet's time zone, evaluated by
 * croner: DST-aware) fires; every client is checked once per fire, as its own job (so a
 * drift check never overlaps an apply on the same client). Level-triggered: a client is due
 * when the latest fire is newer than the fire it last answered, so a fire missed while the
 * operator was down is caught up once on start, not once per missed fire. A fresh state
 * starts counting at its first tick (no burst of checks on first install).
 */
import { Cron } from 'croner';
import type { ClientSpec } from '../desired/types.ts';
import type { Clock } from './clock.ts';
import type { ConfigSnapshot } from './config-source.ts';
import type { JobContext } from './queue.ts';
import type { DueJob } from './scheduler.ts';
import type { DriftResult, DriftScheduleState, ReadonlyDeep, StateStore } from './state.ts';
import { OdoopsError } from '../util/errors.ts';

const SECOND_MS = 1000;

/** The latest fire time of a 5-part cron at or before `now`, in `timeZone`; null if none. */
export function latestFire(schedule: string, timeZone: string, now: Date): Date | null {
  let cron: Cron;
  try {
    cron = new Cron(schedule, { timezone: timeZone, paused: true, mode: '5-part' });
  } catch (err) {
    throw new OdoopsError(`operator.driftSchedule "${schedule}" (${timeZone}): ${(err as Error).message}`);
  }
  // croner's previousRuns excludes a run exactly at the reference: look from one second later.
  for (const d of cron.previousRuns(2, new Date(now.getTime() + SECOND_MS))) {
    if (d.getTime() <= now.getTime()) return d;
  }
  return null;
}

/** Clients whose scheduled check for `fire` has not been made yet. */
export function clientsDueForDrift(state: ReadonlyDeep<DriftScheduleState>, clients: readonly string[], fire: Date): string[] {
  if (state.baseline === null || fire.getTime() <= Date.parse(state.baseline)) return [];
  return clients.filter((c) => {
    const last = state.clients[c];
    return !last || Date.parse(last.fire) < fire.getTime();
  });
}

/**
 * Checks one client against the desired state of `config`. Returns the result, or null when
 * it stopped at a safe point before answering (operator stopping): nothing is recorded, so
 * the check runs again after the restart.
 */
export type RunDrift = (client: ClientSpec, config: ConfigSnapshot, ctx: JobContext) => Promise<DriftResult | null>;

export interface DriftCheckOutcome {
  client: string;
  fire: string;
  result: DriftResult | 'stopped';
}

/** The scheduled drift checks due at `now`, as jobs that record their result in the store. */
/** Called once when every client of the fleet has answered a fire (e.g. to publish the drift issue). */
export type OnDriftFireComplete = (fire: string, config: ConfigSnapshot) => Promise<void>;

export function scheduledDriftJobs(opts: { store: StateStore; clock: Clock; config: ConfigSnapshot; now: Date; runDrift: RunDrift; onFireComplete?: OnDriftFireComplete }): DueJob<DriftCheckOutcome>[] {
  const { store, clock, config, now, runDrift } = opts;
  if (store.state.drift.baseline === null) {
    store.update((s) => {
      s.drift.baseline = now.toISOString();
    });
    return [];
  }
  const fire = latestFire(config.desired.fleet.operator.driftSchedule, config.desired.fleet.timezone, now);
  if (!fire) return [];
  const fireIso = fire.toISOString();
  const due = clientsDueForDrift(store.state.drift, config.desired.clients.map((c) => c.name), fire);
  const byName = new Map(config.desired.clients.map((c) => [c.name, c]));
  return due.map((name) => ({
    key: name,
    kind: 'drift',
    dueKey: `drift:${name}@${fireIso}`,
    context: { client: name, revision: config.revision, fire: fireIso },
    resultOf: (o) => o.result,
    run: async (ctx): Promise<DriftCheckOutcome> => {
      let result: DriftResult | null;
      try {
        result = await runDrift(byName.get(name)!, config, ctx);
      } catch (err) {
        // The fire still completes: the report says what the other clients answered.
        if (recordDrift(store, clock, config, name, fireIso, 'failed') && opts.onFireComplete) await opts.onFireComplete(fireIso, config);
        throw err;
      }
      if (result === null) return { client: name, fire: fireIso, result: 'stopped' };
      const completed = recordDrift(store, clock, config, name, fireIso, result);
      if (completed && opts.onFireComplete) await opts.onFireComplete(fireIso, config);
      return { client: name, fire: fireIso, result };
    },
  }));
}

/**
 * Records one client's answer; when every client of the fleet has answered this fire without
 * failure, the run succeeded. True when this answer was the last one of the fire.
 */
function recordDrift(store: StateStore, clock: Clock, config: ConfigSnapshot, client: string, fire: string, result: DriftResult): boolean {
  return store.update((s) => {
    const checkedAt = clock.now().toISOString();
    s.drift.clients[client] = { fire, checkedAt, result };
    // Clients removed from the config are forgotten.
    const names = new Set(config.desired.clients.map((c) => c.name));
    for (const c of Object.keys(s.drift.clients)) if (!names.has(c) && c !== client) delete s.drift.clients[c];
    const fireMs = Date.parse(fire);
    const records = config.desired.clients.map((c) => s.drift.clients[c.name]);
    const complete = records.every((r) => r && Date.parse(r.fire) >= fireMs);
    if (complete && records.every((r) => r!.result !== 'failed')) s.drift.lastSuccessAt = checkedAt;
    return complete;
  });
}

/** Clients whose last scheduled check found drift, among those still in the config. */
export function driftingClients(state: ReadonlyDeep<DriftScheduleState>, clients: readonly string[]): string[] {
  return clients.filter((c) => state.clients[c]?.result === 'drifted');
}

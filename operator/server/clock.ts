/**
 * The one source of "now" for the operator. Everything that decides by time (due applies,
 * scheduled drift, dedup ages, state timestamps) takes a Clock, so tests move time to a
 * window opening or across a restart without sleeping.
 */
export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };

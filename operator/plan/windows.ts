/**
 * Update windows with the semantics of Argo CD sync windows (pure, no I/O):
 * - a window is active at t when some cron fire time s (in the window's time zone) has
 *   s <= t < s + duration; the duration is absolute elapsed time, like Argo's Go duration;
 * - no windows: always open; any active deny: closed (deny beats allow);
 * - otherwise open iff some allow is active, or there are no allow windows at all.
 * Cron evaluation and time zones come from croner (DST-aware: a fire time inside a
 * spring-forward gap runs at the first valid instant after the gap, a repeated wall-clock
 * time fires once) and luxon; nothing here does calendar arithmetic by hand.
 *
 * A fleet plan asks the same few window lists (usually inherited from fleet.yaml) about the
 * same minute thousands of times: statuses are cached per window list and minute (exact:
 * window state only changes at whole minutes when durations are whole minutes).
 */
import { Cron } from 'croner';
import { DateTime, Duration, IANAZone } from 'luxon';
import type { WindowSpec } from '../desired/types.ts';
import { OdoopsError } from '../util/errors.ts';
import type { WindowStatus } from './types.ts';

/** How far ahead openings and closings are searched. */
export const HORIZON_DAYS = 400;
const HORIZON_MS = Duration.fromObject({ days: HORIZON_DAYS }).toMillis();
const MAX_DURATION_MS = Duration.fromObject({ weeks: 1 }).toMillis();
/**
 * Bound on cron evaluations per search, so a pathological schedule (e.g. a deny "* * * * *"
 * lasting 1m, contiguous all year) cannot stall a run; enough for an hourly window over the horizon.
 */
export const SEARCH_BUDGET = 12_000;

interface Budget {
  left: number;
}

/** Work done by one status computation, for tests that bound it instead of timing it. */
export interface SearchStats {
  /** Cron evaluations (croner next/previous run computations). */
  cronEvaluations: number;
}

let stats: SearchStats | null = null;
const SECOND_MS = Duration.fromObject({ seconds: 1 }).toMillis();
const MINUTE_MS = Duration.fromObject({ minutes: 1 }).toMillis();

const UNIT_MS: Record<string, number> = {
  h: Duration.fromObject({ hours: 1 }).toMillis(),
  m: Duration.fromObject({ minutes: 1 }).toMillis(),
  s: SECOND_MS,
};

/**
 * Parses a Go-style duration as Argo CD accepts it: "3h", "90m", "1h30m", "1.5h", "45s"
 * (components may be separated by spaces: "2h 30m"). Returns milliseconds.
 */
export function parseDuration(s: string): number {
  const text = String(s).trim();
  const re = /(\d+(?:\.\d+)?)\s*([hms])\s*/gy;
  let total = 0;
  let matched = 0;
  let m: RegExpExecArray | null;
  while ((m = re.exec(text)) !== null) {
    total += Number(m[1]) * (UNIT_MS[m[2] as string] as number);
    matched = re.lastIndex;
  }
  if (text === '' || matched !== text.length) {
    throw new OdoopsError(`invalid duration "${s}": expected e.g. "3h", "90m" or "1h30m" (units h, m, s)`);
  }
  return Math.round(total);
}

interface Compiled {
  spec: WindowSpec;
  cron: Cron;
  durationMs: number;
  /** Answers of this schedule's cron queries by minute (see latestFireAtOrBefore). */
  memo: CronMemo;
}

interface CronMemo {
  latest: Map<number, number | null>;
  next: Map<number, number | null>;
}

/** Bound on the answers remembered per schedule (a fleet run asks about a few minutes). */
const MEMO_MAX = 4096;
const cronCache = new Map<string, Cron>();
const memoCache = new Map<string, CronMemo>();
const zoneCache = new Map<string, boolean>();

/** luxon builds an Intl.DateTimeFormat for every check: remember the answer per zone. */
function validZone(zone: string): boolean {
  let ok = zoneCache.get(zone);
  if (ok === undefined) zoneCache.set(zone, (ok = IANAZone.isValidZone(zone)));
  return ok;
}

function memoFor(schedule: string, timeZone: string): CronMemo {
  const key = `${timeZone}\u0000${schedule}`;
  let m = memoCache.get(key);
  if (!m) memoCache.set(key, (m = { latest: new Map(), next: new Map() }));
  return m;
}

function cronFor(schedule: string, timeZone: string): Cron {
  const key = `${timeZone}\u0000${schedule}`;
  let cron = cronCache.get(key);
  if (!cron) {
    // paused and without a callback: croner never schedules a timer, it only computes.
    cron = new Cron(schedule, { timezone: timeZone, paused: true, mode: '5-part' });
    cronCache.set(key, cron);
  }
  return cron;
}

/** Returns why a window is invalid (bad cron, unknown zone, bad duration), or null. */
export function validateWindow(w: WindowSpec): string | null {
  if (w.kind !== 'allow' && w.kind !== 'deny') return `window kind "${String(w.kind)}" must be allow or deny`;
  if (typeof w.timeZone !== 'string' || !validZone(w.timeZone)) {
    return `unknown time zone "${String(w.timeZone)}" (expected an IANA name such as Europe/Paris)`;
  }
  try {
    cronFor(w.schedule, w.timeZone);
  } catch (err) {
    const detail = err instanceof Error ? err.message.replace(/^CronPattern:\s*/, '') : String(err);
    return `invalid cron schedule "${w.schedule}": ${detail}`;
  }
  let ms: number;
  try {
    ms = parseDuration(w.duration);
  } catch (err) {
    return (err as Error).message;
  }
  if (ms <= 0) return `duration "${w.duration}" must be longer than zero`;
  if (ms > MAX_DURATION_MS) return `duration "${w.duration}" is longer than one week`;
  return null;
}

function compile(w: WindowSpec): Compiled {
  const problem = validateWindow(w);
  if (problem) throw new OdoopsError(`update window ${describeWindow(w)}: ${problem}`);
  return { spec: w, cron: cronFor(w.schedule, w.timeZone), durationMs: parseDuration(w.duration), memo: memoFor(w.schedule, w.timeZone) };
}

/** One line naming a window, e.g. `allow "0 2 * * 0" for 3h (Europe/Paris)`. */
export function describeWindow(w: WindowSpec): string {
  return `${w.kind} "${w.schedule}" for ${w.duration} (${w.timeZone})`;
}

function remember(map: Map<number, number | null>, minute: number, value: number | null): number | null {
  if (map.size >= MEMO_MAX) map.clear();
  map.set(minute, value);
  return value;
}

/**
 * Latest fire time <= t, or null. Fire times are whole minutes (5-part cron), so the answer
 * for t is the answer for t's minute: remembered per schedule and minute.
 */
function latestFireAtOrBefore(c: Compiled, t: number): number | null {
  const minute = Math.floor(t / MINUTE_MS);
  const known = c.memo.latest.get(minute);
  if (known !== undefined) return known;
  return remember(c.memo.latest, minute, latestFire(c, minute * MINUTE_MS));
}

function latestFire(c: Compiled, t: number): number | null {
  if (stats) stats.cronEvaluations++;
  // croner's previousRuns excludes a run exactly at the reference: look from one second later.
  for (const d of c.cron.previousRuns(2, new Date(t + SECOND_MS))) {
    if (d.getTime() <= t) return d.getTime();
  }
  return null;
}

/** Earliest fire time > t, or null: the same for every t of a minute (fires are whole minutes), remembered. */
function nextFireAfter(c: Compiled, t: number): number | null {
  const minute = Math.floor(t / MINUTE_MS);
  const known = c.memo.next.get(minute);
  if (known !== undefined) return known;
  return remember(c.memo.next, minute, nextFire(c, minute * MINUTE_MS));
}

function nextFire(c: Compiled, t: number): number | null {
  if (stats) stats.cronEvaluations++;
  const d = c.cron.nextRun(new Date(t));
  if (!d) return null;
  // nextRun works at second resolution; make sure the answer is strictly after t.
  if (d.getTime() > t) return d.getTime();
  const again = c.cron.nextRun(d);
  return again ? again.getTime() : null;
}

/** Start of the run that makes the window active at t, or null when inactive. */
function activeStart(c: Compiled, t: number): number | null {
  const s = latestFireAtOrBefore(c, t);
  return s !== null && t < s + c.durationMs ? s : null;
}

/** End of the continuous active period that contains run s (runs that overlap or touch merge). */
function mergedEnd(c: Compiled, s: number, limit: number, budget: Budget): number {
  let start = s;
  let end = s + c.durationMs;
  while (end <= limit && budget.left-- > 0) {
    const f = latestFireAtOrBefore(c, end);
    if (f === null || f <= start) break;
    start = f;
    end = f + c.durationMs;
  }
  return end;
}

interface Evaluation {
  open: boolean;
  allows: Compiled[];
  activeAllows: { c: Compiled; start: number }[];
  activeDenies: { c: Compiled; start: number }[];
}

function evaluate(all: Compiled[], t: number): Evaluation {
  const allows = all.filter((c) => c.spec.kind === 'allow');
  const activeAllows: Evaluation['activeAllows'] = [];
  const activeDenies: Evaluation['activeDenies'] = [];
  for (const c of all) {
    const start = activeStart(c, t);
    if (start === null) continue;
    (c.spec.kind === 'deny' ? activeDenies : activeAllows).push({ c, start });
  }
  const open = activeDenies.length === 0 && (activeAllows.length > 0 || allows.length === 0);
  return { open, allows, activeAllows, activeDenies };
}

/** "Sun 2026-11-29 02:00 Europe/Paris". */
export function formatAt(ms: number, zone: string): string {
  return `${DateTime.fromMillis(ms, { zone }).setLocale('en-US').toFormat('ccc yyyy-LL-dd HH:mm')} ${zone}`;
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}

/** Earliest instant > t0 at which the state is open, with the zone of the window that decides it. */
function findOpening(all: Compiled[], t0: number): { at: number; zone: string } | null {
  const limit = t0 + HORIZON_MS;
  const budget: Budget = { left: SEARCH_BUDGET };
  let t = t0;
  let zone = all[0]?.spec.timeZone ?? 'UTC';
  while (t <= limit && budget.left-- > 0) {
    const ev = evaluate(all, t);
    if (ev.open && t > t0) {
      const opener = ev.activeAllows.find((a) => a.start === t);
      return { at: t, zone: opener ? opener.c.spec.timeZone : zone };
    }
    if (ev.activeDenies.length > 0) {
      // Closed at least until every active deny period has ended.
      let next = t;
      for (const d of ev.activeDenies) {
        const end = mergedEnd(d.c, d.start, limit, budget);
        if (end > next) {
          next = end;
          zone = d.c.spec.timeZone;
        }
      }
      t = next;
      continue;
    }
    // No deny active, allow windows exist and none is active: wait for the next allow run.
    let next: number | null = null;
    for (const a of ev.allows) {
      const f = nextFireAfter(a, t);
      if (f !== null && (next === null || f < next)) {
        next = f;
        zone = a.spec.timeZone;
      }
    }
    if (next === null) return null;
    t = next;
  }
  return null;
}

/** Earliest instant > t0 at which an open state closes, with the deciding window's zone. */
function findClosing(all: Compiled[], t0: number, ev0: Evaluation): { at: number; zone: string } | null {
  const limit = t0 + HORIZON_MS;
  const budget: Budget = { left: SEARCH_BUDGET };
  let best: { at: number; zone: string } | null = null;
  const consider = (at: number | null, zone: string): void => {
    if (at !== null && at <= limit && (best === null || at < best.at)) best = { at, zone };
  };
  for (const c of all) {
    if (c.spec.kind === 'deny') consider(nextFireAfter(c, t0), c.spec.timeZone);
  }
  if (ev0.allows.length > 0) {
    // End of the union of allow periods covering t0 (one allow may start before another ends).
    let end = t0;
    let zone = ev0.activeAllows[0]?.c.spec.timeZone ?? 'UTC';
    for (let i = 0; end <= limit && budget.left-- > 0; i++) {
      const ev = i === 0 ? ev0 : evaluate(all, end);
      if (ev.activeAllows.length === 0) break;
      let next = end;
      for (const a of ev.activeAllows) {
        const e = mergedEnd(a.c, a.start, limit, budget);
        if (e > next) {
          next = e;
          zone = a.c.spec.timeZone;
        }
      }
      if (next === end) break;
      end = next;
    }
    consider(end, zone);
  }
  return best;
}

/**
 * Argo CD's manual-sync rule: with an active deny, an override (`apply --ignore-windows`) is
 * allowed only if every active deny has manualSync; outside every allow window it is allowed
 * if some allow window has manualSync. Open windows need no override (true).
 */
function overrideFrom(ev: Evaluation): boolean {
  if (ev.activeDenies.length > 0) return ev.activeDenies.every((d) => d.c.spec.manualSync !== false);
  if (ev.open) return true;
  return ev.allows.some((a) => a.spec.manualSync !== false);
}

const STATUS_CACHE_MAX = 4096;
const statusCache = new Map<string, WindowStatus>();
function windowsKey(windows: WindowSpec[]): string {
  let k = '';
  for (const w of windows) k += `${w.kind}\u0000${w.schedule}\u0000${w.duration}\u0000${w.timeZone}\u0000${w.manualSync}\u0001`;
  return k;
}

/**
 * Whether changes may be applied at `at`, when that changes next, and a line for humans.
 * Pass `work` to count the cron evaluations this call needs (the cache is then bypassed).
 */
export function windowStatus(windows: WindowSpec[], at: Date, work?: SearchStats): WindowStatus {
  if (work) {
    stats = work;
    try {
      return computeStatus(windows, at);
    } finally {
      stats = null;
    }
  }
  if (windows.length === 0) return computeStatus(windows, at);
  // Window state changes only at fire times (whole minutes) and at fire time + duration: with
  // whole-minute durations every answer holds for the whole minute.
  let wholeMinutes = true;
  for (const w of windows) {
    let ms: number;
    try {
      ms = parseDuration(w.duration);
    } catch {
      return computeStatus(windows, at);
    }
    if (ms % MINUTE_MS !== 0) wholeMinutes = false;
  }
  const t = at.getTime();
  const key = `${wholeMinutes ? `m${Math.floor(t / MINUTE_MS)}` : `t${t}`}\u0002${windowsKey(windows)}`;
  const hit = statusCache.get(key);
  if (hit) return { ...hit };
  const status = computeStatus(windows, at);
  if (statusCache.size >= STATUS_CACHE_MAX) statusCache.clear();
  statusCache.set(key, status);
  return { ...status };
}

function computeStatus(windows: WindowSpec[], at: Date): WindowStatus {
  if (windows.length === 0) {
    return { open: true, nextOpening: null, closesAt: null, description: 'open (no update windows)', overrideAllowed: true };
  }
  const all = windows.map(compile);
  const t0 = at.getTime();
  const ev = evaluate(all, t0);
  const overrideAllowed = overrideFrom(ev);
  if (ev.open) {
    const closing = findClosing(all, t0, ev);
    return {
      open: true,
      nextOpening: null,
      closesAt: closing ? iso(closing.at) : null,
      description: closing ? `open until ${formatAt(closing.at, closing.zone)}` : `open (no closing found within ${HORIZON_DAYS} days)`,
      overrideAllowed,
    };
  }
  const opening = findOpening(all, t0);
  const why = ev.activeDenies.length > 0 ? 'closed (deny window)' : 'closed';
  return {
    open: false,
    nextOpening: opening ? iso(opening.at) : null,
    closesAt: null,
    description: opening
      ? `${why}; next opening ${formatAt(opening.at, opening.zone)}`
      : `${why}; no opening found within ${HORIZON_DAYS} days`,
    overrideAllowed,
  };
}

/** Whether `apply --ignore-windows` may proceed at `at` (Argo CD manualSync semantics). */
export function overrideAllowed(windows: WindowSpec[], at: Date): boolean {
  if (windows.length === 0) return true;
  return overrideFrom(evaluate(windows.map(compile), at.getTime()));
}

/**
 * Why these windows never let changes through (from `from`, within HORIZON_DAYS), or null.
 * Flags invalid windows, schedules that never fire (e.g. "0 0 30 2 *") and deny windows that
 * cover every allow opening.
 */
export function windowsNeverOpen(windows: WindowSpec[], from: Date = new Date()): string | null {
  if (windows.length === 0) return null;
  for (const [i, w] of windows.entries()) {
    const problem = validateWindow(w);
    if (problem) return `window ${i + 1} ${describeWindow(w)}: ${problem}`;
  }
  const all = windows.map(compile);
  for (const [i, c] of all.entries()) {
    if (c.cron.nextRun(from) === null && c.cron.previousRuns(1, from).length === 0) {
      return `window ${i + 1} ${describeWindow(c.spec)}: schedule never fires`;
    }
  }
  const status = windowStatus(windows, from);
  if (status.open || status.nextOpening !== null) return null;
  const hasAllow = all.some((c) => c.spec.kind === 'allow');
  return hasAllow
    ? `deny windows cover every allow window: no opening within ${HORIZON_DAYS} days`
    : `deny windows are always active: no opening within ${HORIZON_DAYS} days`;
}

/**
 * Whether a five-field schedule restricts both the day of the month and the day of the week.
 * Cron (Vixie cron, croner, Argo CD) then fires on days matching EITHER field: "0 3 1-7 * 2"
 * is every day from the 1st to the 7th plus every Tuesday, not "the first Tuesday".
 */
export function restrictsBothDays(schedule: string): boolean {
  const f = schedule.trim().split(/\s+/);
  if (f.length !== 5) return false;
  const star = (x: string) => x === '*' || x === '?';
  return !star(f[2]!) && !star(f[4]!);
}

/**
 * The schedule that says "the Nth <weekday> of the month" for a day-of-month week range
 * combined with one weekday ("0 3 1-7 * 2" -> "0 3 * * 2#1"), or null.
 */
export function nthWeekdaySchedule(schedule: string): string | null {
  const f = schedule.trim().split(/\s+/);
  if (f.length !== 5) return null;
  const range = /^(\d+)-(\d+)$/.exec(f[2]!);
  if (!range || !/^[0-7]$/.test(f[4]!)) return null;
  const [from, to] = [Number(range[1]), Number(range[2])];
  if (to - from !== 6 || (from - 1) % 7 !== 0 || from > 22) return null;
  return `${f[0]} ${f[1]} * ${f[3]} ${f[4]}#${(from - 1) / 7 + 1}`;
}

/** The next `n` times a window opens on its own schedule after `from` (valid windows only). */
export function windowOpenings(w: WindowSpec, from: Date, n: number): Date[] {
  return cronFor(w.schedule, w.timeZone).nextRuns(n, from);
}

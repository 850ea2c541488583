import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { WindowSpec } from '../../operator/desired/types.ts';
import {
  describeWindow,
  nthWeekdaySchedule,
  overrideAllowed,
  parseDuration,
  restrictsBothDays,
  SEARCH_BUDGET,
  validateWindow,
  windowOpenings,
  windowStatus,
  windowsNeverOpen,
  type SearchStats,
} from '../../operator/plan/windows.ts';

function w(o: Partial<WindowSpec> = {}): WindowSpec {
  return { kind: 'allow', schedule: '0 2 * * 0', duration: '3h', timeZone: 'Europe/Paris', manualSync: true, ...o };
}
const at = (iso: string): Date => new Date(iso);

test('parseDuration: Go-style durations', () => {
  assert.is(parseDuration('3h'), 3 * 3600_000);
  assert.is(parseDuration('90m'), 90 * 60_000);
  assert.is(parseDuration('1h30m'), 90 * 60_000);
  assert.is(parseDuration('2h 30m'), 150 * 60_000);
  assert.is(parseDuration('1.5h'), 90 * 60_000);
  assert.is(parseDuration('45s'), 45_000);
  for (const bad of ['', '3', 'h', '3 hours', '1d', '-1h', '1h30', 'abc']) {
    assert.throws(() => parseDuration(bad), /invalid duration/, bad);
  }
});

test('validateWindow: cron, zone, duration', () => {
  assert.is(validateWindow(w()), null);
  assert.match(validateWindow(w({ schedule: '61 * * * *' })) ?? '', /invalid cron schedule "61 \* \* \* \*"/);
  assert.match(validateWindow(w({ schedule: '0 2 * * * *' })) ?? '', /invalid cron schedule/);
  assert.match(validateWindow(w({ timeZone: 'Mars/Base' })) ?? '', /unknown time zone "Mars\/Base"/);
  assert.match(validateWindow(w({ duration: '0m' })) ?? '', /longer than zero/);
  assert.match(validateWindow(w({ duration: '169h' })) ?? '', /longer than one week/);
  assert.is(validateWindow(w({ duration: '168h' })), null);
  assert.match(validateWindow(w({ duration: 'soon' })) ?? '', /invalid duration "soon"/);
  assert.match(validateWindow(w({ kind: 'maybe' as 'allow' })) ?? '', /must be allow or deny/);
});

test('no windows: always open', () => {
  const s = windowStatus([], at('2026-01-01T00:00:00Z'));
  assert.equal(s, { open: true, nextOpening: null, closesAt: null, description: 'open (no update windows)', overrideAllowed: true });
});

test('weekly allow window: closed, next opening, open, closing, boundaries', () => {
  const win = [w()];
  const closed = windowStatus(win, at('2026-11-25T10:00:00Z'));
  assert.is(closed.open, false);
  assert.is(closed.nextOpening, '2026-11-29T01:00:00.000Z');
  assert.is(closed.closesAt, null);
  assert.is(closed.description, 'closed; next opening Sun 2026-11-29 02:00 Europe/Paris');
  // exactly at the start: open; until start + 3h (exclusive)
  const open = windowStatus(win, at('2026-11-29T01:00:00Z'));
  assert.is(open.open, true);
  assert.is(open.closesAt, '2026-11-29T04:00:00.000Z');
  assert.is(open.nextOpening, null);
  assert.is(open.description, 'open until Sun 2026-11-29 05:00 Europe/Paris');
  assert.is(windowStatus(win, at('2026-11-29T03:59:59Z')).open, true);
  const after = windowStatus(win, at('2026-11-29T04:00:00Z'));
  assert.is(after.open, false);
  assert.is(after.nextOpening, '2026-12-06T01:00:00.000Z');
  assert.is(windowStatus(win, at('2026-11-29T00:59:59Z')).open, false);
});

test('DST Europe/Paris spring forward: 02:00 does not exist, window starts 03:00 CEST', () => {
  const win = [w({ schedule: '0 2 * * *' })];
  // day before: 02:00 CET = 01:00Z
  assert.is(windowStatus(win, at('2026-03-28T00:30:00Z')).nextOpening, '2026-03-28T01:00:00.000Z');
  const before = windowStatus(win, at('2026-03-29T00:59:00Z'));
  assert.is(before.open, false);
  assert.is(before.nextOpening, '2026-03-29T01:00:00.000Z');
  assert.is(before.description, 'closed; next opening Sun 2026-03-29 03:00 Europe/Paris');
  const during = windowStatus(win, at('2026-03-29T01:30:00Z'));
  assert.is(during.open, true);
  // 3h of elapsed time (Argo durations are absolute), 06:00 CEST
  assert.is(during.closesAt, '2026-03-29T04:00:00.000Z');
  assert.is(during.description, 'open until Sun 2026-03-29 06:00 Europe/Paris');
  // next day back to 02:00 local, now CEST = 00:00Z
  assert.is(windowStatus(win, at('2026-03-29T04:00:00Z')).nextOpening, '2026-03-30T00:00:00.000Z');
});

test('DST Europe/Paris fall back: 02:00 happens twice, the window opens once', () => {
  const win = [w({ schedule: '0 2 * * *' })];
  const s = windowStatus(win, at('2026-10-24T12:00:00Z'));
  assert.is(s.nextOpening, '2026-10-25T00:00:00.000Z'); // 02:00 CEST, the first occurrence
  // 02:30 CET (second occurrence): still the same opening, 3h after 00:00Z
  const second = windowStatus(win, at('2026-10-25T01:30:00Z'));
  assert.is(second.open, true);
  assert.is(second.closesAt, '2026-10-25T03:00:00.000Z');
  assert.is(second.description, 'open until Sun 2026-10-25 04:00 Europe/Paris');
  const after = windowStatus(win, at('2026-10-25T03:00:00Z'));
  assert.is(after.open, false);
  assert.is(after.nextOpening, '2026-10-26T01:00:00.000Z'); // 02:00 CET
  assert.is(after.description, 'closed; next opening Mon 2026-10-26 02:00 Europe/Paris');
});

test('DST America/New_York spring forward and fall back', () => {
  const spring = [w({ schedule: '30 2 * * *', duration: '1h', timeZone: 'America/New_York' })];
  assert.is(windowStatus(spring, at('2026-03-07T00:00:00Z')).nextOpening, '2026-03-07T07:30:00.000Z'); // 02:30 EST
  const gap = windowStatus(spring, at('2026-03-08T05:00:00Z'));
  assert.is(gap.nextOpening, '2026-03-08T07:00:00.000Z'); // 02:30 does not exist: 03:00 EDT
  assert.is(gap.description, 'closed; next opening Sun 2026-03-08 03:00 America/New_York');
  assert.is(windowStatus(spring, at('2026-03-08T07:30:00Z')).closesAt, '2026-03-08T08:00:00.000Z');
  assert.is(windowStatus(spring, at('2026-03-08T09:00:00Z')).nextOpening, '2026-03-09T06:30:00.000Z'); // 02:30 EDT

  const fall = [w({ schedule: '30 1 * * *', duration: '2h', timeZone: 'America/New_York' })];
  const s = windowStatus(fall, at('2026-10-31T12:00:00Z'));
  assert.is(s.nextOpening, '2026-11-01T05:30:00.000Z'); // 01:30 EDT, first occurrence
  const mid = windowStatus(fall, at('2026-11-01T06:45:00Z')); // 01:45 EST, second occurrence
  assert.is(mid.open, true);
  assert.is(mid.closesAt, '2026-11-01T07:30:00.000Z');
  assert.is(mid.description, 'open until Sun 2026-11-01 02:30 America/New_York');
  assert.is(windowStatus(fall, at('2026-11-01T07:30:00Z')).nextOpening, '2026-11-02T06:30:00.000Z'); // 01:30 EST
});

test('deny beats allow; opening at the end of a deny inside an allow', () => {
  const allowAlways = w({ schedule: '0 0 * * *', duration: '24h', timeZone: 'UTC' });
  const deny = w({ kind: 'deny', schedule: '0 2 * * 0', duration: '3h', timeZone: 'Europe/Paris' });
  assert.is(windowStatus([allowAlways, deny], at('2026-11-28T12:00:00Z')).open, true);
  const denied = windowStatus([allowAlways, deny], at('2026-11-29T02:00:00Z'));
  assert.is(denied.open, false);
  assert.is(denied.nextOpening, '2026-11-29T04:00:00.000Z');
  assert.match(denied.description, /^closed \(deny window\); next opening Sun 2026-11-29 05:00 Europe\/Paris$/);
  // open until the deny starts
  assert.is(windowStatus([allowAlways, deny], at('2026-11-28T12:00:00Z')).closesAt, '2026-11-29T01:00:00.000Z');

  const allow = w({ schedule: '0 2 * * *', duration: '3h', timeZone: 'UTC' });
  const deny2 = w({ kind: 'deny', schedule: '0 1 * * *', duration: '2h', timeZone: 'UTC' });
  const s = windowStatus([allow, deny2], at('2026-06-01T00:00:00Z'));
  assert.is(s.open, false);
  assert.is(s.nextOpening, '2026-06-01T03:00:00.000Z');
  assert.is(windowStatus([allow, deny2], at('2026-06-01T03:00:00Z')).closesAt, '2026-06-01T05:00:00.000Z');
});

test('only deny windows: open outside them', () => {
  const deny = w({ kind: 'deny', schedule: '0 8 * * 1-5', duration: '10h', timeZone: 'Europe/Paris' });
  const weekend = windowStatus([deny], at('2026-06-06T12:00:00Z')); // Saturday
  assert.is(weekend.open, true);
  assert.is(weekend.closesAt, '2026-06-08T06:00:00.000Z'); // Monday 08:00 CEST
  const office = windowStatus([deny], at('2026-06-08T09:00:00Z'));
  assert.is(office.open, false);
  assert.is(office.nextOpening, '2026-06-08T16:00:00.000Z');
});

test('overlapping allow windows merge into one opening', () => {
  const a = w({ schedule: '0 1 * * *', duration: '2h', timeZone: 'UTC' });
  const b = w({ schedule: '0 2 * * *', duration: '2h', timeZone: 'UTC' });
  assert.is(windowStatus([a, b], at('2026-06-01T01:30:00Z')).closesAt, '2026-06-01T04:00:00.000Z');
  // a window whose runs overlap itself (hourly, 90m) stays open continuously
  const hourly = w({ schedule: '0 * * * *', duration: '90m', timeZone: 'UTC', kind: 'deny' });
  const allowAll = w({ schedule: '0 0 * * *', duration: '24h', timeZone: 'UTC' });
  assert.is(windowStatus([allowAll, hourly], at('2026-06-01T00:30:00Z')).open, false);
});

test('manualSync override (Argo semantics)', () => {
  const allowAlways = w({ schedule: '0 0 * * *', duration: '24h', timeZone: 'UTC' });
  const denyManual = w({ kind: 'deny', schedule: '0 2 * * 0', duration: '3h', timeZone: 'UTC', manualSync: true });
  const denyStrict = w({ kind: 'deny', schedule: '0 1 * * 0', duration: '5h', timeZone: 'UTC', manualSync: false });
  const sunday3 = at('2026-11-29T03:00:00Z');
  assert.is(overrideAllowed([allowAlways, denyManual], sunday3), true);
  assert.is(overrideAllowed([allowAlways, denyManual, denyStrict], sunday3), false);
  assert.is(windowStatus([allowAlways, denyManual, denyStrict], sunday3).overrideAllowed, false);
  // outside all allow windows: allowed when some allow window permits manual sync
  assert.is(overrideAllowed([w({ manualSync: false })], at('2026-11-25T10:00:00Z')), false);
  assert.is(overrideAllowed([w({ manualSync: true })], at('2026-11-25T10:00:00Z')), true);
  assert.is(overrideAllowed([], sunday3), true);
});

test('windowsNeverOpen', () => {
  const from = at('2026-06-01T00:00:00Z');
  assert.is(windowsNeverOpen([], from), null);
  assert.is(windowsNeverOpen([w()], from), null);
  assert.match(windowsNeverOpen([w({ schedule: '0 0 30 2 *' })], from) ?? '', /"0 0 30 2 \*".*schedule never fires/);
  const allow = w({ schedule: '0 2 * * 0', duration: '1h', timeZone: 'UTC' });
  const cover = w({ kind: 'deny', schedule: '0 1 * * 0', duration: '3h', timeZone: 'UTC' });
  assert.match(windowsNeverOpen([allow, cover], from) ?? '', /deny windows cover every allow window/);
  const partial = w({ kind: 'deny', schedule: '0 1 * * 0', duration: '90m', timeZone: 'UTC' });
  assert.is(windowsNeverOpen([allow, partial], from), null);
  const alwaysDeny = w({ kind: 'deny', schedule: '0 0 * * *', duration: '24h', timeZone: 'UTC' });
  assert.match(windowsNeverOpen([alwaysDeny], from) ?? '', /deny windows are always active/);
  assert.match(windowsNeverOpen([w({ timeZone: 'Nowhere/City' })], from) ?? '', /window 1 .*unknown time zone/);
});

test('pathological schedules end the search within a bounded number of cron evaluations', () => {
  // Bounded work, not elapsed time: the answer is the same on a loaded machine.
  const bound = 2 * SEARCH_BUDGET + 16;
  const everyMinute = w({ kind: 'deny', schedule: '* * * * *', duration: '1m', timeZone: 'UTC' });
  const work: SearchStats = { cronEvaluations: 0 };
  const s = windowStatus([everyMinute], at('2026-06-01T00:00:30Z'), work);
  assert.is(s.open, false);
  assert.is(s.nextOpening, null);
  assert.is(s.description, 'closed (deny window); no opening found within 400 days');
  assert.ok(work.cronEvaluations > 0 && work.cronEvaluations <= bound, `${work.cronEvaluations} cron evaluations (bound ${bound})`);
  const hourly = w({ kind: 'deny', schedule: '0 * * * *', duration: '1h', timeZone: 'UTC' });
  const hourlyWork: SearchStats = { cronEvaluations: 0 };
  assert.is(windowStatus([hourly], at('2026-06-01T00:30:00Z'), hourlyWork).nextOpening, null);
  assert.ok(hourlyWork.cronEvaluations <= bound, `${hourlyWork.cronEvaluations} cron evaluations`);
  // An ordinary weekly window needs a handful.
  const weekly: SearchStats = { cronEvaluations: 0 };
  windowStatus([w()], at('2026-11-25T10:00:00Z'), weekly);
  assert.ok(weekly.cronEvaluations <= 4, `${weekly.cronEvaluations} cron evaluations`);
});

test('statuses are cached per window list and minute, exactly', () => {
  const win = [w({ schedule: '0 2 * * *', duration: '1h', timeZone: 'UTC' })];
  const a = windowStatus(win, at('2026-06-01T01:59:10Z'));
  const b = windowStatus(win, at('2026-06-01T01:59:50Z'));
  assert.equal(a, b);
  a.description = 'changed by a caller';
  assert.is.not(windowStatus(win, at('2026-06-01T01:59:20Z')).description, 'changed by a caller', 'callers get copies');
  assert.is(windowStatus(win, at('2026-06-01T02:00:00Z')).open, true, 'the next minute is computed');
  // A duration in seconds changes state inside a minute: no minute cache.
  const short = [w({ schedule: '0 2 * * *', duration: '30s', timeZone: 'UTC' })];
  assert.is(windowStatus(short, at('2026-06-01T02:00:20Z')).open, true);
  assert.is(windowStatus(short, at('2026-06-01T02:00:40Z')).open, false);
  // Same schedule, another zone or kind: another entry.
  assert.is(windowStatus([w({ schedule: '0 2 * * *', duration: '1h', timeZone: 'Europe/Paris' })], at('2026-06-01T02:00:00Z')).open, false);
});

test('schedules restricting both day fields (cron OR rule) and the #N rewrite', () => {
  assert.is(restrictsBothDays('0 3 1-7 * 2'), true);
  assert.is(restrictsBothDays('0 3 8-14 1,4,7,10 6'), true);
  for (const one of ['0 3 * * 2#1', '0 3 1 * *', '0 3 ? * 2', '0 3 * * *', '0 3 1-7 * ?']) assert.is(restrictsBothDays(one), false, one);
  assert.is(nthWeekdaySchedule('0 3 1-7 * 2'), '0 3 * * 2#1');
  assert.is(nthWeekdaySchedule('0 3 8-14 1,4,7,10 6'), '0 3 * 1,4,7,10 6#2');
  assert.is(nthWeekdaySchedule('0 22 22-28 * 0'), '0 22 * * 0#4');
  for (const none of ['0 3 1-10 * 2', '0 3 2-8 * 2', '0 3 1-7 * 1-5', '0 3 29-35 * 2']) assert.is(nthWeekdaySchedule(none), null, none);
  // What the OR rule does, and what the rewrite does instead (December 2026 starts on a Tuesday).
  const or = windowOpenings(w({ schedule: '0 3 1-7 * 2', timeZone: 'UTC' }), at('2026-11-30T12:00:00Z'), 9).map((d) => d.toISOString().slice(0, 10));
  assert.equal(or, ['2026-12-01', '2026-12-02', '2026-12-03', '2026-12-04', '2026-12-05', '2026-12-06', '2026-12-07', '2026-12-08', '2026-12-15']);
  const nth = windowOpenings(w({ schedule: '0 3 * * 2#1', timeZone: 'UTC' }), at('2026-11-30T12:00:00Z'), 3).map((d) => d.toISOString().slice(0, 10));
  assert.equal(nth, ['2026-12-01', '2027-01-05', '2027-02-02']);
});

test('invalid window in windowStatus is a clear error', () => {
  assert.throws(() => windowStatus([w({ schedule: 'every day' })], at('2026-06-01T00:00:00Z')), /update window allow "every day".*invalid cron/);
  assert.is(describeWindow(w()), 'allow "0 2 * * 0" for 3h (Europe/Paris)');
});

test.run();

/**
 * The backup schedule in its own time zone (issue 8 item 2): Debian's and Ubuntu's cron ignore
 * CRON_TZ, so the cron entry wakes the backup program at every minute the schedule's minute can
 * be on the server's clock, and the program (operator/host/odoops-backup.py, run here with the
 * machine's python3 exactly as the server runs it) decides from backups.schedule and
 * backups.timeZone. Checked: the minutes of the entry, then the program's decision at instants
 * across daylight-saving changes, half-hour zones, and cron's day-of-month / day-of-week rule.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { cronMinutes, serverMinutes } from '../../operator/render/backup.ts';
import { RenderError } from '../../operator/render/types.ts';
import { cronFile } from '../../operator/render/backup.ts';
import type { ClientSpec } from '../../operator/desired/types.ts';

const program = fileURLToPath(new URL('../../operator/host/odoops-backup.py', import.meta.url));

function due(schedule: string, zone: string, iso: string): { due: boolean; local: string } {
  const r = spawnSync('python3', [program, 'due', schedule, zone, String(Date.parse(iso) / 1000)], { encoding: 'utf8', env: { ...process.env, TZ: 'America/Los_Angeles' } });
  assert.is(r.status, 0, r.stderr);
  return JSON.parse(r.stdout) as { due: boolean; local: string };
}

test('the entry wakes the program at each minute the schedule can be on any server clock', () => {
  assert.is(serverMinutes('0'), '0,15,30,45');
  assert.is(serverMinutes('5'), '5,20,35,50');
  assert.is(serverMinutes('10,40'), '10,25,40,55');
  assert.is(serverMinutes('*/5'), '0,5,10,15,20,25,30,35,40,45,50,55');
  assert.is(serverMinutes('*'), '*');
  assert.is(serverMinutes('0-14'), '*');
  assert.is(cronMinutes('61'), null);
  assert.is(serverMinutes('L'), '');
  const spec = { name: 'acme', backups: { schedule: '30 2 * * *', timeZone: 'Asia/Kolkata' } } as unknown as ClientSpec;
  assert.match(cronFile(spec), /^0,15,30,45 \* \* \* \* root \S+ scheduled >> \S+ 2>&1$/m);
  try {
    cronFile({ ...spec, backups: { ...spec.backups!, schedule: 'H 2 * * *' } });
    assert.unreachable();
  } catch (err) {
    assert.instance(err, RenderError);
    assert.match((err as Error).message, /clients\/acme: backups\.schedule "H 2 \* \* \*" is not a five-field cron schedule/);
  }
});

test('the program decides in backups.timeZone, whatever the zone it runs in, across daylight-saving changes', () => {
  // 01:00 in Paris: 00:00 UTC in winter (CET), 23:00 UTC the day before in summer (CEST).
  assert.equal(due('0 1 * * *', 'Europe/Paris', '2026-01-15T00:00:00Z'), { due: true, local: '2026-01-15T01:00' });
  assert.equal(due('0 1 * * *', 'Europe/Paris', '2026-01-15T01:00:00Z'), { due: false, local: '2026-01-15T02:00' });
  assert.equal(due('0 1 * * *', 'Europe/Paris', '2026-07-14T23:00:00Z'), { due: true, local: '2026-07-15T01:00' });
  assert.equal(due('0 1 * * *', 'Europe/Paris', '2026-07-15T00:00:00Z').due, false);
  // The seconds of the wake-up do not matter; another minute does.
  assert.is(due('0 1 * * *', 'Europe/Paris', '2026-01-15T00:00:42Z').due, true);
  assert.is(due('0 1 * * *', 'Europe/Paris', '2026-01-15T00:15:00Z').due, false);
  // A half-hour zone: 02:30 in Kolkata is 21:00 UTC the day before.
  assert.is(due('30 2 * * *', 'Asia/Kolkata', '2026-03-09T21:00:00Z').due, true);
  assert.is(due('30 2 * * *', 'Asia/Kolkata', '2026-03-09T21:30:00Z').due, false);
  // A quarter-hour zone (Nepal, +05:45): 02:00 local is 20:15 UTC.
  assert.is(due('0 2 * * *', 'Asia/Kathmandu', '2026-03-09T20:15:00Z').due, true);
});

test("the program follows cron's day rules: either restricted day field, names, Sunday as 0 or 7", () => {
  // 2026-12-01 is a Tuesday.
  assert.is(due('0 3 1 * 5', 'UTC', '2026-12-01T03:00:00Z').due, true, 'the 1st, though not a Friday');
  assert.is(due('0 3 2 * 2', 'UTC', '2026-12-01T03:00:00Z').due, true, 'a Tuesday, though not the 2nd');
  assert.is(due('0 3 * * tue', 'UTC', '2026-12-01T03:00:00Z').due, true);
  assert.is(due('0 3 * * mon-fri', 'UTC', '2026-12-06T03:00:00Z').due, false, 'a Sunday');
  assert.is(due('0 3 * * 7', 'UTC', '2026-12-06T03:00:00Z').due, true, '7 is Sunday');
  assert.is(due('0 3 * dec *', 'UTC', '2026-12-01T03:00:00Z').due, true);
  assert.is(due('0 3 * jan *', 'UTC', '2026-12-01T03:00:00Z').due, false);
});

test.run();

/**
 * The startup phase of an Odoo log file is what the file gained after the mark taken before
 * `up -d` — chosen by byte offset, never by Odoo's timestamps (text, to the second, in whatever
 * zone the process logs). The host scripts run here with sh on real files; the container's
 * output (`docker compose logs --since`) is covered on a sandbox server by
 * sequence-startup-log.test.ts.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { execFileSync } from 'node:child_process';
import { appendFileSync, mkdtempSync, renameSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseOdooLogMark } from '../../operator/host/commands.ts';
import { ODOO_LOG_MARK_SCRIPT, ODOO_LOG_SCRIPT } from '../../operator/host/scripts.ts';
import { parseOdooLog, startupProblems } from '../../operator/apply/odoo-output.ts';

let dir = '';
let file = '';
test.before.each(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'odoops-log-'));
  file = path.join(dir, 'odoo.log');
});
test.after.each(() => rmSync(dir, { recursive: true, force: true }));

const mark = () => {
  const line = execFileSync('sh', ['-c', ODOO_LOG_MARK_SCRIPT, 'sh', file], { encoding: 'utf8' });
  const m = parseOdooLogMark(line);
  assert.ok(m, `a readable mark: ${line}`);
  return m!;
};
// The compose file does not exist: reaching the docker branch would fail the command.
const since = (m: { clock: string; file: string }, lines = 5000) =>
  execFileSync('sh', ['-c', ODOO_LOG_SCRIPT, 'sh', path.join(dir, 'no-compose.yaml'), file, String(lines), m.clock, m.file], { encoding: 'utf8' });

const OLD = [
  '2026-12-01 10:00:00,100 7 ERROR acme_prod odoo.modules.loading: an error of the previous run, this same second',
  '2099-01-01 00:00:00,000 7 ERROR acme_prod odoo.modules.loading: an error of the previous run, stamped ahead',
  '',
].join('\n');
// Stamped hours behind the server's UTC clock, as a process logging in local time would.
const NEW = [
  '2020-06-01 05:00:00,000 8 INFO ? odoo: Odoo version 17.0',
  "2020-06-01 05:00:01,000 8 ERROR acme_prod odoo.modules.loading: Some modules are not loaded, some dependencies or manifest may be missing: ['integrator_reports']",
  '',
].join('\n');

test('the mark: the server clock (UTC, ns) and the file\'s inode:size, "-" without a file', () => {
  const none = mark();
  assert.is(none.file, '-');
  assert.match(none.clock, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z$/);
  writeFileSync(file, OLD);
  assert.match(mark().file, new RegExp(`^\\d+:${Buffer.byteLength(OLD)}$`));
});

test('only what the file gained after the mark, whatever its lines\' timestamps say', () => {
  writeFileSync(file, OLD);
  const m = mark();
  appendFileSync(file, NEW);
  const read = since(m);
  assert.is(read, NEW);
  assert.equal(startupProblems(parseOdooLog(read)).map((r) => r.message), ["Some modules are not loaded, some dependencies or manifest may be missing: ['integrator_reports']"]);
  assert.is(since(m, 1), `${NEW.split('\n')[0]}\n`, 'the first lines after the mark (the start), bounded');
});

test('a file created, rotated or truncated since the mark is read from its start', () => {
  const none = mark();
  writeFileSync(file, NEW);
  assert.is(since(none), NEW, 'no file at the mark');
  writeFileSync(file, OLD);
  const m = mark();
  renameSync(file, `${file}.1`);
  writeFileSync(file, NEW);
  assert.is(since(m), NEW, 'rotated: another inode');
  writeFileSync(file, `${OLD}${OLD}`);
  const m2 = mark();
  truncateSync(file, 0);
  appendFileSync(file, NEW);
  assert.is(since(m2), NEW, 'truncated in place (copytruncate): smaller than the mark');
});

test('a mark that is not one is refused', () => {
  for (const bad of ['', 'NOW 2026-12-01 10:00:00', '2026-12-01T10:00:00Z 12', "2026-12-01T10:00:00Z -; rm -rf /"]) assert.is(parseOdooLogMark(bad), null, bad);
});

test.run();

/** Reading Odoo's output (operator/apply/odoo-output.ts): failure reasons, kept lines, the startup phase. */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { failureOf } from '../../operator/apply/context.ts';
import { failureReason, keptOutput, parseOdooLog, startupProblems } from '../../operator/apply/odoo-output.ts';

// The end of a failed `odoo -i` as real Odoo 17.0 prints it (ODOO-FACTS.md): the traceback, then "Stopping gracefully".
const FAILED_INSTALL = [
  '2026-12-01 10:00:00,100 42 INFO acme_prod odoo.modules.loading: Loading module integrator_bad (12/12)',
  '2026-12-01 10:00:00,200 42 WARNING acme_prod odoo.modules.loading: Transient module states were reset',
  '2026-12-01 10:00:00,201 42 ERROR acme_prod odoo.modules.registry: Failed to load registry',
  'Traceback (most recent call last):',
  '  File "/usr/lib/python3/dist-packages/odoo/modules/registry.py", line 110, in new',
  '    odoo.modules.load_modules(registry, force_demo, status, update_module)',
  'FileNotFoundError: File not found: integrator_bad/data/missing.xml',
  '2026-12-01 10:00:00,202 42 CRITICAL acme_prod odoo.service.server: Failed to initialize database `acme_prod`.',
  'Traceback (most recent call last):',
  '  File "/usr/lib/python3/dist-packages/odoo/service/server.py", line 1300, in preload_registries',
  '    registry = Registry.new(dbname, update_module=update_module)',
  'FileNotFoundError: File not found: integrator_bad/data/missing.xml',
  ...Array.from({ length: 40 }, (_, i) => `2026-12-01 10:00:00,3${String(i).padStart(2, '0')} 42 INFO acme_prod odoo.modules.loading: noise line ${i}`),
  '2026-12-01 10:00:01,000 42 INFO acme_prod odoo.service.server: Stopping gracefully',
].join('\n');

test('the reason of a failed -i is the exception line, not "Stopping gracefully"', () => {
  assert.is(failureReason(FAILED_INSTALL), 'FileNotFoundError: File not found: integrator_bad/data/missing.xml');
  const err = failureOf({ code: 255, stdout: '', stderr: FAILED_INSTALL, label: 'odoo -i integrator_bad', command: 'docker compose ... odoo -i integrator_bad' } as never);
  assert.is(err.message, 'odoo -i integrator_bad: exit 255: FileNotFoundError: File not found: integrator_bad/data/missing.xml');
  assert.not.match(err.message, /Stopping gracefully/);
});

test('kept output: the ERROR/CRITICAL and exception lines survive any tail length, then the last lines', () => {
  const kept = keptOutput(FAILED_INSTALL, 15, 4000);
  assert.match(kept, /ERROR acme_prod odoo\.modules\.registry: Failed to load registry/);
  assert.match(kept, /CRITICAL acme_prod odoo\.service\.server: Failed to initialize database `acme_prod`\./);
  assert.match(kept, /FileNotFoundError: File not found/);
  assert.match(kept, /Stopping gracefully$/);
  assert.not.match(kept, /noise line 10\n/, 'the middle of the tail is dropped');
  // A tiny budget still keeps the problem lines first.
  const small = keptOutput(FAILED_INSTALL, 15, 300);
  assert.match(small, /^2026-12-01 10:00:00,201 42 ERROR /);
});

test('a plain last line stays the reason when there is no ERROR/CRITICAL or exception line', () => {
  assert.is(failureReason('docker: something\nError response from daemon: manifest unknown'), 'Error response from daemon: manifest unknown');
  assert.is(failureReason('odoo-1  | 2026-12-01 10:00:00,201 42 ERROR db odoo.x: boom\nodoo-1  | 2026-12-01 10:00:01,000 42 INFO db odoo.y: bye'), '2026-12-01 10:00:00,201 42 ERROR db odoo.x: boom');
});

test('startup phase (the lines the host read after the mark): ERROR/CRITICAL of the start count; users\' request errors do not', () => {
  const log = [
    'odoo-1  | 2026-12-01 10:00:02,000 8 INFO ? odoo: Odoo version 17.0',
    'odoo-1  | 2026-12-01 10:00:02,500 8 ERROR acme_prod odoo.sql_db: bad query: SELECT "res_partner"."x_integrator_code" FROM "res_partner"',
    'odoo-1  | ERROR: column res_partner.x_integrator_code does not exist',
    'odoo-1  | 2026-12-01 10:00:02,501 8 ERROR acme_prod odoo.http: Exception during request handling.',
    'odoo-1  | Traceback (most recent call last):',
    'odoo-1  | psycopg2.errors.UndefinedColumn: column res_partner.x_integrator_code does not exist',
    'odoo-1  | 2026-12-01 10:00:03,000 8 CRITICAL acme_prod odoo.service.server: Failed to initialize database `acme_prod`.',
    'odoo-1  | Traceback (most recent call last):',
    'odoo-1  | SyntaxError: invalid syntax',
  ].join('\n');
  const problems = startupProblems(parseOdooLog(log));
  assert.equal(problems.map((p) => `${p.level} ${p.logger}`), ['CRITICAL odoo.service.server']);
  assert.equal(problems[0]!.continuation.at(-1), 'SyntaxError: invalid syntax');
});

test.run();

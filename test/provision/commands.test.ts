// The provisioning commands of the host contract: documented as they run, values as argv
// elements, secrets (secret options in odoo.conf) on stdin only, never in argv.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync } from 'node:fs';
import { odooInitialize, provisionClaimDatabase, provisionFailed, provisionLayout } from '../../operator/host/provision.ts';
import { DB_PASSWORD_SLOT, renderInstance } from '../../operator/render/instance.ts';
import { shellCommand } from '../../operator/util/shell.ts';
import { instanceSpec } from '../plan/fixtures.ts';

const doc = readFileSync(new URL('../../docs/host-commands.md', import.meta.url), 'utf8');
const ref = { instance: 'I', runId: 'run-1', revision: 'r', at: '2026-12-01T00:00:00Z' };

test('docs/host-commands.md shows the provisioning commands as the builders make them', () => {
  assert.ok(doc.includes(shellCommand(odooInitialize('I', 'DB', ['base']).argv).replace('DB', '<db>')), 'database');
  assert.ok(doc.includes(shellCommand(odooInitialize('I', 'DB', ['a', 'b']).argv).replace('DB', '<db>')), 'modules');
  const claim = provisionClaimDatabase({ ...ref, database: 'DB' });
  const query = (JSON.parse(claim.stdin!.split('\0')[1]!) as { query: string[] }).query;
  assert.ok(doc.includes(shellCommand(query).replace('db=DB', 'db=<db>')), shellCommand(query));
  assert.ok(doc.includes("SELECT count(*) FROM pg_database WHERE datname = :'db';"));
});

test('values are argv elements or on stdin; a secret option reaches the server on stdin only', () => {
  const inst = instanceSpec('test', { options: { workers: 2, smtp_password: { secret: 'env:SMTP' } } });
  const files = renderInstance(inst, DB_PASSWORD_SLOT, new Map([['env:SMTP', 'hunter2-secret']]));
  const cmd = provisionLayout({ ...ref, instance: 'test', dirs: [{ path: '/srv/odoo/test', mode: 0o755 }], files });
  assert.not.ok(cmd.argv.join(' ').includes('hunter2-secret'));
  assert.ok(cmd.stdin!.includes('hunter2-secret'));
  const conf = files.find((f) => f.path.endsWith('odoo.conf'))!;
  assert.is(conf.mode, 0o640);
  assert.is(conf.owner, 'root:101');
  const hostile = odooInitialize('test', "x'; DROP DATABASE y; --", ['base']);
  assert.ok(hostile.argv.includes("x'; DROP DATABASE y; --"), 'the database name is one argv element');
  const failed = provisionFailed({ ...ref, database: 'acme_test', step: 'provision-modules', message: 'm' });
  assert.is(failed.argv.slice(0, 2).join(' '), 'python3 -c');
});

test.run();

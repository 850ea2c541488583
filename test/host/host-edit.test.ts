/**
 * host-edit.py, the server side of every file edit, run here with the real python3 exactly as
 * on a server (the constant bootstrap, program and request on stdin). Issue 7, item 10: only
 * printable one-line values, files split on "\n" only, so no value can add a line to
 * odoo.conf or .env (str.splitlines() also splits on \r, \x0b, \x0c, \x1c-\x1e, \x85,
 * U+2028 and U+2029).
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { HOST_EDIT_PY, PYTHON_BOOTSTRAP } from '../../operator/host/scripts.ts';

let dir = '';
test.before(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'odoops-host-edit-'));
});
test.after(() => rmSync(dir, { recursive: true, force: true }));

function hostEdit(request: object): { code: number; stdout: string; stderr: string } {
  const r = spawnSync('python3', ['-c', PYTHON_BOOTSTRAP, 'host-edit.py'], { input: Buffer.concat([Buffer.from(HOST_EDIT_PY), Buffer.from([0]), Buffer.from(JSON.stringify(request))]), encoding: 'utf8' });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

const CONF = '[options]\ndb_host = db\n; a comment with a line separator \u2028 inside, kept as is\ndbfilter = ^acme$\n';
const BREAKERS = ['\n', '\r', '\x0b', '\x0c', '\x1c', '\x1d', '\x1e', '\x85', '\u2028', '\u2029', '\t', '\x00'];

test('option values with any line-breaking or non-printable character are refused; odoo.conf untouched', () => {
  const conf = path.join(dir, 'odoo.conf');
  for (const ch of BREAKERS) {
    writeFileSync(conf, CONF);
    const r = hostEdit({ op: 'set-conf', path: conf, values: { dbfilter: `^x$${ch}admin_passwd = pwned` } });
    assert.is(r.code, 1, `U+${ch.codePointAt(0)!.toString(16)} accepted`);
    assert.match(r.stderr, /^refusing the value of option dbfilter: it contains a non-printable or line-breaking character \(U\+[0-9A-F]{4}\)\n$/);
    assert.is(readFileSync(conf, 'utf8'), CONF);
  }
});

test('files are split on "\\n" only: a line holding U+2028 stays one line, byte for byte', () => {
  const conf = path.join(dir, 'odoo.conf');
  writeFileSync(conf, CONF);
  chmodSync(conf, 0o640);
  const r = hostEdit({ op: 'set-conf', path: conf, values: { workers: '4', dbfilter: '^acme_(prod|test)$' } });
  assert.is(r.code, 0, r.stderr);
  assert.is(readFileSync(conf, 'utf8'), '[options]\ndb_host = db\n; a comment with a line separator \u2028 inside, kept as is\ndbfilter = ^acme_(prod|test)$\nworkers = 4\n');
  assert.is(statSync(conf).mode & 0o777, 0o640, 'mode kept');
});

test('.env values and keys get the same rule', () => {
  const env = path.join(dir, '.env');
  writeFileSync(env, 'ODOO_IMAGE=registry.example.com/odoo:17.0-a\n');
  for (const ch of ['\n', '\u2028', '\x85']) {
    const r = hostEdit({ op: 'set-env', path: env, key: 'ODOO_IMAGE', value: `x${ch}EVIL=1` });
    assert.is(r.code, 1);
  }
  assert.is(hostEdit({ op: 'set-env', path: env, key: 'EVIL KEY', value: 'x' }).code, 1);
  assert.is(readFileSync(env, 'utf8'), 'ODOO_IMAGE=registry.example.com/odoo:17.0-a\n');
  assert.is(hostEdit({ op: 'set-env', path: env, key: 'ODOO_IMAGE', value: 'registry.example.com/odoo:17.0-b' }).code, 0);
  assert.is(readFileSync(env, 'utf8'), 'ODOO_IMAGE=registry.example.com/odoo:17.0-b\n');
});

test('markers: written 0600 in a 0700 directory, the snapshot pinned; cleared once, with what it said', () => {
  const root = path.join(dir, 'odoops');
  const snapshot = path.join(root, 'snapshots', 'test', 's1');
  spawnSync('mkdir', ['-p', snapshot]);
  const marker = path.join(root, 'blocked', 'test.json');
  const w = hostEdit({ op: 'write-marker', root, path: marker, marker: { code: 'needs-manual-restore', reason: 'rollback failed', snapshot } });
  assert.is(w.code, 0, w.stderr);
  assert.is(statSync(marker).mode & 0o777, 0o600);
  assert.is(statSync(path.dirname(marker)).mode & 0o777, 0o700);
  assert.ok(statSync(path.join(snapshot, 'pinned')).isFile(), 'retention keeps it');
  const c = hostEdit({ op: 'clear-marker', path: marker });
  assert.equal(JSON.parse(c.stdout), { cleared: true, marker: { code: 'needs-manual-restore', reason: 'rollback failed', snapshot } });
  assert.throws(() => statSync(path.join(snapshot, 'pinned')));
  assert.equal(JSON.parse(hostEdit({ op: 'clear-marker', path: marker }).stdout), { cleared: false, marker: null });
});

test.run();

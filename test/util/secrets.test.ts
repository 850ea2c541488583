import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { redact, resolveSecret, SecretError } from '../../operator/secrets/index.ts';

test('env: and file: references resolve; a file loses one trailing newline', () => {
  assert.is(resolveSecret('env:SMTP_PASS', { env: { SMTP_PASS: 's3cr3t' } }), 's3cr3t');
  const dir = mkdtempSync(path.join(os.tmpdir(), 'secret-'));
  writeFileSync(path.join(dir, 'pw'), 'from-file\n');
  assert.is(resolveSecret('file:pw', { cwd: dir }), 'from-file');
  assert.is(resolveSecret(`file:${path.join(dir, 'pw')}`), 'from-file');
});

test('unset, unreadable, empty or malformed references are errors that never show a value', () => {
  assert.throws(() => resolveSecret('env:NOPE', { env: {} }), (e: Error) => e instanceof SecretError && /NOPE is not set/.test(e.message));
  assert.throws(() => resolveSecret('env:EMPTY', { env: { EMPTY: '' } }), /is empty/);
  assert.throws(() => resolveSecret('file:/nonexistent/x'), /cannot read \/nonexistent\/x: ENOENT/);
  assert.throws(
    () => resolveSecret('hunter2-plain-password', { where: 'clients/a.yaml options.smtp_password' }),
    (e: Error) => !e.message.includes('hunter2') && /clients\/a\.yaml/.test(e.message),
  );
});

test('redact replaces every occurrence of each value, ignoring values too short to be secrets', () => {
  assert.is(redact('pw=abcd1234 again abcd1234', ['abcd1234']), 'pw=[secret] again [secret]');
  assert.is(redact('a b c', ['a']), 'a b c');
});

test.run();

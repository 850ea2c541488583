import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const bin = fileURLToPath(new URL('../../bin/odoops.mjs', import.meta.url));
const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8'));

function odoops(...args: string[]) {
  const r = spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8' });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

test('--version prints the package version', () => {
  const r = odoops('--version');
  assert.is(r.code, 0);
  assert.is(r.stdout.trim(), pkg.version);
});

test('--help lists the commands', () => {
  const r = odoops('--help');
  assert.is(r.code, 0);
  for (const cmd of ['sandbox', 'validate', 'show', 'plan', 'apply', 'drift']) {
    assert.match(r.stdout, new RegExp(`\\n  ${cmd}\\b`), `help mentions ${cmd}`);
  }
});

test('an unknown command is a usage error: exit 2, one clear line', () => {
  const r = odoops('frobnicate');
  assert.is(r.code, 2);
  assert.match(r.stderr, /unknown command 'frobnicate'/);
});

test('an unknown option is a usage error: exit 2', () => {
  const r = odoops('--frobnicate');
  assert.is(r.code, 2);
  assert.match(r.stderr, /unknown option '--frobnicate'/);
});

test.run();

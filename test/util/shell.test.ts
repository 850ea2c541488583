import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { execFileSync } from 'node:child_process';
import { quote, shellCommand } from '../../operator/util/shell.ts';

// What a real POSIX shell makes of the quoted text: each argv element must come back intact.
function roundTrip(argv: string[]): string[] {
  const script = `${shellCommand(['printf', '%s\\0', ...argv])}`;
  const out = execFileSync('/bin/sh', ['-c', script], { encoding: 'utf8' });
  return out.split('\0').slice(0, -1);
}

const hostile = [
  'plain',
  '',
  'with space',
  "it's",
  '"double"',
  '$(touch /tmp/odoops-pwned)',
  '`id`',
  'a;b',
  'a && b',
  'line1\nline2',
  '*',
  '~root',
  '$HOME',
  '\\backslash',
  '-n',
  "'; rm -rf / #",
];

test('every hostile argument survives a real shell as exactly one word', () => {
  assert.equal(roundTrip(hostile), hostile);
});

test('safe words are left unquoted, others single-quoted', () => {
  assert.is(quote('contacts'), 'contacts');
  assert.is(quote('registry.example.com/odoo:17.0-1'), 'registry.example.com/odoo:17.0-1');
  assert.is(quote('a b'), "'a b'");
  assert.is(quote("it's"), "'it'\\''s'");
  assert.is(quote(''), "''");
});

test('NUL bytes and empty commands are refused', () => {
  assert.throws(() => quote('a\0b'), /NUL/);
  assert.throws(() => shellCommand([]), /empty command/);
});

test.run();

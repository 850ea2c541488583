/**
 * Hostile values (shell, SQL, option and INI injection) are rejected by the schema patterns
 * themselves, before any value can reach a command line, a file or a database.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync } from 'node:fs';
import { schemaIssues } from '../../operator/desired/schema.ts';
import { parseYamlFile, type Path } from '../../operator/desired/yaml.ts';
import type { ValidationIssue } from '../../operator/desired/types.ts';
import { refProblem } from '../../operator/desired/checks.ts';

const zeta = readFileSync(new URL('./fixtures/zeta.yaml', import.meta.url), 'utf8');
const HOSTILE = ['a;b', 'a$(id)', 'a`id`', "a'b", 'a"b', 'a\nb', 'a b', 'a|b', 'a&b', 'a>b', '-x', '$HOME'];

function withValue(path: Path, value: unknown): ValidationIssue[] {
  const issues: ValidationIssue[] = [];
  const f = parseYamlFile('clients/zeta.yaml', zeta, issues)!;
  f.doc.setIn(path, value);
  // Round-trip through text so positions are real.
  const g = parseYamlFile('clients/zeta.yaml', f.doc.toString(), issues)!;
  assert.equal(issues, []);
  return schemaIssues('client', g);
}

test('the base client is schema-valid', () => {
  assert.equal(withValue(['instances', 'production', 'domain'], 'erp.zeta.example'), []);
});

const FIELDS: { path: Path; prefix?: string }[] = [
  { path: ['instances', 'production', 'modules', 0] },
  { path: ['instances', 'production', 'removeModules', 0] },
  { path: ['instances', 'production', 'addons', 0, 'ref'] },
  { path: ['instances', 'production', 'addons', 0, 'name'] },
  { path: ['instances', 'production', 'addons', 0, 'url'], prefix: 'https://git.example.com/' },
  { path: ['instances', 'production', 'database'] },
  { path: ['instances', 'production', 'image'], prefix: 'registry.example.com/odoo:17.0' },
  { path: ['instances', 'production', 'domain'], prefix: 'erp.example' },
  { path: ['server', 'host'] },
  { path: ['server', 'user'] },
  { path: ['server', 'hostKey'], prefix: 'SHA256:' },
  { path: ['backups', 'encryptionKey'], prefix: 'env:' },
  { path: ['instances', 'production', 'windows', 0, 'timeZone'], prefix: 'Europe/' },
  { path: ['instances', 'production', 'windows', 0, 'schedule'], prefix: '0 2 * * ' },
  { path: ['name'] },
];

for (const f of FIELDS) {
  test(`hostile values are rejected in ${f.path.join('.')}`, () => {
    for (const h of HOSTILE) {
      // A leading '-' (option injection) only matters at the start of a value.
      if (h === '-x' && f.prefix) continue;
      const value = `${f.prefix ?? ''}${h}`;
      const issues = withValue(f.path, value);
      assert.ok(issues.length > 0, `${JSON.stringify(value)} rejected in ${f.path.join('.')}`);
    }
  });
}

test('option values may not span lines (odoo.conf is INI)', () => {
  assert.ok(withValue(['instances', 'production', 'options', 'dbfilter'], '^x$\n[options]').length > 0);
  assert.ok(withValue(['instances', 'production', 'options', 'bad key'], 1).length > 0);
  assert.equal(withValue(['instances', 'production', 'options', 'dbfilter'], '^%d$'), []);
});

test('git ref rules (check-ref-format) and commits', () => {
  for (const ok of ['main', 'v1.0', 'release/17.0', 'feature/x-y_z', 'a'.repeat(40).replace(/a/g, 'c')]) assert.is(refProblem(ok), null, ok);
  for (const bad of ['a..b', 'x.lock', 'a/.b', 'a//b', 'a/', 'a.', '@', 'a@{1}', 'deadbee1', 'a b', 'a~1', 'a^', 'a:b']) {
    assert.ok(refProblem(bad), bad);
  }
});

test.run();

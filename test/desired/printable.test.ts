/**
 * Values written into server files are printable text on one line: the schema's pattern for
 * option values and the value rule of every file (printable.ts) refuse the same characters —
 * every separator Python's str.splitlines() splits on among them — with the character named.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { analyzeFiles } from '../../operator/desired/analyze.ts';
import { formatIssue } from '../../operator/desired/issues.ts';
import { describeChar, NOT_PRINTABLE, quoteForMessage } from '../../operator/desired/printable.ts';
import { readSchema } from '../../operator/desired/schema.ts';
import { configFiles, readExample, zeta } from './helpers.ts';

/** What Python's str.splitlines() splits on (besides \r\n as one). */
const SPLITLINES = ['\n', '\r', '\u000b', '\u000c', '\u001c', '\u001d', '\u001e', '\u0085', '\u2028', '\u2029'];

test('the schema pattern of option values and the value rule refuse the same characters', () => {
  const options = (readSchema('client') as any).$defs.instance.properties.options.additionalProperties;
  const pattern = new RegExp(options.pattern, 'u');
  const differ: string[] = [];
  for (let c = 0; c <= 0x3000; c++) {
    const ch = String.fromCodePoint(c);
    if (pattern.test(`a${ch}b`) === NOT_PRINTABLE.test(ch)) differ.push(describeChar(ch));
  }
  for (const ch of ['\ufeff', '\u202e', '\u2066']) if (pattern.test(ch) === NOT_PRINTABLE.test(ch)) differ.push(describeChar(ch));
  assert.equal(differ, []);
  for (const sep of SPLITLINES) assert.ok(NOT_PRINTABLE.test(sep), describeChar(sep));
  for (const ok of ['^%d$', 'é à ü', 'erp.example.com', '漢字', '😀']) assert.not.ok(NOT_PRINTABLE.test(ok), ok);
});

function optionIssues(value: string): string[] {
  const yaml = zeta().replace('options: { workers: 2 }', `options: { workers: 2, dbfilter: ${JSON.stringify(value)} }`);
  const a = analyzeFiles(configFiles(readExample('fleet.yaml'), { 'clients/zeta.yaml': yaml }));
  return a.issues.filter((i) => i.file === 'clients/zeta.yaml').map(formatIssue);
}

for (const sep of SPLITLINES) {
  test(`an option value with ${describeChar(sep)} is refused, the character named, once`, () => {
    assert.equal(optionIssues(`^zeta$${sep}admin_passwd = pwned`), [
      `clients/zeta.yaml:20:38: instances.production.options.dbfilter: the value contains ${describeChar(sep)} at character 7: values must be printable text on one line`,
    ]);
  });
}

test('a tab, a bidirectional override and a control character anywhere in a file are refused', () => {
  const fleet = readExample('fleet.yaml');
  const cases: [string, string, string][] = [
    ['domain: erp.zeta.example', 'domain: "erp.zeta\\texample"', 'instances.production.domain: the value contains U+0009 (TAB)'],
    ['name: integrator-addons', 'name: "integrator\\u202eaddons"', 'instances.production.addons[0].name: the value contains U+202E (a bidirectional formatting character)'],
    ['image: registry.example.com/odoo:17.0-20261101', 'image: "registry.example.com/odoo:17.0-20261101\\u0007"', 'instances.production.image: the value contains U+0007 (a control character)'],
    ['    options: { workers: 2 }', '    options: { workers: 2, "db\\u2028filter": x }', 'instances.production.options.db\u2028filter: the key contains U+2028 (LINE SEPARATOR)'],
  ];
  for (const [from, to, message] of cases) {
    const a = analyzeFiles(configFiles(fleet, { 'clients/zeta.yaml': zeta().replace(from, to) }));
    const errors = a.issues.filter((i) => i.severity === 'error');
    assert.is(errors.length, 1, `${to}: ${errors.map(formatIssue).join(' | ')}`);
    assert.ok(errors[0]!.message.startsWith(message), errors[0]!.message);
  }
});

test('messages quote values on one line: every refused character escaped', () => {
  assert.is(quoteForMessage('a\u2028b\u0085c\nd'), '"a\\u2028b\\u0085c\\nd"');
  assert.is(quoteForMessage('plain'), '"plain"');
});

test.run();

/**
 * The fast reader (js-yaml, for plain well-formed files) must read every file it accepts
 * exactly as `yaml`, the authority, does: scalars by the YAML 1.2 core schema (js-yaml's own
 * core schema reads 1_000, 0b1 or 1_0.5 as numbers, `yaml` as strings), block and flow
 * collections, quoting and folding. Anything it does not accept goes to `yaml` anyway.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync, readdirSync } from 'node:fs';
import { parseDocument } from 'yaml';
import { fastData } from '../../operator/desired/yaml.ts';

const authority = (text: string) => parseDocument(text, { uniqueKeys: true, strict: true }).toJS();

const SCALARS = [
  '1', '-1', '+12', '-0', '012', '0o17', '0o8', '0x1F', '0xg', '0b101', '1_000', '1_0.5', '1e3', '1E-3', '-.5', '.5', '5.', '1.0',
  '3.14e+2', '1e', 'e3', '0.1.2', '10:30', '1:2:3', '2001-12-14', '2001-12-14t21:59:43.10-05:00',
  'true', 'True', 'TRUE', 'tRue', 'false', 'False', 'FALSE', 'yes', 'no', 'on', 'off', 'y', 'n',
  '~', 'null', 'Null', 'NULL', 'nUll', '', '"1"', "'true'", '"~"', '.inf', '-.Inf', '.NaN',
  'v1.0', '16.0', '"16.0"', '0 2 * * 0', 'env:X', 'file:/a b', 'a # comment', 'a#b', 'http://x/y?z=1',
];

test('scalars: the fast reader resolves them as yaml does (or leaves them to yaml)', () => {
  let fast = 0;
  for (const s of SCALARS) {
    const text = `a: ${s}\nb: [${s || '""'}]\nc: { k: ${s || '""'} }\n`;
    const data = fastData(text);
    if (data === undefined) continue;
    fast++;
    assert.equal(data, authority(text), `for ${JSON.stringify(s)}`);
  }
  // The comparison means something only if the fast reader took most of them.
  assert.ok(fast >= SCALARS.length - 6, `fast reader took ${fast} of ${SCALARS.length}`);
});

test('block scalars, folding, quoting and nesting read alike', () => {
  const text = [
    'name: acme',
    'literal: |',
    '  line one',
    '    indented',
    '  line three',
    'folded: >-',
    '  folded',
    '  text',
    '',
    '  new paragraph',
    'dq: "tab\\tand \\u00e9 and \\"q\\""',
    "sq: 'it''s'",
    'multi: plain text',
    '  continued here',
    'list:',
    '  - a',
    '  - { x: 1, y: [2, "3"] }',
    '  - - nested',
    '    - 4.5',
    'empty:',
    'emptyList: []',
    'emptyMap: {}',
    '"quoted key": 1',
    '2: numeric key',
  ].join('\n');
  const data = fastData(text);
  assert.ok(data !== undefined, 'the fast reader takes this file');
  assert.equal(data, authority(text));
});

test('the config files of the examples and the test fixtures read alike', () => {
  const dirs = [new URL('../../examples/fleet/', import.meta.url), new URL('../../examples/fleet/clients/', import.meta.url), new URL('./fixtures/', import.meta.url)];
  let compared = 0;
  for (const dir of dirs) {
    for (const f of readdirSync(dir).filter((n) => n.endsWith('.yaml'))) {
      const text = readFileSync(new URL(f, dir), 'utf8');
      const data = fastData(text);
      if (data === undefined) continue;
      compared++;
      assert.equal(data, authority(text), f);
    }
  }
  assert.ok(compared >= 3, `compared ${compared} files`);
});

test('unusual files are left to yaml', () => {
  for (const text of ['%YAML 1.1\n---\na: 1\n', 'a: &x 1\nb: *x\n', 'a: !!str 1\n', 'a: 1\na: 2\n', 'null: 1\n', 'a: [1\n', '42\n']) {
    assert.is(fastData(text), undefined, text);
  }
});

test.run();

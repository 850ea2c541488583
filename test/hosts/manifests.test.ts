// Manifest reading of the odoo stand-in: Python literals as ast.literal_eval reads them and
// Odoo's version adaptation (the catalog of core modules: catalog.test.ts).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { execFileSync } from 'node:child_process';
import { parsePyLiteral } from '../../operator/sandbox/standins/lib/pyliteral.mjs';
import { adaptVersion } from '../../operator/sandbox/standins/lib/odoo-addons.mjs';

const samples = [
  "{'name': 'A', 'version': '1.0', 'depends': ['base'], 'installable': True, 'auto_install': False, 'sequence': 10}",
  `# comment\n{\n  "name": "B" 'c',  # implicit concatenation\n  'summary': """multi\nline""",\n  'data': ['views/a.xml',],\n  'x': (1,), 'y': None, 'z': -1.5e3,\n}`,
  String.raw`[('name', 'in', ['a\x41\u00e9\U0001F600', "b'c", r'\d'])]`,
  // a set literal, as in website_forum's 'assets' of 16.0 (literal_eval accepts sets)
  "{'assets': {'web_editor.assets_wysiwyg': {'a/b.xml',}}, 'x': {1, 2}}",
];

test('parsePyLiteral agrees with python3 ast.literal_eval', () => {
  for (const s of samples) {
    const py = execFileSync('python3', ['-c', 'import ast,sys,json; print(json.dumps(ast.literal_eval(sys.stdin.read()), default=lambda v: sorted(v)))'], { input: s, encoding: 'utf8' });
    assert.equal(parsePyLiteral(s), JSON.parse(py), s);
  }
});

test('parsePyLiteral refuses code', () => {
  assert.throws(() => parsePyLiteral("{'a': __import__('os')}"));
  assert.throws(() => parsePyLiteral("{'a': 1"));
});

test('adaptVersion: series prefix added once, five parts allowed, bad versions refused from 17.0 on', () => {
  assert.is(adaptVersion('1.1', '17.0'), '17.0.1.1');
  assert.is(adaptVersion('17.0.1.1', '17.0'), '17.0.1.1');
  assert.is(adaptVersion('1.2.3', '17.0'), '17.0.1.2.3');
  assert.is(adaptVersion('1.0.2', '18.0'), '18.0.1.0.2'); // point_of_sale on 18.0
  assert.throws(() => adaptVersion('16.0.1.1', '17.0')); // another series' version: 4 parts left
  assert.throws(() => adaptVersion('1.x', '17.0'));
  assert.is(adaptVersion('1.x', '16.0'), '16.0.1.x'); // 16.0's adapt_version checks nothing
});

test.run();

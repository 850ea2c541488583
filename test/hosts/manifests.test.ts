// Manifest reading of the odoo stand-in: Python literals as ast.literal_eval reads them,
// Odoo's version adaptation, and the core addons' dependency graph.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { execFileSync } from 'node:child_process';
import { parsePyLiteral } from '../../operator/sandbox/standins/lib/pyliteral.mjs';
import { adaptVersion, CORE_DIR, scanAddons } from '../../operator/sandbox/standins/lib/odoo-addons.mjs';

const samples = [
  "{'name': 'A', 'version': '1.0', 'depends': ['base'], 'installable': True, 'auto_install': False, 'sequence': 10}",
  `# comment\n{\n  "name": "B" 'c',  # implicit concatenation\n  'summary': """multi\nline""",\n  'data': ['views/a.xml',],\n  'x': (1,), 'y': None, 'z': -1.5e3,\n}`,
  String.raw`[('name', 'in', ['a\x41\u00e9\U0001F600', "b'c", r'\d'])]`,
];

test('parsePyLiteral agrees with python3 ast.literal_eval', () => {
  for (const s of samples) {
    const py = execFileSync('python3', ['-c', 'import ast,sys,json; print(json.dumps(ast.literal_eval(sys.stdin.read())))'], { input: s, encoding: 'utf8' });
    assert.equal(parsePyLiteral(s), JSON.parse(py), s);
  }
});

test('parsePyLiteral refuses code', () => {
  assert.throws(() => parsePyLiteral("{'a': __import__('os')}"));
  assert.throws(() => parsePyLiteral("{'a': 1"));
});

test('adaptVersion: series prefix added once, bad versions refused', () => {
  assert.is(adaptVersion('1.1', '17.0'), '17.0.1.1');
  assert.is(adaptVersion('17.0.1.1', '17.0'), '17.0.1.1');
  assert.is(adaptVersion('1.2.3', '17.0'), '17.0.1.2.3');
  assert.throws(() => adaptVersion('16.0.1.1', '17.0')); // another series' version: 4 parts left
  assert.throws(() => adaptVersion('1.x', '17.0'));
});

test('core addons: every dependency exists, base has none, web_studio is not installable', () => {
  const mods = scanAddons([CORE_DIR]);
  for (const name of ['base', 'web', 'bus', 'mail', 'contacts', 'uom', 'product', 'account', 'l10n_fr', 'sale', 'sale_management', 'purchase', 'stock', 'crm', 'project', 'hr', 'website', 'point_of_sale']) {
    const m = mods.get(name);
    assert.ok(m?.manifest, name);
    for (const d of m!.manifest!.depends as string[]) assert.ok(mods.has(d), `${name} depends on missing ${d}`);
  }
  assert.equal(mods.get('base')!.manifest!.depends, []);
  assert.is(mods.get('web_studio')!.manifest!.installable, false);
});

test.run();

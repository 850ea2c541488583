// The odoo stand-in's module catalogs (operator/sandbox/standins/catalog/): one per supported
// series, extracted from public Odoo community source with its origin and licence named.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fs from 'node:fs';
import path from 'node:path';
import { CATALOG_DIR, loadCatalog, SUPPORTED_SERIES, UnsupportedSeriesError } from '../../operator/sandbox/standins/lib/odoo-catalog.mjs';
import { moduleSources } from '../../operator/sandbox/standins/lib/odoo-addons.mjs';

test('the supported series are exactly the catalogs present', () => {
  const files = fs.readdirSync(CATALOG_DIR).filter((f) => f.endsWith('.json')).map((f) => f.replace(/\.json$/, '')).sort();
  assert.equal(files, [...SUPPORTED_SERIES].sort());
  assert.equal([...SUPPORTED_SERIES], ['16.0', '17.0', '18.0']);
  for (const s of ['14.0', '15.0', '19.0']) {
    assert.throws(() => loadCatalog(s), (e: unknown) => e instanceof UnsupportedSeriesError && /Odoo \d+\.0 is not supported \(supported series: 16\.0, 17\.0, 18\.0/.test((e as Error).message));
  }
});

test('each catalog names its source, commit and licence, and is consistent', () => {
  const sizes: Record<string, number> = {};
  for (const s of SUPPORTED_SERIES) {
    const c = loadCatalog(s);
    assert.is(c.series, s);
    assert.match(c.source.repository, /^github\.com\/[\w-]+\/odoo1[678]$/);
    assert.match(c.source.commit, /^[0-9a-f]{40}$/);
    assert.match(c.source.licence, /^LGPL-3/);
    sizes[s] = c.modules.size;
    assert.equal(c.modules.get('base')!.depends, []);
    for (const [name, m] of c.modules) {
      for (const d of m.depends) assert.ok(c.modules.has(d), `${s}: ${name} depends on unknown ${d}`);
      if (Array.isArray(m.auto_install)) for (const d of m.auto_install) assert.ok(m.depends.includes(d), `${s}: ${name} auto_install ${d} not a dependency`);
    }
    assert.ok(c.stubs.has('web_studio'), `${s}: enterprise stubs from base's data`);
    assert.not.ok(c.modules.has('web_studio'));
  }
  // Measured on the mirrors: 17.0 has about 590 modules (ODOO-FACTS.md).
  assert.equal(sizes, { '16.0': 505, '17.0': 589, '18.0': 649 });
});

test('core modules come first; an on-disk module of the same name is shadowed', () => {
  const dir = fs.mkdtempSync(path.join(process.env.TMPDIR ?? '/tmp', 'catalog-'));
  try {
    for (const [name, version] of [['crm', '9.9'], ['my_module', '1.0']] as const) {
      fs.mkdirSync(path.join(dir, name));
      fs.writeFileSync(path.join(dir, name, '__manifest__.py'), `{'name': '${name}', 'version': '${version}', 'depends': ['base']}`);
    }
    const mods = moduleSources('17.0', [dir, path.join(dir, 'missing')], () => undefined);
    assert.is(mods.get('crm')!.dir, null);
    assert.is(mods.get('crm')!.manifest!.version, loadCatalog('17.0').modules.get('crm')!.version);
    assert.is(mods.get('my_module')!.dir, path.join(dir, 'my_module'));
    assert.equal(mods.get('web')!.manifest!.auto_install, ['base']); // True means all dependencies
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test.run();

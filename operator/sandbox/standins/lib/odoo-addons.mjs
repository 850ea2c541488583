// The module list as Odoo sees it: the image's core modules (the series' catalog, first on
// the addons path as odoo/addons is) then every directory with a __manifest__.py in the
// configured addons paths. The first place holding a name wins, as in Odoo.
import fs from 'node:fs';
import path from 'node:path';
import { loadCatalog } from './odoo-catalog.mjs';
import { parsePyLiteral } from './pyliteral.mjs';

/**
 * On-disk modules: Map name -> { name, dir, manifest } (manifest null + error when unreadable).
 * Missing directories are reported through onMissing (Odoo warns and skips them).
 */
export function scanAddons(paths, onMissing = () => {}) {
  const mods = new Map();
  for (const dir of paths) {
    let entries;
    try {
      entries = fs.readdirSync(dir, { withFileTypes: true });
    } catch {
      onMissing(dir);
      continue;
    }
    for (const e of entries.sort((a, b) => a.name.localeCompare(b.name))) {
      if (!e.isDirectory() && !e.isSymbolicLink()) continue;
      if (mods.has(e.name) || !/^[A-Za-z0-9_]+$/.test(e.name)) continue;
      const file = path.join(dir, e.name, '__manifest__.py');
      let text;
      try {
        text = fs.readFileSync(file, 'utf8');
      } catch {
        continue;
      }
      try {
        const m = parsePyLiteral(text);
        if (m === null || typeof m !== 'object' || Array.isArray(m)) throw new Error('manifest is not a dict');
        mods.set(e.name, { name: e.name, dir: path.join(dir, e.name), manifest: normalize(m) });
      } catch (err) {
        mods.set(e.name, { name: e.name, dir: path.join(dir, e.name), manifest: null, error: `${file}: ${err.message}` });
      }
    }
  }
  return mods;
}

/**
 * Every module Odoo of `series` can see: core modules from the catalog (dir null: their
 * code is "in the image"), then the on-disk modules of `paths` not shadowed by a core one.
 */
export function moduleSources(series, paths, onMissing) {
  const out = new Map();
  for (const [name, entry] of loadCatalog(series).modules) out.set(name, { name, dir: null, core: true, manifest: normalize(entry) });
  for (const [name, mod] of scanAddons(paths, onMissing)) if (!out.has(name)) out.set(name, { ...mod, core: false });
  return out;
}

// Odoo's manifest defaults (odoo/modules/module.py _DEFAULT_MANIFEST).
export function normalize(m) {
  const depends = Array.isArray(m.depends) ? m.depends.map(String) : [];
  // load_manifest: auto_install True means "all dependencies"; a list names the ones required.
  const autoInstall = Array.isArray(m.auto_install) ? m.auto_install.map(String) : m.auto_install ? depends : null;
  return {
    ...m,
    name: m.name ?? '',
    version: String(m.version ?? '1.0'),
    depends,
    data: Array.isArray(m.data) ? m.data.map(String) : [],
    demo: Array.isArray(m.demo) ? m.demo.map(String) : [],
    installable: m.installable !== false,
    auto_install: autoInstall, // null (not auto) or the dependencies that must be installed
    application: m.application === true,
    author: m.author ?? 'Odoo S.A.',
    summary: m.summary ?? '',
    description: m.description ?? '',
    website: m.website ?? '',
    license: m.license ?? 'LGPL-3',
    category: m.category ?? 'Uncategorized',
    sequence: Number(m.sequence ?? 100),
  };
}

/**
 * Odoo's adapt_version: "1.1" under 17.0 -> "17.0.1.1"; "17.0.1.1" kept; "1.0.2" -> "17.0.1.0.2"
 * (five parts, as 18.0's point_of_sale). 17.0 and later refuse other shapes; 16.0 accepts any.
 */
export function adaptVersion(version, series) {
  let base = version;
  let full = version;
  if (version === series || !version.startsWith(`${series}.`)) {
    full = `${series}.${version}`;
  } else {
    base = version.slice(series.length + 1);
  }
  if (Number.parseFloat(series) >= 17 && !/^[0-9]+\.[0-9]+(?:\.[0-9]+)?$/.test(base)) {
    throw new Error(`Invalid version '${base}'. Modules should have a version in format \`x.y\`, \`x.y.z\`, \`${series}.x.y\` or \`${series}.x.y.z\`.`);
  }
  return full;
}

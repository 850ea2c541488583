// The module list as Odoo sees it on disk: every directory with a __manifest__.py in
// the addons path (core addons first, like the image's odoo/addons). First one wins.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parsePyLiteral } from './pyliteral.mjs';

export const CORE_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../odoo-core');

export function coreDir(env = process.env) {
  return env.ODOO_STANDIN_CORE || CORE_DIR;
}

/**
 * Returns Map name -> { name, dir, manifest } (manifest null + error when unreadable).
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

// Odoo's manifest defaults (odoo/modules/module.py _DEFAULT_MANIFEST).
function normalize(m) {
  return {
    ...m,
    name: m.name ?? '',
    version: String(m.version ?? '1.0'),
    depends: Array.isArray(m.depends) ? m.depends.map(String) : [],
    data: Array.isArray(m.data) ? m.data.map(String) : [],
    demo: Array.isArray(m.demo) ? m.demo.map(String) : [],
    installable: m.installable !== false,
    auto_install: m.auto_install ?? false,
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

/** Odoo's adapt_version: "1.1" under 17.0 -> "17.0.1.1"; "17.0.1.1" kept. Throws on bad format. */
export function adaptVersion(version, series) {
  let base = version;
  let full = version;
  if (version === series || !version.startsWith(`${series}.`)) {
    full = `${series}.${version}`;
  } else {
    base = version.slice(series.length + 1);
  }
  if (!/^[0-9]+\.[0-9]+(?:\.[0-9]+)?$/.test(base)) {
    throw new Error(`Invalid version '${base}'. Modules should have a version in format \`x.y\`, \`x.y.z\`, \`${series}.x.y\` or \`${series}.x.y.z\`.`);
  }
  return full;
}

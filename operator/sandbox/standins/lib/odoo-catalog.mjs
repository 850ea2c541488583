// The core modules of each Odoo series the odoo stand-in supports: what the official
// image carries in /usr/lib/python3/dist-packages/odoo/addons. Facts extracted from public
// mirrors of Odoo community (LGPL-3) by tools/extract-catalog.mjs into catalog/<series>.json.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const CATALOG_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../catalog');

/** The one list of series the stand-in emulates (a catalog/<series>.json exists for each). */
export const SUPPORTED_SERIES = Object.freeze(['16.0', '17.0', '18.0']);

/** Where the official image keeps the core addons (shown in Odoo's "addons paths" line). */
export const CORE_ADDONS_PATH = '/usr/lib/python3/dist-packages/odoo/addons';

export class UnsupportedSeriesError extends Error {
  constructor(series) {
    super(`odoo stand-in: Odoo ${series} is not supported (supported series: ${SUPPORTED_SERIES.join(', ')}; see operator/sandbox/standins/README.md)`);
    this.series = series;
  }
}

const cache = new Map();

/**
 * The catalog of one series: { series, source, modules: Map name -> manifest-like entry,
 * stubs: Map name -> enterprise stub (rows base's data creates as 'uninstallable') }.
 */
export function loadCatalog(series, dir = process.env.ODOO_STANDIN_CATALOG || CATALOG_DIR) {
  if (!SUPPORTED_SERIES.includes(series)) throw new UnsupportedSeriesError(series);
  const key = `${dir}\0${series}`;
  let c = cache.get(key);
  if (!c) {
    const file = path.join(dir, `${series}.json`);
    const raw = JSON.parse(fs.readFileSync(file, 'utf8'));
    c = { series: raw.series, source: raw.source, modules: new Map(Object.entries(raw.modules)), stubs: new Map(Object.entries(raw.stubs ?? {})) };
    cache.set(key, c);
  }
  return c;
}

// Types for the plain-JS catalog reader (the stand-ins run without a TypeScript loader).
export const CATALOG_DIR: string;
export const SUPPORTED_SERIES: readonly string[];
export const CORE_ADDONS_PATH: string;
export class UnsupportedSeriesError extends Error { series: string }
export interface CatalogEntry {
  name: string; version: string; depends: string[]; auto_install?: true | string[]; installable?: false;
  application?: true; category: string; sequence?: number; license: string; author?: string;
}
export interface Catalog {
  series: string;
  source: { repository: string; commit: string; paths: string[]; licence: string; extracted: string };
  modules: Map<string, CatalogEntry>;
  stubs: Map<string, { name: string; application?: true; sequence?: number; license: string }>;
}
export function loadCatalog(series: string, dir?: string): Catalog;

// Types for the plain-JS module scanner (the stand-ins run without a TypeScript loader).
export interface Manifest {
  name: string; version: string; depends: string[]; data: string[]; demo: string[]; installable: boolean;
  auto_install: string[] | null; application: boolean; [key: string]: unknown;
}
export interface ScannedModule { name: string; dir: string; manifest: Manifest | null; error?: string }
export interface ModuleSource { name: string; dir: string | null; core: boolean; manifest: Manifest | null; error?: string }
export function scanAddons(paths: string[], onMissing?: (dir: string) => void): Map<string, ScannedModule>;
export function moduleSources(series: string, paths: string[], onMissing?: (dir: string) => void): Map<string, ModuleSource>;
export function normalize(m: Record<string, unknown>): Manifest;
export function adaptVersion(version: string, series: string): string;

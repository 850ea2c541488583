// Types for the plain-JS module scanner (the stand-ins run without a TypeScript loader).
export const CORE_DIR: string;
export function coreDir(env?: Record<string, string | undefined>): string;
export interface ScannedModule { name: string; dir: string; manifest: Record<string, unknown> | null; error?: string }
export function scanAddons(paths: string[], onMissing?: (dir: string) => void): Map<string, ScannedModule>;
export function adaptVersion(version: string, series: string): string;

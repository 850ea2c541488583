// Types for the plain-JS real-Odoo launcher helpers (the stand-ins run without a TypeScript loader).
export const PYTHON: string;
export function standinRoot(env?: Record<string, string | undefined>): string;
export class RealOdooError extends Error {}
export function realOdooSource(env?: Record<string, string | undefined>): string | null;
export function realSeries(src: string): string;
export function checkSeries(src: string, imageSeries?: string): string;
export function translateConf(confHost: string | null, volumes: [string, string][], opts?: { src?: string; http?: { host: string; port: number } | null; env?: Record<string, string | undefined> }): string;
export function withConfig(argv: string[], conf: string): string[];
export function realEnv(conf: string, env?: Record<string, string | undefined>): Record<string, string | undefined>;

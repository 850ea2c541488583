/**
 * What sandbox hosts run from the odoops checkout (the docker/odoo stand-ins, the npm
 * packages they import, node itself when it lives in a shadowed path) is copied into
 * DIR/runtime, so hosts find it whatever the clone's location: under /root or /srv (each
 * host has its own), or in a 0700 directory. `up` on a running sandbox refreshes the copy.
 */
import { existsSync, readFileSync } from 'node:fs';
import { copyFile, link, mkdir, readdir, readFile, rename, rm } from 'node:fs/promises';
import { builtinModules } from 'node:module';
import path from 'node:path';
import { OdoopsError } from '../util/errors.ts';
import { PER_HOST_DIRS, PER_HOST_OVERLAYS } from './paths.ts';
import { runOk } from './proc.ts';
import { REPO_ROOT } from './repos.ts';

/** The stand-ins in the checkout (the source of the copy). */
export const STANDINS_SOURCE = path.join(REPO_ROOT, 'operator/sandbox/standins');

export interface Runtime {
  /** DIR/runtime/standins/bin: first on every host's PATH. */
  standinBin: string;
  /** Directory of the node binary hosts run the stand-ins with. */
  nodeDir: string;
}

export function standInsPresent(): boolean {
  return existsSync(path.join(STANDINS_SOURCE, 'bin/docker')) && existsSync(path.join(STANDINS_SOURCE, 'bin/odoo'));
}

export function runtimeDir(dir: string): string {
  return path.join(dir, 'runtime');
}

export function runtimePaths(dir: string): Runtime {
  const rt = runtimeDir(dir);
  const shadowed = [...PER_HOST_DIRS, ...PER_HOST_OVERLAYS].some((p) => process.execPath.startsWith(p + '/'));
  return { standinBin: path.join(rt, 'standins/bin'), nodeDir: shadowed ? path.join(rt, 'node/bin') : path.dirname(process.execPath) };
}

const BUILTIN = new Set(builtinModules);

/** Bare package names the stand-ins import (scanned, so a new import is copied without a list to keep). */
async function importedPackages(root: string): Promise<string[]> {
  const out = new Set<string>();
  const walk = async (d: string): Promise<void> => {
    for (const e of await readdir(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) {
        if (e.name !== 'odoo-core') await walk(p);
      } else if (/\.(mjs|js)$/.test(e.name) || path.basename(d) === 'bin') {
        const src = await readFile(p, 'utf8');
        // Static imports start a line; dynamic ones are import('x') / require('x').
        const specs = [
          ...src.matchAll(/^\s*(?:import|export)\b[^'"]*?\bfrom\s*['"]([^'"]+)['"]/gm),
          ...src.matchAll(/^\s*import\s*['"]([^'"]+)['"]/gm),
          ...src.matchAll(/\b(?:import|require)\(\s*['"]([^'"]+)['"]\s*\)/g),
        ].map((m) => m[1]!);
        for (const spec of specs) {
          if (spec.startsWith('.') || spec.startsWith('/') || spec.startsWith('node:') || BUILTIN.has(spec)) continue;
          const name = spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : spec.split('/')[0]!;
          if (/^(@[a-z0-9][\w.~-]*\/)?[a-z0-9][\w.~-]*$/.test(name)) out.add(name);
        }
      }
    }
  };
  await walk(root);
  return [...out].sort();
}

/** The packages and, transitively, their installed dependencies (npm's flat node_modules). */
function closure(names: string[], modules: string): string[] {
  const seen = new Set<string>();
  const todo = [...names];
  while (todo.length) {
    const name = todo.pop()!;
    if (seen.has(name)) continue;
    const manifest = path.join(modules, name, 'package.json');
    if (!existsSync(manifest)) {
      if (names.includes(name)) throw new OdoopsError(`the stand-ins import ${name}, which is not installed in ${modules}: run npm ci`);
      continue; // an optional dependency that is not installed
    }
    seen.add(name);
    const pkg = JSON.parse(readFileSync(manifest, 'utf8')) as { dependencies?: Record<string, string>; optionalDependencies?: Record<string, string> };
    todo.push(...Object.keys(pkg.dependencies ?? {}), ...Object.keys(pkg.optionalDependencies ?? {}));
  }
  return [...seen].sort();
}

/** A hard link when possible (same file system), else a copy. */
async function linkOrCopy(from: string, to: string): Promise<void> {
  await link(from, to).catch(() => copyFile(from, to));
}

/**
 * Copy the stand-ins and what they need into DIR/runtime (replacing an older copy in one
 * rename, so hosts never see half of it).
 */
export async function installRuntime(dir: string): Promise<Runtime> {
  const final = runtimeDir(dir);
  const build = `${final}.new-${process.pid}`;
  await rm(build, { recursive: true, force: true });
  await mkdir(build, { recursive: true, mode: 0o755 });
  const modules = path.join(REPO_ROOT, 'node_modules');
  const packages = closure(await importedPackages(STANDINS_SOURCE), modules);
  // cp(1): several times faster than fs.cp on these ~500 small files. -L: a linked package
  // (npm link, workspaces) is copied, not its link.
  const copy = (sources: string[], to: string) => runOk(['cp', '-RL', '--preserve=mode,timestamps', '--', ...sources, to], { what: `copying ${sources.length} item(s) to ${to}` });
  await copy([STANDINS_SOURCE], path.join(build, 'standins'));
  const scoped = new Map<string, string[]>();
  for (const name of packages) {
    const parent = path.join(build, 'node_modules', path.dirname(name));
    scoped.set(parent, [...(scoped.get(parent) ?? []), path.join(modules, name)]);
  }
  for (const [parent, sources] of scoped) {
    await mkdir(parent, { recursive: true });
    await copy(sources, parent);
  }
  const paths = runtimePaths(dir);
  if (paths.nodeDir !== path.dirname(process.execPath)) {
    await mkdir(path.join(build, 'node/bin'), { recursive: true });
    await linkOrCopy(process.execPath, path.join(build, 'node/bin/node'));
  }
  const old = `${final}.old-${process.pid}`;
  if (existsSync(final)) await rename(final, old);
  await rename(build, final);
  await rm(old, { recursive: true, force: true });
  return paths;
}

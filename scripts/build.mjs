#!/usr/bin/env node
/**
 * Compiles the CLI once (npm ci / npm install run it as `prepare`, `npm run setup` when stale):
 * operator/cli/main.ts and everything it imports, bundled by esbuild into dist/ (ESM, one
 * chunk per lazily loaded command; npm packages stay in node_modules). bin/odoops.mjs runs
 * dist/main.js while dist/build.json's sources are unchanged, else the sources through tsx.
 *
 * Modules find files next to their source (package.json, schema/, operator/host/scripts/):
 * each module's import.meta.url is rewritten to its source file's URL, relative to the chunk
 * (every chunk sits directly in dist/), so those reads work from the bundle unchanged.
 *
 *   node scripts/build.mjs            build when stale ("dist/ is fresh" otherwise)
 *   node scripts/build.mjs --force    build anyway
 *   node scripts/build.mjs --check    exit 0 when fresh, 1 when stale (builds nothing)
 */
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const dist = path.join(root, 'dist');
const ENTRY = 'operator/cli/main.ts';

/** Whether dist/ was built from the sources as they are now (same files, same mtimes). */
export function distIsFresh(dir = dist) {
  try {
    const { inputs } = JSON.parse(readFileSync(path.join(dir, 'build.json'), 'utf8'));
    for (const [file, mtimeMs] of Object.entries(inputs)) if (statSync(path.join(root, file)).mtimeMs !== mtimeMs) return false;
    return existsSync(path.join(dir, 'main.js'));
  } catch {
    return false;
  }
}

/** Rewrites import.meta.url of every source module to the source file's own URL. */
const sourceUrls = {
  name: 'odoops-source-urls',
  setup(build) {
    build.onLoad({ filter: /\.ts$/ }, (args) => {
      if (args.path.includes(`${path.sep}node_modules${path.sep}`)) return undefined;
      const text = readFileSync(args.path, 'utf8');
      if (!text.includes('import.meta.url')) return { contents: text, loader: 'ts' };
      const rel = path.relative(dist, args.path).split(path.sep).join('/');
      return { contents: text.replaceAll('import.meta.url', `new URL(${JSON.stringify(rel)}, import.meta.url).href`), loader: 'ts' };
    });
  },
};

export async function build() {
  const { build: esbuild } = await import('esbuild');
  const tmp = path.join(root, `dist.tmp-${process.pid}`);
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(tmp, { recursive: true });
  const started = Date.now();
  const result = await esbuild({
    absWorkingDir: root,
    entryPoints: { main: ENTRY },
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    packages: 'external',
    outdir: tmp,
    chunkNames: '[name]-[hash]',
    sourcemap: 'linked',
    metafile: true,
    logLevel: 'warning',
    plugins: [sourceUrls],
  });
  const inputs = {};
  for (const file of Object.keys(result.metafile.inputs).sort()) inputs[file] = statSync(path.join(root, file)).mtimeMs;
  writeFileSync(path.join(tmp, 'build.json'), `${JSON.stringify({ entry: ENTRY, inputs }, null, 1)}\n`);
  // Swap in one rename: a CLI starting meanwhile sees the old build or the new one, whole.
  const old = path.join(root, `dist.old-${process.pid}`);
  if (existsSync(dist)) renameSync(dist, old);
  renameSync(tmp, dist);
  rmSync(old, { recursive: true, force: true });
  return { files: Object.keys(inputs).length, ms: Date.now() - started };
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2);
  if (args.includes('--check')) process.exit(distIsFresh() ? 0 : 1);
  if (!args.includes('--force') && distIsFresh()) {
    if (!args.includes('--quiet')) console.log('dist/ is fresh');
  } else {
    const r = await build();
    if (!args.includes('--quiet')) console.log(`built dist/ from ${r.files} sources in ${r.ms} ms`);
  }
}

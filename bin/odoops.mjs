#!/usr/bin/env node
// Runs the compiled dist/ (built by `npm ci`/`npm run setup`: scripts/build.mjs) while it was
// built from the sources as they are now; otherwise the TypeScript sources through tsx, so an
// edit never runs stale code. ODOOPS_FROM_SOURCE=1 forces the sources.
import { existsSync, readFileSync, statSync } from 'node:fs';

const root = new URL('../', import.meta.url);

function distIsFresh() {
  try {
    const { inputs } = JSON.parse(readFileSync(new URL('dist/build.json', root), 'utf8'));
    for (const file in inputs) if (statSync(new URL(file, root)).mtimeMs !== inputs[file]) return false;
    return existsSync(new URL('dist/main.js', root));
  } catch {
    return false;
  }
}

if (process.env.ODOOPS_FROM_SOURCE !== '1' && distIsFresh()) {
  await import(new URL('dist/main.js', root).href);
} else {
  const { register } = await import('tsx/esm/api');
  register();
  await import('../operator/cli/main.ts');
}

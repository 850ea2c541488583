/**
 * Start-up as users run it (issue: 13× `node -e 0` when every start compiled the sources and
 * loaded every command): with a fresh dist/, bin/odoops.mjs runs the compiled bundle, and a
 * command loads its own module only. Bounded work (what is loaded), never a wall-clock figure:
 * timings are in test/bench/startup.ts.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../..', import.meta.url));
const bin = path.join(root, 'bin/odoops.mjs');
const trace = fileURLToPath(new URL('./fixtures/trace-loads.mjs', import.meta.url));

/** The modules (outside node:) one run of the CLI loads, as paths relative to the checkout. */
function loaded(args: string[], env: NodeJS.ProcessEnv = {}): { code: number | null; modules: string[] } {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'odoops-trace-'));
  const file = path.join(dir, 'loads');
  try {
    const r = spawnSync(process.execPath, ['--import', trace, bin, ...args], { encoding: 'utf8', env: { ...process.env, ...env, ODOOPS_TRACE_FILE: file } });
    const urls = readFileSync(file, 'utf8').split('\n').filter((u) => u.startsWith('file://'));
    return { code: r.status, modules: urls.map((u) => path.relative(root, fileURLToPath(u))) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

// The CLI tests run what users run: the build that `npm ci` / `npm run setup` make.
const build = spawnSync(process.execPath, [path.join(root, 'scripts/build.mjs'), '--quiet'], { encoding: 'utf8' });
if (build.status !== 0) throw new Error(`scripts/build.mjs failed: ${build.stderr}`);

const COMMAND_CHUNK = /^dist\/(sandbox|validate|show|plan|apply|drift|resolve|serve|render)-[A-Z0-9]+\.js$/;

test('--version runs the compiled dist/ and loads no command and no tsx', () => {
  const r = loaded(['--version']);
  assert.is(r.code, 0);
  assert.ok(r.modules.includes('dist/main.js'), r.modules.join('\n'));
  assert.not.ok(r.modules.some((m) => m.startsWith('operator/')), 'no source module');
  assert.not.ok(r.modules.some((m) => m.includes('node_modules/tsx/')), 'tsx not loaded');
  assert.not.ok(r.modules.some((m) => COMMAND_CHUNK.test(m)), `no command chunk: ${r.modules.join(', ')}`);
  assert.ok(r.modules.filter((m) => m.includes('node_modules/')).every((m) => m.includes('node_modules/commander/')), `only commander: ${r.modules.join(', ')}`);
});

test('a command loads its own module only', () => {
  const r = loaded(['validate', '--help']);
  assert.is(r.code, 0);
  const chunks = r.modules.filter((m) => COMMAND_CHUNK.test(m));
  assert.equal(chunks.map((c) => c.replace(/-[A-Z0-9]+\.js$/, '')), ['dist/validate'], chunks.join(', '));
  assert.not.ok(r.modules.some((m) => m.includes('node_modules/ssh2/')), 'validate does not load SSH');
});

test('ODOOPS_FROM_SOURCE=1 runs the TypeScript sources (as a stale dist/ does)', () => {
  const r = loaded(['--version'], { ODOOPS_FROM_SOURCE: '1' });
  assert.is(r.code, 0);
  assert.ok(r.modules.includes('operator/cli/main.ts'), r.modules.join('\n'));
  assert.not.ok(r.modules.includes('dist/main.js'));
});

test.run();

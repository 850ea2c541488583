#!/usr/bin/env node
// Runs every test/**/*.test.ts with uvu (TypeScript through tsx) and ends with the
// line CI reads: "N passed, N failed". A whole-suite time limit keeps CI from hanging.
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const pattern = process.argv[2] ?? '\\.test\\.ts$';
const limitMs = Number(process.env.ODOOPS_TEST_TIMEOUT_MS ?? 45 * 60 * 1000);

// Every temp file of the run (sandboxes included) lives under one folder, so whatever a
// crashed or killed test left behind is found and removed at the end. 0755: the sandbox's
// PostgreSQL runs as user postgres and must traverse it.
const tmpRoot = mkdtempSync(path.join(os.tmpdir(), 'odoops-test-'));
chmodSync(tmpRoot, 0o755);

const child = spawn(
  process.execPath,
  ['--import', 'tsx', path.join(root, 'node_modules/uvu/bin.js'), 'test', pattern, '--color', 'false'],
  { cwd: root, stdio: ['ignore', 'pipe', 'inherit'], detached: false, env: { ...process.env, TMPDIR: tmpRoot } },
);
let out = '';
child.stdout.on('data', (chunk) => {
  out += chunk;
  process.stdout.write(chunk);
});
const timer = setTimeout(() => {
  process.stdout.write(`\ntest run exceeded ${limitMs} ms: stopping it\n`);
  child.kill('SIGTERM');
}, limitMs);

/** Takes down any sandbox a test left running, then removes the run's temp folder. */
function sweep() {
  let left = 0;
  for (const entry of readdirSync(tmpRoot)) {
    const dir = path.join(tmpRoot, entry);
    if (!existsSync(path.join(dir, 'sandbox.json'))) continue;
    left++;
    spawnSync(process.execPath, [path.join(root, 'bin/odoops.mjs'), 'sandbox', 'down', '--dir', dir], { stdio: 'ignore' });
  }
  if (left) process.stdout.write(`\ntook down ${left} sandbox${left === 1 ? '' : 'es'} left behind by tests\n`);
  rmSync(tmpRoot, { recursive: true, force: true });
}

child.on('close', (code) => {
  clearTimeout(timer);
  sweep();
  const plain = out.replace(/\x1b\[[0-9;]*m/g, '');
  const total = Number(/Total:\s+(\d+)/.exec(plain)?.[1] ?? 0);
  const passed = Number(/Passed:\s+(\d+)/.exec(plain)?.[1] ?? 0);
  const skipped = Number(/Skipped:\s+(\d+)/.exec(plain)?.[1] ?? 0);
  let failed = total - passed - skipped;
  // A crash before uvu's summary counts as a failure, never as a pass.
  if (code !== 0 && failed === 0) failed = 1;
  const tail = skipped ? `, ${skipped} skipped` : '';
  process.stdout.write(`\n${passed} passed, ${failed} failed${tail}\n`);
  process.exitCode = failed > 0 || code !== 0 ? 1 : 0;
});

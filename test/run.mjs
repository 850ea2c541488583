#!/usr/bin/env node
// Runs every test/**/*.test.ts (TypeScript through tsx, uvu suites), each file in its own
// process, ODOOPS_TEST_JOBS at a time (default 2), and ends with the line CI reads:
// "N passed, N failed". A file that hangs is stopped at its own limit and counted failed;
// the whole run has a limit too, and what finished before it still counts.
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const pattern = new RegExp(process.argv[2] ?? '\\.test\\.ts$');
const limitMs = Number(process.env.ODOOPS_TEST_TIMEOUT_MS ?? 60 * 60 * 1000);
const fileLimitMs = Number(process.env.ODOOPS_TEST_FILE_TIMEOUT_MS ?? 20 * 60 * 1000);
const jobs = Math.max(1, Number(process.env.ODOOPS_TEST_JOBS ?? 2));

// Every temp file of the run (sandboxes included) lives under one folder, so whatever a
// crashed or killed test left behind is found and removed at the end. 0755: the sandbox's
// PostgreSQL runs as user postgres and must traverse it.
const tmpRoot = mkdtempSync(path.join(os.tmpdir(), 'odoops-test-'));
chmodSync(tmpRoot, 0o755);

function listTests(dir) {
  const found = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    if (entry.isDirectory()) found.push(...listTests(p));
    else if (pattern.test(path.relative(path.join(root, 'test'), p))) found.push(p);
  }
  return found;
}

// Files that start sandboxes take longest: start them first so the run ends sooner.
const weight = (file) => {
  const text = readFileSync(file, 'utf8');
  return (/startSandbox|sandboxUp|sandbox', 'up'/.test(text) ? 1e9 : 0) + statSync(file).size;
};
const queue = listTests(path.join(root, 'test'))
  .map((file) => ({ file, weight: weight(file) }))
  .sort((a, b) => b.weight - a.weight)
  .map((t) => t.file);

const results = [];
const running = new Set();
let stopping = false;

function runFile(file) {
  return new Promise((resolve) => {
    const started = Date.now();
    const rel = path.relative(path.join(root, 'test'), file);
    // Own process group: a file's leftovers are ended with it, and only them.
    const child = spawn(process.execPath, ['--import', 'tsx', file], {
      cwd: root,
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
      env: { ...process.env, TMPDIR: tmpRoot, FORCE_COLOR: '0', NO_COLOR: '1' },
    });
    running.add(child);
    let out = '';
    child.stdout.on('data', (c) => (out += c));
    child.stderr.on('data', (c) => (out += c));
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      try {
        process.kill(-child.pid, 'SIGTERM');
      } catch {}
    }, fileLimitMs);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      running.delete(child);
      const plain = out.replace(/\x1b\[[0-9;]*m/g, '');
      const total = Number(/Total:\s+(\d+)/.exec(plain)?.[1] ?? 0);
      const passed = Number(/Passed:\s+(\d+)/.exec(plain)?.[1] ?? 0);
      const skipped = Number(/Skipped:\s+(\d+)/.exec(plain)?.[1] ?? 0);
      let failed = total - passed - skipped;
      // A crash, a hang or an exit before uvu's summary counts as a failure, never as a pass.
      if ((code !== 0 || timedOut || total === 0) && failed === 0) failed = 1;
      const ms = Date.now() - started;
      const note = timedOut ? ` (stopped after ${fileLimitMs} ms)` : signal ? ` (${signal})` : '';
      process.stdout.write(`\n${rel}  ${(ms / 1000).toFixed(1)} s${note}\n${out.trimEnd()}\n`);
      results.push({ rel, ms, passed, failed, skipped });
      resolve();
    });
  });
}

async function worker() {
  while (!stopping && queue.length > 0) await runFile(queue.shift());
}

const suiteTimer = setTimeout(() => {
  stopping = true;
  process.stdout.write(`\ntest run exceeded ${limitMs} ms: stopping it (${queue.length} files not run)\n`);
  for (const child of running) {
    try {
      process.kill(-child.pid, 'SIGTERM');
    } catch {}
  }
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

const total = queue.length;
await Promise.all(Array.from({ length: Math.min(jobs, total) }, worker));
clearTimeout(suiteTimer);
sweep();

const sum = (k) => results.reduce((n, r) => n + r[k], 0);
let failed = sum('failed');
if (results.length < total) failed += total - results.length; // files never run count as failed
const passed = sum('passed');
const skipped = sum('skipped');
const slowest = [...results].sort((a, b) => b.ms - a.ms).slice(0, 8);
process.stdout.write(`\nslowest files (${jobs} at a time):\n${slowest.map((r) => `  ${(r.ms / 1000).toFixed(1).padStart(7)} s  ${r.rel}`).join('\n')}\n`);
const failing = results.filter((r) => r.failed > 0).map((r) => r.rel);
if (failing.length) process.stdout.write(`failing files: ${failing.join(', ')}\n`);
const tail = skipped ? `, ${skipped} skipped` : '';
process.stdout.write(`\n${passed} passed, ${failed} failed${tail}\n`);
process.exitCode = failed > 0 ? 1 : 0;

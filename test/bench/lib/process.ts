/**
 * Runs a node program as a user would and measures the whole process: wall time (spawn to
 * exit), CPU (user + system) and peak RSS, read by a tiny --import hook at exit.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const hook = fileURLToPath(new URL('./usage-hook.mjs', import.meta.url));

export interface ProcessSample {
  wallMs: number;
  cpuMs: number;
  peakRssMb: number;
  code: number | null;
  stdout: string;
}

export function runNode(args: string[], env: NodeJS.ProcessEnv = {}): ProcessSample {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'odoops-bench-usage-'));
  const file = path.join(dir, 'usage.json');
  try {
    const t0 = performance.now();
    const r = spawnSync(process.execPath, ['--import', hook, ...args], { encoding: 'utf8', env: { ...process.env, ...env, ODOOPS_BENCH_USAGE: file }, maxBuffer: 64 * 1024 * 1024 });
    const wallMs = performance.now() - t0;
    const u = JSON.parse(readFileSync(file, 'utf8')) as { userCPUTime: number; systemCPUTime: number; maxRSS: number };
    return { wallMs, cpuMs: (u.userCPUTime + u.systemCPUTime) / 1000, peakRssMb: u.maxRSS / 1024, code: r.status, stdout: r.stdout };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

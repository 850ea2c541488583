/**
 * Benchmark: CLI start-up as users run it (`node bin/odoops.mjs`, the compiled dist/ when
 * fresh) against `node -e 0`, interleaved A/B/A/B so load changes hit both alike:
 * `--version`, `validate` of examples/minimal and examples/fleet, and `--version` from the
 * sources through tsx (ODOOPS_FROM_SOURCE=1, what runs when dist/ is stale). Whole process:
 * wall, CPU (user + system), peak RSS; the ratio to `node -e 0` per pair (CPU and wall).
 * Run: node --import tsx test/bench/startup.ts   (ODOOPS_BENCH_RUNS, default 11)
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { spawnSync } from 'node:child_process';
import { runNode, type ProcessSample } from './lib/process.ts';
import { machine, spread, table, writeJson, type Spread } from './lib/stats.ts';

const root = fileURLToPath(new URL('../..', import.meta.url));
const bin = path.join(root, 'bin/odoops.mjs');
const runs = Number(process.env.ODOOPS_BENCH_RUNS ?? 11);

const build = spawnSync(process.execPath, [path.join(root, 'scripts/build.mjs'), '--quiet'], { stdio: 'inherit' });
if (build.status !== 0) throw new Error('scripts/build.mjs failed');

interface Case { name: string; args: string[]; env?: NodeJS.ProcessEnv }
const baseline: Case = { name: 'node -e 0', args: ['-e', '0'] };
const cases: Case[] = [
  { name: 'odoops --version', args: [bin, '--version'] },
  { name: 'odoops validate examples/minimal', args: [bin, 'validate', '--repo', path.join(root, 'examples/minimal')] },
  { name: 'odoops validate examples/fleet', args: [bin, 'validate', '--repo', path.join(root, 'examples/fleet')] },
  { name: 'odoops --version (sources, tsx)', args: [bin, '--version'], env: { ODOOPS_FROM_SOURCE: '1' } },
];

const samples = new Map<string, ProcessSample[]>([[baseline.name, []], ...cases.map((c) => [c.name, []] as [string, ProcessSample[]])]);
const cpuRatios = new Map<string, number[]>(cases.map((c) => [c.name, []]));
const wallRatios = new Map<string, number[]>(cases.map((c) => [c.name, []]));
for (let i = 0; i < runs + 1; i++) {
  for (const c of cases) {
    const a = runNode(baseline.args);
    const b = runNode(c.args, c.env);
    if (b.code !== 0 && !c.name.includes('validate')) throw new Error(`${c.name} exited ${b.code}`);
    if (i === 0) continue; // warm-up pair: file cache, not start-up
    samples.get(baseline.name)!.push(a);
    samples.get(c.name)!.push(b);
    cpuRatios.get(c.name)!.push(b.cpuMs / a.cpuMs);
    wallRatios.get(c.name)!.push(b.wallMs / a.wallMs);
  }
}

interface Row { name: string; wallMs: Spread; cpuMs: Spread; peakRssMb: Spread; cpuRatio?: Spread; wallRatio?: Spread }
const rows: Row[] = [...samples].map(([name, s]) => ({
  name,
  wallMs: spread(s.map((x) => x.wallMs)),
  cpuMs: spread(s.map((x) => x.cpuMs)),
  peakRssMb: spread(s.map((x) => x.peakRssMb)),
  ...(cpuRatios.has(name) ? { cpuRatio: spread(cpuRatios.get(name)!), wallRatio: spread(wallRatios.get(name)!) } : {}),
}));
const ms = (n: number) => n.toFixed(0);
const x = (s?: Spread) => (s ? `${s.median.toFixed(2)}× (${s.min.toFixed(2)}–${s.max.toFixed(2)})` : '1');
console.log(
  table(
    ['command', 'wall min', 'median', 'max (ms)', 'CPU median (ms)', 'peak RSS (MB)', 'CPU vs node -e 0', 'wall vs node -e 0'],
    rows.map((r) => [r.name, ms(r.wallMs.min), ms(r.wallMs.median), ms(r.wallMs.max), ms(r.cpuMs.median), r.peakRssMb.max.toFixed(0), x(r.cpuRatio), x(r.wallRatio)]),
  ),
);
const file = writeJson('startup', { bench: 'startup', runs, machine: machine(), rows });
console.log(`\n${runs} A/B pairs per command (after one warm-up pair), ratios per pair (median, min–max); JSON: ${file}`);

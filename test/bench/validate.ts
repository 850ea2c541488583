/**
 * Benchmark: desired state on generated config repos (default 1,000 and 10,000 clients):
 * validate, show (load and resolve), plan (the pure part, against matching live states),
 * window evaluation for every instance, and touchedClients after a comment-only, a one-line
 * (inherited by every client) and a production-only change of fleet.yaml. Each run is a fresh
 * process; min / median / max over runs, CPU and peak RSS; a table, and the same as JSON.
 * Run: node --import tsx test/bench/validate.ts [sizes...]   (ODOOPS_BENCH_RUNS, default 3; ODOOPS_BENCH_OPS=validate,plan for some)
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { makeRepo } from './lib/config-repo.ts';
import { machine, spread, table, writeJson, type Spread } from './lib/stats.ts';

const here = path.dirname(new URL(import.meta.url).pathname);
const ALL_OPS = ['validate', 'show', 'plan', 'windows', 'touched-comment', 'touched-one-line', 'touched-production'];
// ODOOPS_BENCH_OPS=validate,plan: only those operations.
const OPS = process.env.ODOOPS_BENCH_OPS ? ALL_OPS.filter((op) => process.env.ODOOPS_BENCH_OPS!.split(',').includes(op)) : ALL_OPS;
const sizes = process.argv.slice(2).map(Number).filter((n) => n > 0);
const runs = Number(process.env.ODOOPS_BENCH_RUNS ?? 3);

interface Row {
  op: string;
  clients: number;
  wallMs: Spread;
  cpuMs: Spread;
  peakRssMb: Spread;
  detail: Record<string, unknown>;
}

const rows: Row[] = [];
for (const n of sizes.length ? sizes : [1000, 10000]) {
  const t0 = performance.now();
  const repo = makeRepo(n);
  process.stderr.write(`${n} clients: repo generated in ${((performance.now() - t0) / 1000).toFixed(1)} s\n`);
  const samples = new Map<string, Record<string, number>[]>(OPS.map((op) => [op, []]));
  // Interleaved: op1 op2 ... opN, runs times, so a load change on the machine hits every op alike.
  for (let run = 0; run < runs; run++) {
    for (const op of OPS) {
      const out = execFileSync(process.execPath, ['--import', 'tsx', path.join(here, 'lib/desired-op.ts'), op, JSON.stringify(repo)], { encoding: 'utf8', maxBuffer: 16 * 1024 * 1024 });
      samples.get(op)!.push(JSON.parse(out.trim().split('\n').at(-1)!));
    }
  }
  for (const op of OPS) {
    const s = samples.get(op)!;
    const { op: _op, wallMs: _w, cpuMs: _c, peakRssMb: _p, ...detail } = s.at(-1)!;
    rows.push({ op, clients: n, wallMs: spread(s.map((x) => x.wallMs!)), cpuMs: spread(s.map((x) => x.cpuMs!)), peakRssMb: spread(s.map((x) => x.peakRssMb!)), detail });
  }
  fs.rmSync(repo.dir, { recursive: true, force: true });
}

const sec = (ms: number) => (ms / 1000).toFixed(2);
console.log(
  table(
    ['operation', 'clients', 'wall min', 'median', 'max (s)', 'CPU median (s)', 'peak RSS (MB)', 'what it found'],
    rows.map((r) => [
      r.op,
      String(r.clients),
      sec(r.wallMs.min),
      sec(r.wallMs.median),
      sec(r.wallMs.max),
      sec(r.cpuMs.median),
      r.peakRssMb.max.toFixed(0),
      Object.entries(r.detail)
        .map(([k, v]) => `${k} ${typeof v === 'number' && !Number.isInteger(v) ? v.toFixed(3) : v}`)
        .join(', '),
    ]),
  ),
);
const file = writeJson('validate', { bench: 'validate', runs, machine: machine(), rows });
console.log(`\n${runs} runs each, every run a fresh process; JSON: ${file}`);

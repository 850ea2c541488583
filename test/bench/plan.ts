/**
 * Benchmark: odoops' own CPU per server in `odoops plan`, without the servers — every step a
 * plan takes per server after the SSH session is open, in process, on generated clients (the
 * config repo of the validate benchmark) and probe answers shaped like the probe's on the
 * sandbox (operator/host/probe.py: every module of the series' catalog, the addons, options,
 * the last applied revision):
 *   secrets     resolveClientSecrets (reconcile/secrets.ts)
 *   command     the probe's command and request (live/probe.ts probeCommand)
 *   answer      JSON.parse of the probe's answer and the live state from it (liveFromProbe)
 *   plan        planClient, window evaluation included, each client at another millisecond
 *   redact      redactDeep of the outcome (reconcile)
 *   report      the --json envelope (planJson + toJson) and the terminal text (renderPlanText)
 * What this leaves out is the SSH transport (ssh2: handshake, channel, the probe program sent
 * on stdin), measured with the servers by `npm run bench -- probe`.
 * Run: node --import tsx test/bench/plan.ts [sizes...]   (default 100 1000; ODOOPS_BENCH_RUNS, default 3)
 * Each size in a fresh process (test/bench/lib/plan-op.ts); min / median / max over runs.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { makeRepo } from './lib/config-repo.ts';
import { machine, spread, table, writeJson, type Spread } from './lib/stats.ts';

/** One line of lib/plan-op.ts: CPU (ms) of each stage over all the servers. */
interface PlanOpSample {
  servers: number;
  cpuMs: Record<string, number>;
  peakRssMb: number;
  actions: number;
}

const here = path.dirname(new URL(import.meta.url).pathname);
const sizes = process.argv.slice(2).map(Number).filter((n) => n > 0);
const runs = Number(process.env.ODOOPS_BENCH_RUNS ?? 3);
const wanted = sizes.length ? sizes : [100, 1000];

interface Row {
  servers: number;
  /** CPU of all stages, per server (ms). */
  cpuMsPerServer: Spread;
  /** Per stage, CPU per server (ms), median over runs. */
  stages: Record<string, number>;
  peakRssMb: Spread;
  actions: number;
}

const t0 = performance.now();
const repo = makeRepo(Math.max(...wanted));
process.stderr.write(`${Math.max(...wanted)} clients: repo generated in ${((performance.now() - t0) / 1000).toFixed(1)} s\n`);
const rows: Row[] = [];
let STAGES: string[] = [];
try {
  const samples = new Map<number, PlanOpSample[]>(wanted.map((n) => [n, []]));
  for (let run = 0; run < runs; run++) {
    for (const n of wanted) {
      const out = execFileSync(process.execPath, ['--import', 'tsx', path.join(here, 'lib/plan-op.ts'), String(n), JSON.stringify(repo)], { encoding: 'utf8', maxBuffer: 16 * 1024 * 1024 });
      samples.get(n)!.push(JSON.parse(out.trim().split('\n').at(-1)!) as PlanOpSample);
    }
  }
  STAGES = Object.keys(samples.get(wanted[0]!)![0]!.cpuMs);
  for (const n of wanted) {
    const s = samples.get(n)!;
    const median = (xs: number[]) => spread(xs).median;
    rows.push({
      servers: n,
      cpuMsPerServer: spread(s.map((x) => Object.values(x.cpuMs).reduce((a, b) => a + b, 0) / n)),
      stages: Object.fromEntries(STAGES.map((st) => [st, median(s.map((x) => x.cpuMs[st]! / n))])),
      peakRssMb: spread(s.map((x) => x.peakRssMb)),
      actions: s.at(-1)!.actions,
    });
  }
} finally {
  fs.rmSync(repo.dir, { recursive: true, force: true });
}

const f = (x: number) => x.toFixed(2);
console.log(
  table(
    ['servers', 'CPU per server min', 'median', 'max (ms)', ...STAGES.map((s) => `${s} (ms)`), 'peak RSS (MB)', 'actions'],
    rows.map((r) => [String(r.servers), f(r.cpuMsPerServer.min), f(r.cpuMsPerServer.median), f(r.cpuMsPerServer.max), ...STAGES.map((s) => f(r.stages[s]!)), r.peakRssMb.max.toFixed(0), String(r.actions)]),
  ),
);
const file = writeJson('plan', { bench: 'plan', runs, machine: machine(), rows });
console.log(`\n${runs} runs per size, every run a fresh process; CPU per server by stage is the median; JSON: ${file}`);

/**
 * Benchmark: a whole fleet through reconcile on the sandbox — first apply on fresh servers
 * (windows overridden), a second apply (idempotent: nothing to do) and a drift run.
 * Run: node --import tsx test/bench/fleet.ts [servers] [concurrency]   (default: 20 20). Needs root.
 * Prints wall time per phase, per-server means and peak RSS of this process.
 */
import { mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { loadDesiredState } from '../../operator/desired/load.ts';
import { driftStatusOf } from '../../operator/drift/observe.ts';
import { reconcileFleet } from '../../operator/reconcile/index.ts';
import { sandboxDown, upSandbox } from '../../operator/sandbox/index.ts';

const servers = Number(process.argv[2] ?? 20);
const concurrency = Number(process.argv[3] ?? 20);

async function timed<T>(label: string, f: () => Promise<T>): Promise<T> {
  const t0 = performance.now();
  const r = await f();
  const s = (performance.now() - t0) / 1000;
  process.stdout.write(`${label.padEnd(34)} ${s.toFixed(2)} s (${((s * 1000) / servers).toFixed(0)} ms per server)\n`);
  return r;
}

const dir = await mkdtemp(path.join(os.tmpdir(), 'odoops-bench-fleet-'));
try {
  const { info, seconds } = await upSandbox({ clients: servers, dir });
  process.stdout.write(`sandbox of ${servers} servers up in ${seconds.toFixed(1)} s; concurrency ${concurrency}\n`);
  const desired = await loadDesiredState({ repo: info.repoDir });
  const ssh = { privateKeyPath: info.privateKeyPath };
  const first = await timed('apply (fresh servers)', () =>
    reconcileFleet(desired.clients, desired.revision, { mode: 'apply', ignoreWindows: true, ssh, concurrency }));
  const outcomes = first.flatMap((o) => o.apply?.instances.map((i) => i.outcome) ?? []);
  const count = (o: string) => outcomes.filter((x) => x === o).length;
  process.stdout.write(`  instances: ${count('applied')} applied, ${count('skipped')} skipped, ${count('waiting')} waiting, ${count('failed') + count('rolled-back')} failed\n`);
  const second = await timed('apply again (nothing to do)', () =>
    reconcileFleet(desired.clients, desired.revision, { mode: 'apply', ignoreWindows: true, ssh, concurrency }));
  process.stdout.write(`  clients with work on second apply: ${second.filter((o) => o.apply?.instances.some((i) => i.outcome !== 'unchanged')).length}\n`);
  const drift = await timed('drift', () => reconcileFleet(desired.clients, desired.revision, { mode: 'plan', ssh, concurrency }));
  const status = driftStatusOf(desired.clients, drift, desired.revision, new Date());
  process.stdout.write(`  drifted clients: ${status.counts.drifting}, with pending changes: ${status.counts.pending}\n`);
  process.stdout.write(`peak RSS of odoops (this process): ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MB; load average ${os.loadavg()[0]!.toFixed(1)}\n`);
} finally {
  await sandboxDown({ dir });
}

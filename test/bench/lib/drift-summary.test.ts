// The drift benchmark's figures (test/bench/lib/drift-summary.ts): ratios per interleaved
// pair (round i of odoops with round i of Ansible), per added server from the medians, and a
// size cut short by the time budget still giving its complete pairs.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { summarize, type RunSample, type Size } from './drift-summary.ts';

const run = (wallMs: number, cpuMs: number, peakTreeRssMb = 100): RunSample => ({ wallMs, cpuMs, peakTreeRssMb, peakProcesses: 2 });

test('ratios per pair, per added server from medians', () => {
  const sizes: Size[] = [
    { servers: 10, concurrency: 10, sandboxUpS: 1, samples: { odoops: [run(10, 2000), run(20, 2200)], 'ansible-probe': [run(30, 8000, 600), run(40, 8800, 700)], 'ansible-usual': [run(300, 100000)] } },
    { servers: 30, concurrency: 20, sandboxUpS: 1, samples: { odoops: [run(30, 2600), run(30, 2800)], 'ansible-probe': [run(60, 20000), run(90, 24000)], 'ansible-usual': [] } },
  ];
  const s = summarize(sizes);
  const probe10 = s.ratios.find((r) => r.servers === 10 && r.tool === 'ansible-probe')!;
  assert.equal([probe10.pairs, probe10.wall.min, probe10.wall.max], [2, 2, 3]);
  assert.equal([probe10.treeMemory.min, probe10.treeMemory.max], [6, 7]);
  // Round 2 of the usual playbook never ran (budget): one pair, with round 1 of odoops.
  const usual10 = s.ratios.find((r) => r.servers === 10 && r.tool === 'ansible-usual')!;
  assert.equal([usual10.pairs, usual10.wall.median, usual10.cpu.median], [1, 30, 50]);
  assert.not.ok(s.ratios.some((r) => r.servers === 30 && r.tool === 'ansible-usual'));
  assert.not.ok(s.rows.some((r) => r.servers === 30 && r.tool === 'ansible-usual'));
  const odoops = s.perAddedServer.find((p) => p.tool === 'odoops')!;
  // medians 2100 -> 2700 CPU over 20 added servers
  assert.equal([odoops.from, odoops.to, odoops.cpuMsPerServer], [10, 30, 30]);
  assert.not.ok(s.perAddedServer.some((p) => p.tool === 'ansible-usual'), 'one size only: no per-server figure');
});

test.run();

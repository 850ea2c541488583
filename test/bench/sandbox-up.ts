/**
 * Benchmark: time to bring up a sandbox of 1 and of 20 servers (and to take it down),
 * peak RSS of this process and total RSS of the sandbox's processes.
 * Run: node --import tsx test/bench/sandbox-up.ts [N...]   (default: 1 20). Needs root.
 */
import { mkdtemp, readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { upSandbox, sandboxDown } from '../../operator/sandbox/index.ts';
import { pidsInNamespace } from '../../operator/sandbox/proc.ts';
import { readState } from '../../operator/sandbox/state.ts';

async function sandboxRssMb(dir: string): Promise<number> {
  const st = await readState(dir);
  let kb = 0;
  for (const s of st?.servers ?? []) {
    for (const pid of s.netnsInode ? await pidsInNamespace('net', s.netnsInode) : []) {
      const status = await readFile(`/proc/${pid}/status`, 'utf8').catch(() => '');
      kb += Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
    }
  }
  return kb / 1024;
}

const counts = process.argv.slice(2).map(Number).filter((n) => n > 0);
for (const n of counts.length ? counts : [1, 20]) {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'odoops-bench-'));
  const t0 = performance.now();
  const r = await upSandbox({ clients: n, dir });
  const up = (performance.now() - t0) / 1000;
  const rss = await sandboxRssMb(dir);
  const t1 = performance.now();
  await sandboxDown({ dir });
  const down = (performance.now() - t1) / 1000;
  const provisioned = r.warning ? ' (instances NOT provisioned: stand-ins missing)' : '';
  console.log(
    `${String(n).padStart(3)} servers: up ${up.toFixed(2)} s, down ${down.toFixed(2)} s, sandbox processes ${rss.toFixed(0)} MB RSS${provisioned}`,
  );
}
console.log(`peak RSS of the benchmark process: ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MB`);

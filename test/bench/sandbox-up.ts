/**
 * Benchmark: time to bring up a sandbox of 1 and of 20 servers (and to take it down),
 * peak RSS of this process, total RSS and number of the sandbox's processes, and the open
 * file descriptors of the machine at its peak (issue 10: `sandbox up --clients 100` must fit
 * the machine's memory, file descriptors and PostgreSQL shared memory). Writes
 * bench-results/sandbox-up.json.
 * Run: node --import tsx test/bench/sandbox-up.ts [N...]   (default: 1 20; 100 for the scale figure). Needs root.
 */
import { mkdtemp, readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { upSandbox, sandboxDown } from '../../operator/sandbox/index.ts';
import { pidsInNamespace } from '../../operator/sandbox/proc.ts';
import { readState } from '../../operator/sandbox/state.ts';
import { machine, writeJson } from './lib/stats.ts';

async function sandboxProcesses(dir: string): Promise<{ rssMb: number; processes: number }> {
  const st = await readState(dir);
  let kb = 0;
  let processes = 0;
  for (const s of st?.servers ?? []) {
    for (const pid of s.netnsInode ? await pidsInNamespace('net', s.netnsInode) : []) {
      const status = await readFile(`/proc/${pid}/status`, 'utf8').catch(() => '');
      kb += Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
      processes++;
    }
  }
  return { rssMb: kb / 1024, processes };
}

/** Open file handles of the whole machine (first field of /proc/sys/fs/file-nr) and its limit. */
async function machineFiles(): Promise<{ open: number; max: number }> {
  const [open, , max] = (await readFile('/proc/sys/fs/file-nr', 'utf8')).trim().split(/\s+/).map(Number);
  return { open: open!, max: max! };
}

interface Row { servers: number; upS: number; downS: number; rssMb: number; processes: number; openFiles: number; fileMax: number; provisioned: boolean; freeMemoryMbAtPeak: number }
const rows: Row[] = [];

const counts = process.argv.slice(2).map(Number).filter((n) => n > 0);
for (const n of counts.length ? counts : [1, 20]) {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'odoops-bench-'));
  const t0 = performance.now();
  const r = await upSandbox({ clients: n, dir });
  const up = (performance.now() - t0) / 1000;
  const { rssMb: rss, processes } = await sandboxProcesses(dir);
  const files = await machineFiles();
  const freeMemoryMbAtPeak = os.freemem() / 1024 ** 2;
  const t1 = performance.now();
  await sandboxDown({ dir });
  const down = (performance.now() - t1) / 1000;
  const provisioned = r.warning ? ' (instances NOT provisioned: stand-ins missing)' : '';
  console.log(
    `${String(n).padStart(3)} servers: up ${up.toFixed(2)} s, down ${down.toFixed(2)} s, ${processes} sandbox processes, ${rss.toFixed(0)} MB RSS, machine open files ${files.open}/${files.max}, ${freeMemoryMbAtPeak.toFixed(0)} MB free${provisioned}`,
  );
  rows.push({ servers: n, upS: up, downS: down, rssMb: rss, processes, openFiles: files.open, fileMax: files.max, provisioned: !r.warning, freeMemoryMbAtPeak });
}
const peakRssMb = process.resourceUsage().maxRSS / 1024;
console.log(`peak RSS of the benchmark process: ${peakRssMb.toFixed(0)} MB`);
console.log(`written ${writeJson('sandbox-up', { machine: machine(), rows, peakRssMb })}`);

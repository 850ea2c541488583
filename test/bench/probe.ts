/**
 * Benchmark: what reading live state costs, on the sandbox. `odoops plan` (connect, probe,
 * plan; nothing changed) over N sandbox servers, measured on both sides:
 *  - server side: CPU of every process the run made on each server (the SSH session and what
 *    it ran: python3, the docker/odoo stand-ins, git, psql; and the PostgreSQL backends), read
 *    as the growth of the reaped-children CPU (cutime + cstime in /proc/PID/stat) of the
 *    server's sshd and postmaster, which reap them;
 *  - operator side: the odoops process (CPU, peak RSS, wall).
 * Run: node --import tsx test/bench/probe.ts [N...]   (default 3 10, so odoops' CPU per added server shows; ODOOPS_BENCH_RUNS, default 3). Needs root.
 * Servers share this machine: on real servers the stand-ins (node processes standing in for
 * docker) are replaced by the docker CLI, so the figures are an upper bound of the probe's count
 * of processes, not of a real server's CPU.
 */
import { readFileSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { sandboxDown, upSandbox } from '../../operator/sandbox/index.ts';
import { readState } from '../../operator/sandbox/state.ts';
import { runNode } from './lib/process.ts';
import { machine, spread, table, writeJson, type Spread } from './lib/stats.ts';

const bin = fileURLToPath(new URL('../../bin/odoops.mjs', import.meta.url));
const runs = Number(process.env.ODOOPS_BENCH_RUNS ?? 3);
const TICK_MS = 1000 / 100; // USER_HZ on Linux

/** CPU (ms) of the children a process has reaped, all generations that were waited for. */
function reapedCpuMs(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // fields[0] is state (field 3); cutime, cstime are fields 16 and 17.
  return (Number(fields[13]) + Number(fields[14])) * TICK_MS;
}

/** Per server: CPU its sshd and postmaster have reaped so far (the PIDs recorded in sandbox.json). */
async function serverSideMs(dir: string): Promise<number[]> {
  const state = await readState(dir);
  return (state?.servers ?? []).map((s) => {
    if (!s.sshdPid || !s.postgresPid) throw new Error(`sandbox server ${s.client}: no sshd or postgres PID recorded`);
    return reapedCpuMs(s.sshdPid) + reapedCpuMs(s.postgresPid);
  });
}

/**
 * `docker` processes one probe starts per server (test/live/probe-calls.test.ts holds the
 * count): one `ps`, one `image inspect`, one `exec … psql` per instance (each has its own
 * PostgreSQL). On the sandbox each is a Node process (the stand-in), so their floor is that
 * many `node -e 0`, measured in the same runs.
 */
const dockerCalls = (instances: number) => 2 + instances;

interface Row { servers: number; serverCpuMsPerServer: Spread; odoopsCpuMs: Spread; odoopsPeakRssMb: Spread; wallMs: Spread; nodeStartCpuMs: Spread; dockerCallsPerServer: number }
const rows: Row[] = [];
for (const n of process.argv.slice(2).map(Number).filter((x) => x > 0).length ? process.argv.slice(2).map(Number) : [3, 10]) {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'odoops-bench-probe-'));
  try {
    const { info } = await upSandbox({ clients: n, dir });
    const perServer: number[] = [];
    const cpu: number[] = [];
    const rss: number[] = [];
    const wall: number[] = [];
    const nodeStart: number[] = [];
    for (let i = 0; i < runs + 1; i++) {
      nodeStart.push(runNode(['-e', '0']).cpuMs);
      const before = await serverSideMs(dir);
      const r = runNode([bin, 'plan', '--repo', info.repoDir, '--json', '--concurrency', String(n)], { ODOOPS_SSH_KEY: info.privateKeyPath });
      if (r.code !== 0) throw new Error(`odoops plan exited ${r.code}`);
      const after = await serverSideMs(dir);
      const plans = (JSON.parse(r.stdout) as { clients: { unreachable?: unknown }[] }).clients;
      if (plans.some((p) => p.unreachable)) throw new Error('a sandbox server was not read');
      if (i === 0) continue; // warm-up: first connections, caches
      perServer.push(after.reduce((s, a, k) => s + (a - before[k]!), 0) / n);
      cpu.push(r.cpuMs);
      rss.push(r.peakRssMb);
      wall.push(r.wallMs);
    }
    const instances = Object.keys((await readState(dir))?.servers[0]?.instances ?? {}).length;
    rows.push({ servers: n, serverCpuMsPerServer: spread(perServer), odoopsCpuMs: spread(cpu), odoopsPeakRssMb: spread(rss), wallMs: spread(wall), nodeStartCpuMs: spread(nodeStart), dockerCallsPerServer: dockerCalls(instances) });
  } finally {
    await sandboxDown({ dir });
  }
}

const f = (n: number) => n.toFixed(0);
console.log(
  table(
    ['servers', 'server CPU per server min', 'median', 'max (ms)', 'of which docker stand-ins, floor (ms)', 'odoops CPU median (ms)', 'odoops peak RSS (MB)', 'wall median (ms)'],
    rows.map((r) => [String(r.servers), f(r.serverCpuMsPerServer.min), f(r.serverCpuMsPerServer.median), f(r.serverCpuMsPerServer.max), `${r.dockerCallsPerServer} × node -e 0 = ${f(r.dockerCallsPerServer * r.nodeStartCpuMs.median)}`, f(r.odoopsCpuMs.median), f(r.odoopsPeakRssMb.max), f(r.wallMs.median)]),
  ),
);
const file = writeJson('probe', { bench: 'probe', runs, machine: machine(), rows });
console.log(`\n${runs} runs of odoops plan per size (after a warm-up run); JSON: ${file}`);

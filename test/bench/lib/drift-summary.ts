/**
 * The drift benchmark's figures from its runs (pure): per size and tool min/median/max of
 * wall, CPU and tree memory; Ansible/odoops ratios per interleaved pair; CPU and wall per
 * added server between sizes (difference of medians).
 */
import { spread, type Spread } from './stats.ts';

export type Tool = 'odoops' | 'ansible-probe' | 'ansible-usual';
export const TOOLS: Tool[] = ['odoops', 'ansible-probe', 'ansible-usual'];

export interface RunSample {
  wallMs: number;
  cpuMs: number;
  peakTreeRssMb: number;
  peakProcesses: number;
}

/** One sandbox size: the runs of each tool, in round order (run i of each tool is round i). */
export interface Size {
  servers: number;
  concurrency: number;
  samples: Record<Tool, RunSample[]>;
  sandboxUpS: number;
}

export interface Row { servers: number; tool: Tool; runs: number; wallMs: Spread; cpuMs: Spread; peakTreeRssMb: Spread; peakProcesses: number }
export interface RatioRow { servers: number; tool: Exclude<Tool, 'odoops'>; pairs: number; wall: Spread; cpu: Spread; treeMemory: Spread }
export interface PerServerRow { tool: Tool; from: number; to: number; cpuMsPerServer: number; wallMsPerServer: number }

export function summarize(sizes: Size[]): { rows: Row[]; ratios: RatioRow[]; perAddedServer: PerServerRow[] } {
  const rows: Row[] = [];
  const ratios: RatioRow[] = [];
  for (const s of sizes) {
    for (const t of TOOLS) {
      const v = s.samples[t];
      if (v.length) rows.push({ servers: s.servers, tool: t, runs: v.length, wallMs: spread(v.map((x) => x.wallMs)), cpuMs: spread(v.map((x) => x.cpuMs)), peakTreeRssMb: spread(v.map((x) => x.peakTreeRssMb)), peakProcesses: Math.max(...v.map((x) => x.peakProcesses)) });
    }
    for (const t of ['ansible-probe', 'ansible-usual'] as const) {
      // Pairs of the same round: odoops' run and the Ansible run right after it.
      const pairs = s.samples[t].map((b, i) => [s.samples.odoops[i]!, b] as const).filter(([a]) => a);
      if (!pairs.length) continue;
      ratios.push({
        servers: s.servers, tool: t, pairs: pairs.length,
        wall: spread(pairs.map(([a, b]) => b.wallMs / a.wallMs)), cpu: spread(pairs.map(([a, b]) => b.cpuMs / a.cpuMs)), treeMemory: spread(pairs.map(([a, b]) => b.peakTreeRssMb / a.peakTreeRssMb)),
      });
    }
  }
  const perAddedServer: PerServerRow[] = [];
  for (const t of TOOLS) {
    const r = rows.filter((x) => x.tool === t).sort((a, b) => a.servers - b.servers);
    for (let i = 1; i < r.length; i++) {
      const [a, b] = [r[i - 1]!, r[i]!];
      perAddedServer.push({ tool: t, from: a.servers, to: b.servers, cpuMsPerServer: (b.cpuMs.median - a.cpuMs.median) / (b.servers - a.servers), wallMsPerServer: (b.wallMs.median - a.wallMs.median) / (b.servers - a.servers) });
    }
  }
  return { rows, ratios, perAddedServer };
}


/**
 * One measured desired-state operation, in a process of its own (so peak memory is this
 * operation's): node --import tsx test/bench/lib/desired-op.ts OP '<GeneratedRepo JSON>'.
 * Prints one JSON line: wall and CPU milliseconds of the operation, peak RSS of the process,
 * and what it found (so a run that did nothing shows).
 */
import { stringify } from 'yaml';
import { loadDesiredState, touchedClients, validateRepo } from '../../../operator/desired/load.ts';
import { planClient } from '../../../operator/plan/plan.ts';
import { windowStatus, type SearchStats } from '../../../operator/plan/windows.ts';
import { liveState } from '../../plan/fixtures.ts';
import type { GeneratedRepo } from './config-repo.ts';

const [op, json] = process.argv.slice(2);
const r = JSON.parse(json!) as GeneratedRepo;

async function measure(f: () => Promise<Record<string, unknown>> | Record<string, unknown>): Promise<void> {
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  const detail = await f();
  const c = process.cpuUsage(c0);
  const out = { op, wallMs: performance.now() - t0, cpuMs: (c.user + c.system) / 1000, peakRssMb: process.resourceUsage().maxRSS / 1024, ...detail };
  process.stdout.write(`${JSON.stringify(out)}\n`);
}

const touched: Record<string, keyof GeneratedRepo> = { 'touched-comment': 'comment', 'touched-one-line': 'oneLine', 'touched-production': 'production' };

switch (op) {
  case 'validate':
    await measure(async () => {
      const v = await validateRepo({ repo: r.dir, rev: r.base });
      return { clients: v.clients, errors: v.issues.filter((i) => i.severity === 'error').length, warnings: v.issues.filter((i) => i.severity === 'warning').length };
    });
    break;
  case 'show':
    await measure(async () => {
      const s = await loadDesiredState({ repo: r.dir, rev: r.base });
      return { clients: s.clients.length, bytes: stringify(s.clients[0]).length };
    });
    break;
  case 'plan': {
    // The pure part: the desired state and the live states are ready; time planClient alone.
    const s = await loadDesiredState({ repo: r.dir, rev: r.base });
    const lives = s.clients.map((c) => liveState(c));
    const now = new Date();
    await measure(() => {
      let actions = 0;
      s.clients.forEach((c, i) => (actions += planClient(c, lives[i]!, { revision: s.revision, now: new Date(now.getTime() + i) }).instances.reduce((n, p) => n + p.actions.length, 0)));
      return { clients: s.clients.length, actions };
    });
    break;
  }
  case 'windows': {
    // Every instance's window status at "now" (one ms later per client, as a fleet run asks),
    // then cold evaluations: 200 instances, each at another hour (no cached status or cron answer to reuse).
    const s = await loadDesiredState({ repo: r.dir, rev: r.base });
    const instances = s.clients.flatMap((c) => c.instances);
    const now = Date.now();
    await measure(() => {
      let open = 0;
      const t0 = performance.now();
      instances.forEach((inst, i) => (open += windowStatus(inst.windows, new Date(now + i)).open ? 1 : 0));
      const fleetMs = performance.now() - t0;
      const sample = instances.slice(0, 200);
      const t1 = performance.now();
      const work: SearchStats = { cronEvaluations: 0 };
      sample.forEach((inst, i) => windowStatus(inst.windows, new Date(now + (i + 1) * 3_600_000), work));
      return {
        instances: instances.length,
        open,
        msPerInstance: fleetMs / instances.length,
        coldMsPerInstance: (performance.now() - t1) / sample.length,
        coldCronEvaluations: work.cronEvaluations / sample.length,
      };
    });
    break;
  }
  default: {
    const to = touched[op ?? ''];
    if (!to) throw new Error(`unknown operation ${op}`);
    await measure(async () => ({ touched: (await touchedClients({ repo: r.dir, from: r.base, to: r[to] as string })).length }));
  }
}

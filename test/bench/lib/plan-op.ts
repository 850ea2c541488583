/**
 * One measured run of the plan benchmark (test/bench/plan.ts), in a process of its own:
 *   node --import tsx test/bench/lib/plan-op.ts N '<GeneratedRepo JSON>'
 * Loads the generated config repo, keeps its first N clients, makes each a probe answer that
 * matches it, then times every per-server stage of a plan over all N (CPU). Prints one JSON line.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { loadDesiredState } from '../../../operator/desired/load.ts';
import type { ClientSpec } from '../../../operator/desired/types.ts';
import { liveFromProbe, probeCommand, type RawInstance, type RawProbe } from '../../../operator/live/probe.ts';
import { odooOptionString } from '../../../operator/plan/diff.ts';
import { planClient } from '../../../operator/plan/plan.ts';
import type { Plan } from '../../../operator/plan/types.ts';
import { redactDeep, resolveClientSecrets, type ResolvedSecrets } from '../../../operator/reconcile/secrets.ts';
import { planJson, renderPlanText, toJson } from '../../../operator/report/index.ts';
import type { GeneratedRepo } from './config-repo.ts';


const catalogs = new Map<string, string[]>();
/** Module names of the stand-in catalog of a series (every module the probe lists on the sandbox). */
function catalog(series: string): string[] {
  let names = catalogs.get(series);
  if (!names) {
    const c = JSON.parse(readFileSync(new URL(`../../../operator/sandbox/standins/catalog/${series}.json`, import.meta.url), 'utf8')) as { modules: Record<string, unknown>; stubs?: Record<string, unknown> };
    names = [...Object.keys(c.modules), ...Object.keys(c.stubs ?? {})];
    catalogs.set(series, names);
  }
  return names;
}

const SHA = '1'.repeat(40);

/** The probe's answer for a server that matches `spec` (nothing to change), as text. */
function probeAnswer(spec: ClientSpec, revision: string): string {
  const instances: Record<string, RawInstance> = {};
  for (const i of spec.instances) {
    const modules: RawInstance['modules'] = {};
    for (const m of catalog(i.series)) modules[m] = ['uninstalled', null];
    modules.base = ['installed', `${i.series}.1.3`];
    for (const m of i.modules) modules[m] = ['installed', `${i.series}.1.0`];
    for (const m of i.removeModules) modules[m] = ['uninstalled', null];
    const manifests: Record<string, string> = {};
    for (const m of i.modules) if (m.startsWith('integrator_')) manifests[m] = `${i.series}.1.0`;
    instances[i.name] = {
      present: true,
      image: i.image,
      imagePresent: true,
      imageDigest: `sha256:${'e'.repeat(64)}`,
      running: true,
      runningImage: i.image,
      odooVersion: i.series,
      modules,
      manifests,
      addons: Object.fromEntries(i.addons.map((a) => [a.name, { url: a.url, commit: SHA, desiredCommit: SHA }])),
      options: Object.fromEntries(Object.entries(i.options).map(([k, v]) => [k, odooOptionString(v)])),
      secretDigests: {},
      marker: null,
      errors: [],
    };
  }
  const state: RawProbe['state'] = { instances: Object.fromEntries(spec.instances.map((i) => [i.name, { revision, at: '2026-11-01T00:00:00Z' }])) };
  return JSON.stringify({ host: { hostname: `${spec.name}-srv`, os: spec.server.os }, state, instances } satisfies RawProbe);
}

const [nText, json] = process.argv.slice(2);
const n = Number(nText);
const r = JSON.parse(json!) as GeneratedRepo;
const desired = await loadDesiredState({ repo: r.dir, rev: r.base });
const clients = desired.clients.slice(0, n);
if (clients.length < n) throw new Error(`the generated repo has ${desired.clients.length} clients, fewer than ${n}`);
const answers = clients.map((c) => probeAnswer(c, desired.revision));

const cpuMs: Record<string, number> = {};
function stage<T>(name: string, f: () => T): T {
  const c0 = process.cpuUsage();
  const out = f();
  const c = process.cpuUsage(c0);
  cpuMs[name] = (c.user + c.system) / 1000;
  return out;
}

const env = { ...process.env };
const secrets: ResolvedSecrets[] = stage('secrets', () => clients.map((c) => resolveClientSecrets(c, env)));
const keys = clients.map(() => randomBytes(32).toString('hex'));
stage('command', () => clients.map((c, i) => probeCommand(c, { secrets: secrets[i]! }, keys[i]!)));
const lives = stage('answer', () => answers.map((a, i) => liveFromProbe(clients[i]!.name, JSON.parse(a) as RawProbe, secrets[i]!, keys[i]!)));
const start = Date.now();
const plans: Plan[] = stage('plan', () => clients.map((c, i) => planClient(c, lives[i]!, { revision: desired.revision, now: new Date(start + i), unresolvedSecrets: secrets[i]!.missing })));
stage('redact', () => clients.map((c, i) => redactDeep({ client: c.name, live: lives[i]!, plan: plans[i]!, durationMs: 1 }, secrets[i]!.values)));
const bytes = stage('report', () => toJson(planJson(plans, { revision: desired.revision, at: new Date(start) })).length + renderPlanText(plans, { color: false }).length);

const actions = plans.reduce((s, p) => s + p.instances.reduce((k, i) => k + i.actions.length, 0), 0);
const sample = { servers: n, cpuMs, peakRssMb: process.resourceUsage().maxRSS / 1024, actions, reportBytes: bytes };
process.stdout.write(`${JSON.stringify(sample)}\n`);

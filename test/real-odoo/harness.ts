/**
 * The real-Odoo tier: a one-server sandbox whose `odoo` is real odoo-bin (ODOOPS_REAL_ODOO,
 * an extracted Odoo source tree; scripts/real-odoo.mjs) — or, with ODOOPS_REAL_ODOO=stand-in,
 * the odoo stand-in, to compare both on the same scenario — driven by odoops' reconcile.
 * A scenario file (test/real-odoo/*.real.ts) gets a Harness: desired state, apply, read-back
 * of ir_module_module, commits to the fixture addons repository, and step figures printed
 * at the end. Add a scenario by adding a file; reuse the Harness.
 */
import type { InstanceSpec } from '../../operator/desired/types.ts';
import { reconcile, type ClientOutcome, type ReconcileOptions } from '../../operator/reconcile/index.ts';
import { sandboxExec } from '../../operator/sandbox/index.ts';
import { realSeries } from '../../operator/sandbox/standins/lib/odoo-real.mjs';
import { clientSpec, commitToAddons, instanceSpec, ssh } from '../apply/fixture.ts';
import { startSandbox, stopSandbox, type SandboxInfo } from '../util/sandbox.ts';

export type Mode = 'real' | 'stand-in';
export type InstanceName = 'test' | 'production';
export const INSTANCES: InstanceName[] = ['test', 'production'];
export const DB: Record<InstanceName, string> = { test: 'acme_test', production: 'acme_prod' };

export interface Figure { step: string; ms: number; outcomes: string; installed: Record<string, number>; downtime?: Record<string, number | null>; note?: string }

export interface Harness {
  mode: Mode;
  series: string;
  source: string | null;
  info: SandboxInfo;
  desired: Record<InstanceName, InstanceSpec>;
  /** The instances this scenario runs (initialised and applied); both unless startHarness was told otherwise. */
  instances: InstanceName[];
  figures: Figure[];
  /** A shell script on the sandbox server (as root, inside its namespaces). */
  sh(script: string, timeoutMs?: number): Promise<string>;
  /** reconcile() of the desired state in apply mode. */
  apply(opts?: Partial<ReconcileOptions>): Promise<ClientOutcome>;
  /** name -> "state latest_version" read from the instance's database. */
  modules(instance: InstanceName): Promise<Record<string, string>>;
  installedCount(instance: InstanceName): Promise<number>;
  /** Commits to the fixture addons repository through a temp clone; tags it. */
  commitToAddons(edit: (dir: string) => void, tag: string): void;
  /** Runs a step, records its time and the installed module counts afterwards. */
  step<T extends ClientOutcome>(name: string, fn: () => Promise<T>): Promise<T>;
  /** Adds a line under the last step's figures (e.g. what a traffic loop saw). */
  note(text: string): void;
  report(): string;
  stop(): Promise<void>;
}

/** Which tier this run is (null: skipped, with the reason). */
export function tierFromEnv(env = process.env): { mode: Mode; source: string | null; series: string } | { skip: string } {
  const v = env.ODOOPS_REAL_ODOO;
  if (!v) return { skip: 'ODOOPS_REAL_ODOO is not set (an extracted Odoo source tree; see `node scripts/real-odoo.mjs --help`)' };
  if (v === 'stand-in') return { mode: 'stand-in', source: null, series: env.ODOOPS_REAL_ODOO_SERIES ?? '17.0' };
  return { mode: 'real', source: v, series: realSeries(v) };
}

const outcomes = (r: ClientOutcome) => r.apply?.instances.map((i) => `${i.instance}:${i.outcome}`).join(' ') ?? 'no changes';

export async function startHarness(tier: { mode: Mode; source: string | null; series: string }, opts: { instances?: InstanceName[] } = {}): Promise<Harness> {
  const instances = opts.instances ?? INSTANCES;
  const info = await startSandbox(1);
  const client = info.servers[0]!.client;
  const image = `registry.example.com/odoo:${tier.series}`;
  const sh = async (script: string, timeoutMs = 30 * 60_000) => {
    const r = await sandboxExec(info, client, ['sh', '-c', script], { timeoutMs });
    if (r.code !== 0) throw new Error(`on the server: ${script}\nexit ${r.code}: ${`${r.stdout}\n${r.stderr}`.trim().split('\n').slice(-25).join('\n')}`);
    return r.stdout;
  };
  const figures: Figure[] = [];
  try {
    if (tier.mode === 'real') {
      await sandboxExec(info, client, ['sh', '-c', 'mkdir -p /var/lib/docker-standin && printf %s "$1" > /var/lib/docker-standin/real-odoo', 'sh', tier.source!]);
    }
    // The sandbox initialised each database with the stand-in's 17.0: start again with this
    // tier's odoo and series (the server's image says which series).
    const t0 = Date.now();
    for (const inst of instances) {
      const c = `docker compose -f /srv/odoo/${inst}/compose.yaml`;
      await sh(`${c} stop odoo && sed -i 's|^ODOO_IMAGE=.*|ODOO_IMAGE=${image}|' /srv/odoo/${inst}/.env && ${c} exec -T db dropdb -U odoo --if-exists ${DB[inst]}`);
      await sh(`${c} run --rm -T odoo odoo -c /etc/odoo/odoo.conf -d ${DB[inst]} -i base --without-demo=all --stop-after-init --no-http > /tmp/init-${inst}.log 2>&1 || { tail -20 /tmp/init-${inst}.log; exit 1; }`);
      await sh(`${c} up -d`);
    }
    figures.push({ step: `databases initialised (-i base, ${instances.length} instance${instances.length > 1 ? 's' : ''})`, ms: Date.now() - t0, outcomes: '', installed: {} });
  } catch (e) {
    await stopSandbox(info);
    throw e;
  }
  const over = { series: tier.series, image, modules: ['contacts', 'integrator_base'] };
  const desired = { test: instanceSpec(info, 'test', over), production: instanceSpec(info, 'production', over) };
  let rev = 0;
  const modules = async (instance: InstanceName) => {
    const out = await sh(`docker compose -f /srv/odoo/${instance}/compose.yaml exec -T db psql -U odoo -d ${DB[instance]} -At -F ' ' -c "SELECT name, state, coalesce(latest_version, '-') FROM ir_module_module"`);
    const rows: Record<string, string> = {};
    for (const line of out.trim().split('\n')) {
      const [n, s, v] = line.split(' ');
      if (n) rows[n] = `${s} ${v}`;
    }
    return rows;
  };
  const installedCount = async (instance: InstanceName) => Object.values(await modules(instance)).filter((v) => v.startsWith('installed ')).length;
  const h: Harness = {
    mode: tier.mode,
    series: tier.series,
    source: tier.source,
    info,
    desired,
    instances,
    figures,
    sh,
    apply: (opts = {}) => reconcile(clientSpec(info, instances.map((i) => desired[i])), `rev${++rev}`, {
      mode: 'apply', healthTimeoutMs: 10 * 60_000, ...opts, ssh: { ...ssh(info), ...(opts.ssh ?? {}) },
    }),
    modules,
    installedCount,
    commitToAddons: (edit, tag) => commitToAddons(info, edit, tag),
    async step(name, fn) {
      const t0 = Date.now();
      const r = await fn();
      const ms = Date.now() - t0;
      const installed: Record<string, number> = {};
      for (const i of instances) installed[i] = await installedCount(i);
      const downtime = Object.fromEntries((r.apply?.instances ?? []).filter((i) => i.downtime).map((i) => [i.instance, i.downtime!.ms]));
      figures.push({ step: name, ms, outcomes: outcomes(r), installed, downtime });
      return r;
    },
    note(text) {
      const last = figures.at(-1);
      if (last) last.note = last.note ? `${last.note}\n${text}` : text;
    },
    report() {
      const head = `real-Odoo tier: ${tier.mode === 'real' ? `real Odoo ${tier.series} (${tier.source})` : `odoo stand-in ${tier.series}`}`;
      const rows = figures.map((f) => `  ${f.step.padEnd(58)} ${`${(f.ms / 1000).toFixed(1)} s`.padStart(8)}  ${f.outcomes.padEnd(40)} ${Object.entries(f.installed).map(([k, v]) => `${k}=${v}`).join(' ')}${Object.keys(f.downtime ?? {}).length ? `  downtime ${Object.entries(f.downtime!).map(([k, v]) => `${k}=${v === null ? 'not healthy again' : `${(v / 1000).toFixed(1)} s`}`).join(' ')}` : ''}`);
      const lines = figures.flatMap((f, i) => [rows[i]!, ...(f.note ? f.note.split('\n').map((l) => `      ${l}`) : [])]);
      return [head, ...lines].join('\n');
    },
    stop: () => stopSandbox(info),
  };
  return h;
}

/**
 * Reads one server's live state in one round trip: a constant Python program (probe.py)
 * fed on stdin, the request passed as one quoted argv element.
 */
import { readFileSync } from 'node:fs';
import type { ClientSpec, InstanceSpec } from '../desired/types.ts';
import { errorMessage } from '../util/errors.ts';
import type { HostSession, ConnectOptions } from './ssh.ts';
import { connectSsh } from './ssh.ts';
import { pgConninfo } from './commands.ts';
import type { LiveInstance, LiveModule, LiveState, ModuleState, HostFacts, LiveAddonsRepo } from './types.ts';

const PROBE_PY = readFileSync(new URL('./probe.py', import.meta.url), 'utf8');

export interface ProbeOptions {
  /** Per remote command inside the probe; default 60 s. */
  commandTimeoutMs?: number;
  /** Which instances to read; default all of spec.instances. */
  instances?: string[];
}

interface RawInstance {
  present: boolean;
  image: string | null;
  imageDigest: string | null;
  running: boolean;
  runningImage?: string | null;
  odooVersion: string | null;
  modules: Record<string, [string, string | null]>;
  manifests: Record<string, string>;
  addons: Record<string, LiveAddonsRepo>;
  options: Record<string, string>;
  errors: string[];
}

interface RawProbe {
  host: HostFacts;
  state: { instances?: Record<string, { revision?: string; at?: string }> } | null;
  instances: Record<string, RawInstance>;
}

const MODULE_STATES = new Set<ModuleState>(['installed', 'uninstalled', 'uninstallable', 'to install', 'to upgrade', 'to remove']);

export function probeRequest(spec: ClientSpec, opts: ProbeOptions = {}): string {
  const chosen = opts.instances ? spec.instances.filter((i) => opts.instances!.includes(i.name)) : spec.instances;
  return JSON.stringify({
    timeout: Math.ceil((opts.commandTimeoutMs ?? 60_000) / 1000),
    instances: chosen.map((i: InstanceSpec) => ({
      name: i.name,
      database: i.database,
      dbConninfo: pgConninfo(i.database),
      series: i.series,
      options: Object.keys(i.options),
      addons: i.addons.map((a) => ({ name: a.name, url: a.url, ref: a.ref })),
    })),
  });
}

/** Probe over an open session. Transport failures become `reachable: false`, never a throw. */
export async function probeLive(session: HostSession, spec: ClientSpec, opts: ProbeOptions = {}): Promise<LiveState> {
  const timeoutMs = (opts.commandTimeoutMs ?? 60_000) * 2 + 10_000;
  let raw: RawProbe;
  try {
    const res = await session.exec(['python3', '-', probeRequest(spec, opts)], { stdin: PROBE_PY, timeoutMs });
    if (res.code !== 0) {
      const why = res.stderr.trim().split('\n').slice(-1)[0] ?? '';
      return { client: spec.name, reachable: false, reason: `live-state probe failed on ${session.label} (exit ${res.code}): ${why}` };
    }
    raw = JSON.parse(res.stdout) as RawProbe;
  } catch (err) {
    return { client: spec.name, reachable: false, reason: errorMessage(err) };
  }
  return { client: spec.name, reachable: true, host: raw.host, instances: toInstances(raw) };
}

function toInstances(raw: RawProbe): Record<string, LiveInstance> {
  const out: Record<string, LiveInstance> = {};
  for (const [name, r] of Object.entries(raw.instances)) {
    const modules: Record<string, LiveModule> = {};
    for (const [m, [state, version]] of Object.entries(r.modules ?? {})) {
      modules[m] = {
        state: MODULE_STATES.has(state as ModuleState) ? (state as ModuleState) : 'uninstallable',
        installedVersion: version,
        manifestVersion: r.manifests?.[m] ?? null,
      };
    }
    const st = raw.state?.instances?.[name];
    out[name] = {
      name,
      present: r.present,
      image: r.image ?? null,
      imageDigest: r.imageDigest ?? null,
      running: r.running ?? false,
      runningImage: r.runningImage ?? null,
      odooVersion: r.odooVersion ?? null,
      modules,
      addons: r.addons ?? {},
      options: r.options ?? {},
      lastApplied: st?.revision && st.at ? { revision: st.revision, at: st.at } : null,
      errors: r.errors ?? [],
    };
  }
  return out;
}

/** Connect, probe, close: a host key mismatch or a dead link is `reachable: false` with the reason. */
export async function probeClient(spec: ClientSpec, connect: ConnectOptions = {}, opts: ProbeOptions = {}): Promise<LiveState> {
  let session: HostSession;
  try {
    session = await connectSsh(spec.name, spec.server, connect);
  } catch (err) {
    return { client: spec.name, reachable: false, reason: errorMessage(err) };
  }
  try {
    return await probeLive(session, spec, opts);
  } finally {
    await session.close();
  }
}

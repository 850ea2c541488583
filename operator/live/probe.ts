/**
 * Reads one server's live state in one round trip: the host contract's probe (a constant
 * Python program, operator/host/probe.py) with its request on stdin. Read-only: it never
 * creates a container or pulls an image. Secret option values never come back: the probe
 * returns a digest keyed for this probe only, compared here with the desired value's.
 */
import { randomBytes } from 'node:crypto';
import type { ClientSpec, InstanceSpec } from '../desired/types.ts';
import { TIMEOUTS, type HostCommand } from '../host/command.ts';
import { probe, secretDigest } from '../host/commands.ts';
import { isSecretOption } from '../plan/diff.ts';
import { NO_SECRETS, type ResolvedSecrets } from '../reconcile/secrets.ts';
import { errorMessage } from '../util/errors.ts';
import type { ProvisionFacts } from '../provision/types.ts';
import type { HostSession, ConnectOptions } from './ssh.ts';
import { connectSsh, HostKeyMismatchError } from './ssh.ts';
import { SECRET_DIFFERS, SECRET_MATCHES, type LiveInstance, type LiveModule, type LiveState, type ModuleState, type HostFacts, type LiveAddonsRepo, type RestoreMarker } from './types.ts';

export interface ProbeOptions {
  /** Per remote command inside the probe; default TIMEOUTS.probeCommand. */
  commandTimeoutMs?: number;
  /** Which instances to read; default all of spec.instances. */
  instances?: string[];
  /** Resolved secrets: secret option values to compare, addons credentials for `git ls-remote`. */
  secrets?: ResolvedSecrets;
}

/** One instance of the probe's answer (operator/host/probe.py), as it comes. */
export interface RawInstance {
  present: boolean;
  image: string | null;
  imagePresent: boolean | null;
  imageDigest: string | null;
  running: boolean;
  runningImage?: string | null;
  odooVersion: string | null;
  modules: Record<string, [string, string | null]>;
  manifests: Record<string, string>;
  /** Per on-disk module: [files checksum at the commit apply checks out, checksum as last applied (or at HEAD)]. */
  checksums?: Record<string, [string, string | null]>;
  addons: Record<string, LiveAddonsRepo>;
  options: Record<string, string>;
  secretDigests: Record<string, string>;
  marker: RestoreMarker | null;
  errors: string[];
  provision?: ProvisionFacts;
}

/** The probe's answer (operator/host/probe.py), as it comes. */
export interface RawProbe {
  host: HostFacts;
  state: { instances?: Record<string, { revision?: string; at?: string; applied?: unknown }> } | null;
  instances: Record<string, RawInstance>;
}

const MODULE_STATES = new Set<ModuleState>(['installed', 'uninstalled', 'uninstallable', 'to install', 'to upgrade', 'to remove']);

function chosen(spec: ClientSpec, opts: ProbeOptions): InstanceSpec[] {
  return opts.instances ? spec.instances.filter((i) => opts.instances!.includes(i.name)) : spec.instances;
}

/** The probe of the chosen instances, secret options digested with `key`. */
export function probeCommand(spec: ClientSpec, opts: ProbeOptions, key: string): HostCommand {
  const secrets = opts.secrets ?? NO_SECRETS;
  const instances = chosen(spec, opts);
  return probe(
    instances.map((i) => ({
      name: i.name,
      database: i.database,
      series: i.series,
      options: Object.keys(i.options).filter((k) => !isSecretOption(i.options[k]!)),
      secretOptions: Object.keys(i.options).filter((k) => isSecretOption(i.options[k]!)),
      addons: i.addons.map((a) => {
        const credential = secrets.credentials[i.name]?.[a.name];
        return { name: a.name, url: a.url, ref: a.ref, ...(credential ? { credential } : {}) };
      }),
    })),
    { commandTimeoutMs: opts.commandTimeoutMs ?? TIMEOUTS.probeCommand, secretKey: key },
  );
}

/** Probe over an open session. Transport failures become `reachable: false`, never a throw. */
export async function probeLive(session: HostSession, spec: ClientSpec, opts: ProbeOptions = {}): Promise<LiveState> {
  const secrets = opts.secrets ?? NO_SECRETS;
  const key = randomBytes(32).toString('hex');
  const command = probeCommand(spec, opts, key);
  let raw: RawProbe;
  try {
    const res = await session.exec(command);
    if (res.code !== 0) {
      const why = res.stderr.trim().split('\n').slice(-1)[0] ?? '';
      return { client: spec.name, reachable: false, code: 'internal', reason: `live-state probe failed on ${session.label} (exit ${res.code}): ${why}` };
    }
    raw = JSON.parse(res.stdout) as RawProbe;
  } catch (err) {
    return { client: spec.name, reachable: false, code: 'unreachable', reason: errorMessage(err) };
  }
  return liveFromProbe(spec.name, raw, secrets, key);
}

/** The live state in a probe's answer (parsed JSON); `key` is the one the probe digested secret options with. */
export function liveFromProbe(client: string, raw: RawProbe, secrets: ResolvedSecrets, key: string): LiveState {
  return { client, reachable: true, host: raw.host, instances: toInstances(raw, secrets, key) };
}

function toInstances(raw: RawProbe, secrets: ResolvedSecrets, key: string): Record<string, LiveInstance> {
  const out: Record<string, LiveInstance> = {};
  for (const [name, r] of Object.entries(raw.instances)) {
    // Every module of the server's Odoo (hundreds per instance): a plain loop, one object each.
    const modules: Record<string, LiveModule> = {};
    const raws = r.modules ?? {};
    const manifests = r.manifests ?? {};
    const checksums = r.checksums ?? {};
    for (const m in raws) {
      const [state, version] = raws[m]!;
      const lm: LiveModule = { state: MODULE_STATES.has(state as ModuleState) ? (state as ModuleState) : 'uninstallable', installedVersion: version, manifestVersion: manifests[m] ?? null };
      const sums = checksums[m];
      if (sums) {
        lm.checksum = sums[0];
        lm.appliedChecksum = sums[1];
      }
      modules[m] = lm;
    }
    const options = { ...(r.options ?? {}) };
    // A secret option reads "(secret)" when the server holds the desired value, "(secret, differs)" otherwise.
    for (const [k, d] of Object.entries(r.secretDigests ?? {})) {
      const want = secrets.options[name]?.[k];
      options[k] = want !== undefined && secretDigest(key, want) === d ? SECRET_MATCHES : SECRET_DIFFERS;
    }
    const st = raw.state?.instances?.[name];
    out[name] = {
      name,
      present: r.present,
      image: r.image ?? null,
      imagePresent: r.imagePresent ?? null,
      imageDigest: r.imageDigest ?? null,
      running: r.running ?? false,
      runningImage: r.runningImage ?? null,
      odooVersion: r.odooVersion ?? null,
      modules,
      addons: r.addons ?? {},
      options,
      lastApplied: st?.revision && st.at ? { revision: st.revision, at: st.at, ...(st.applied !== undefined ? { applied: st.applied } : {}) } : null,
      marker: r.marker ?? null,
      errors: r.errors ?? [],
      ...(r.provision ? { provision: r.provision } : {}),
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
    return { client: spec.name, reachable: false, code: err instanceof HostKeyMismatchError ? 'host-key-mismatch' : 'unreachable', reason: errorMessage(err) };
  }
  try {
    return await probeLive(session, spec, opts);
  } finally {
    await session.close();
  }
}

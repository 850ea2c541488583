/**
 * Reinstalling a client onto a fresh server after a disaster (issue 8 item 5). Only the new
 * server is ever connected to (its host key pinned from the command line): the old one may
 * be gone, and must stay untouched if it is not.
 *
 *   1. refuse a server where an instance is already provisioned (use `odoops restore`);
 *   2. provision the instance layout from the product's renderers (operator/render/instance.ts:
 *      compose.yaml, .env, odoo.conf, addons/ and filestore/), start each database service;
 *   3. install the backup files (operator/render/backup.ts), so the server can read the
 *      destinations and keeps backing up once it serves;
 *   4. restore each instance's latest snapshot from the first destination that has one whose
 *      dump verifies (operator/backup/restore.ts: fetch, verify, swap, start, health check);
 *   5. reconcile the new server with the desired state (addons checkouts, options, revision
 *      recorded), update windows ignored: it serves nobody yet;
 *   6. propose the config change (server.host and server.hostKey) as a patch.
 */
import { newRunId, tryLock } from '../apply/lock.ts';
import type { ApplyResult } from '../apply/types.ts';
import type { ClientSpec, FleetSpec } from '../desired/types.ts';
import { installFiles } from '../host/backup.ts';
import { composeUp, guarded } from '../host/commands.ts';
import { probeLive } from '../live/probe.ts';
import { connectSsh, type ConnectOptions, type HostSession } from '../live/ssh.ts';
import { reconcile } from '../reconcile/index.ts';
import { resolveClientSecrets } from '../reconcile/secrets.ts';
import { newDbPassword } from '../secrets/db-password.ts';
import { instanceDirectories, renderInstance } from '../render/instance.ts';
import { redact, resolveSecret } from '../secrets/index.ts';
import { OdoopsError } from '../util/errors.ts';
import { ensureBackupFiles } from './files.ts';
import { restoreInstance, type RestoreResult } from './restore.ts';
import { resolveBackupSecrets } from './secrets.ts';

export interface ReinstallRequest {
  spec: ClientSpec;
  fleet: FleetSpec;
  /** The desired state's revision (recorded on the new server by the final reconcile). */
  revision: string;
  host: string;
  hostKey: string;
  ssh?: ConnectOptions;
  env?: NodeJS.ProcessEnv;
  healthTimeoutMs?: number;
  onStep?: (label: string) => void;
}

export interface ReinstallResult {
  client: string;
  host: string;
  hostKey: string;
  restored: RestoreResult[];
  /** The reconcile of the new server after the restores (addons, options, revision). */
  apply: ApplyResult | null;
}

export class ReinstallError extends OdoopsError {
  constructor(readonly code: 'not-fresh' | 'locked' | 'unreachable' | 'provision-failed' | 'apply-failed', message: string) {
    super(message);
    this.name = 'ReinstallError';
  }
}

/** The desired state of the client, on the new server. */
export function onNewServer(spec: ClientSpec, host: string, hostKey: string): ClientSpec {
  return { ...spec, server: { ...spec.server, host, hostKey } };
}

async function provision(session: HostSession, spec: ClientSpec, runId: string, env: NodeJS.ProcessEnv): Promise<void> {
  // Secret odoo.conf options, resolved here and sent on stdin inside the install request.
  const secrets = new Map<string, string>();
  for (const inst of spec.instances) {
    for (const [key, v] of Object.entries(inst.options)) {
      if (typeof v === 'object' && v !== null && 'secret' in v) secrets.set(v.secret, resolveSecret(v.secret, { env, where: `clients/${spec.name}: instances.${inst.name}.options.${key}` }));
    }
  }
  // A new database password per instance (the server is fresh): on stdin only, redacted below.
  const passwords = spec.instances.map(() => newDbPassword());
  const res = await session.exec(guarded(installFiles({
    files: spec.instances.flatMap((inst, i) => renderInstance(inst, passwords[i]!, secrets)).map((f) => ({ path: f.path, content: f.content, mode: f.mode, ...(f.owner ? { owner: f.owner } : {}) })),
    dirs: spec.instances.flatMap((inst) => instanceDirectories(inst)),
    remove: [],
    label: `provision the instances of ${spec.name}`,
  }), runId));
  if (res.code !== 0) throw new ReinstallError('provision-failed', `${res.label}: ${redact(res.stderr.trim().split('\n').pop() ?? `exit ${res.code}`, [...secrets.values(), ...passwords])}`);
  for (const inst of spec.instances) {
    const up = await session.exec(guarded(composeUp(inst.name, 'db'), runId));
    if (up.code !== 0) throw new ReinstallError('provision-failed', `${up.label}: ${up.stderr.trim().split('\n').pop() ?? `exit ${up.code}`}`);
  }
}

export async function reinstall(req: ReinstallRequest): Promise<ReinstallResult> {
  const env = req.env ?? process.env;
  const step = req.onStep ?? (() => undefined);
  const spec = onNewServer(req.spec, req.host, req.hostKey);
  const backupSecrets = resolveBackupSecrets(spec, env);
  step(`connect to ${req.host} (host key ${req.hostKey})`);
  const session = await connectSsh(spec.name, spec.server, req.ssh);
  const restored: RestoreResult[] = [];
  try {
    const live = await probeLive(session, spec, { secrets: resolveClientSecrets(spec, env) });
    if (!live.reachable) throw new ReinstallError('unreachable', `${req.host}: ${live.reason}`);
    const present = Object.values(live.instances).filter((i) => i.present).map((i) => i.name);
    if (present.length) {
      throw new ReinstallError('not-fresh', `${req.host} is not a fresh server: ${present.join(', ')} already provisioned there (restore onto it with odoops restore)`);
    }
    const runId = newRunId();
    const lock = await tryLock(session, spec.name, { runId, command: 'reinstall', now: new Date() });
    if (!lock.acquired) throw new ReinstallError(lock.reason.code === 'locked' ? 'locked' : 'unreachable', lock.reason.message);
    try {
      step('provision the instances');
      await provision(session, spec, runId, env);
      step('install the backup files');
      await ensureBackupFiles(session, spec, req.fleet, { runId, env, ...(req.ssh ? { ssh: req.ssh } : {}) });
      // Production last, like applies: test serves first and proves the path.
      for (const inst of spec.instances) {
        step(`restore ${inst.name} from its latest snapshot`);
        restored.push(await restoreInstance(session, {
          spec, from: inst.name, into: inst.name, snapshot: 'latest', lockHeldBy: runId,
          secrets: resolveClientSecrets(spec, env), redactValues: backupSecrets.values, onStep: (l) => step(`  ${l}`),
          ...(req.healthTimeoutMs ? { healthTimeoutMs: req.healthTimeoutMs } : {}),
        }));
      }
    } finally {
      await lock.release();
    }
  } finally {
    await session.close();
  }
  step('reconcile the new server with the desired state');
  const outcome = await reconcile(spec, req.revision, { mode: 'apply', ignoreWindows: true, env, fleet: req.fleet, ...(req.ssh ? { ssh: req.ssh } : {}), ...(req.healthTimeoutMs ? { healthTimeoutMs: req.healthTimeoutMs } : {}) });
  const apply = outcome.apply ?? null;
  if (apply?.error) throw new ReinstallError('apply-failed', `the instances are restored, but reconciling ${req.host} failed: ${apply.error.message}`);
  const bad = apply?.instances.filter((i) => i.outcome === 'failed' || i.outcome === 'rolled-back' || i.outcome === 'blocked') ?? [];
  if (bad.length) {
    throw new ReinstallError('apply-failed', `the instances are restored, but reconciling ${req.host} did not converge: ${bad.map((i) => `${i.instance} ${i.outcome}${i.detail ? ` (${i.detail})` : ''}`).join('; ')}`);
  }
  return { client: spec.name, host: req.host, hostKey: req.hostKey, restored, apply };
}

/**
 * Reading the fleet's status: per client the probe and plan (as `odoops plan` does, read-only),
 * then on a second short connection the OS state and the journal's last lines. A server that
 * cannot be read is a row that says so.
 */
import type { ClientSpec, DesiredState, FleetSpec } from '../desired/types.ts';
import { readBackupStatus } from '../backup/run.ts';
import { journalTail } from '../host/maintenance.ts';
import { connectSsh, type ConnectOptions } from '../live/ssh.ts';
import { readOsState } from '../maintain/os-state.ts';
import type { OsState } from '../maintain/types.ts';
import { reconcile } from '../reconcile/index.ts';
import { errorMessage } from '../util/errors.ts';
import type { BackupReading } from './backups.ts';
import { buildClientStatus } from './build.ts';
import { parseJournal, runsOf } from './runs.ts';
import type { ClientStatus, FleetStatus, RunRecord } from './types.ts';

export interface CollectOptions {
  ssh?: ConnectOptions;
  now?: () => Date;
  /** Servers read at once (default 8). */
  concurrency?: number;
  env?: NodeJS.ProcessEnv;
}

/** Journal lines read per server: enough for the recent runs. */
const JOURNAL_LINES = 400;

export async function collectClientStatus(spec: ClientSpec, revision: string, opts: CollectOptions = {}, fleet?: FleetSpec): Promise<ClientStatus> {
  const now = opts.now ?? (() => new Date());
  const outcome = await reconcile(spec, revision, { mode: 'plan', now, ...(fleet ? { fleet } : {}), ...(opts.ssh ? { ssh: opts.ssh } : {}), ...(opts.env ? { env: opts.env } : {}) });
  let os: OsState | null = null;
  let runs: RunRecord[] = [];
  let backups: BackupReading | undefined;
  const errors: string[] = [];
  if (outcome.live.reachable) {
    try {
      const session = await connectSsh(spec.name, spec.server, opts.ssh);
      try {
        os = await readOsState(session, spec).catch((err) => {
          errors.push(errorMessage(err));
          return null;
        });
        if (spec.backups) {
          backups = await readBackupStatus(session).then(
            (status): BackupReading => ({ read: true, status }),
            (err): BackupReading => ({ read: false, reason: `cannot read the backup status: ${errorMessage(err)}` }),
          );
        }
        const journal = await session.exec(journalTail(JOURNAL_LINES));
        // No journal yet (exit 1 from tail): no runs.
        if (journal.code === 0) runs = runsOf(parseJournal(journal.stdout));
      } finally {
        await session.close();
      }
    } catch (err) {
      errors.push(errorMessage(err));
    }
  }
  return buildClientStatus({ spec, live: outcome.live, plan: outcome.plan, os, ...(backups ? { backups } : {}), runs, now: now(), errors });
}

/** With `fleet`, the files odoops keeps on each server count in its drift. */
export async function collectFleetStatus(desired: Pick<DesiredState, 'clients' | 'revision'> & { fleet?: FleetSpec }, opts: CollectOptions = {}): Promise<FleetStatus> {
  const now = opts.now ?? (() => new Date());
  const clients = desired.clients;
  const out: ClientStatus[] = new Array(clients.length);
  let next = 0;
  const worker = async () => {
    while (next < clients.length) {
      const i = next++;
      out[i] = await collectClientStatus(clients[i]!, desired.revision, opts, desired.fleet);
    }
  };
  await Promise.all(Array.from({ length: Math.min(opts.concurrency ?? 8, clients.length) }, worker));
  return { generatedAt: now().toISOString(), revision: desired.revision, clients: out };
}

/**
 * odoops resolve CLIENT INSTANCE: clear the "needs manual restore" marker a failed rollback
 * left, once a person has restored the instance by hand. Takes the server lock; exit 0 when
 * a marker was cleared, 1 otherwise (no marker, server locked or unreachable).
 */
import type { Command } from 'commander';
import { loadDesiredState } from '../desired/load.ts';
import { resolveMarker } from '../apply/marker.ts';
import { connectSsh } from '../live/ssh.ts';
import { OdoopsError, UsageError } from '../util/errors.ts';
import { positiveNumber } from './fleet.ts';
import { unknownClientMessage } from '../desired/unknown-client.ts';
import { unknownInstanceMessage } from '../runners/target.ts';

interface ResolveOptions {
  repo?: string;
  rev?: string;
  sshKey?: string;
  connectTimeout: string;
  lockTimeout: string;
  json?: boolean;
}

export function register(program: Command): void {
  program
    .command('resolve')
    .description('clear the "needs manual restore" marker of an instance after restoring it by hand')
    .argument('<client>', 'client name')
    .argument('<instance>', 'instance name (e.g. production)')
    .option('--repo <path|url>', 'config repo: local path or git URL (default: current directory)')
    .option('--rev <rev>', 'branch, tag or commit to read (default: HEAD)')
    .option('--ssh-key <path>', 'private key for SSH (default: $ODOOPS_SSH_KEY, then ~/.ssh/id_ed25519)')
    .option('--connect-timeout <seconds>', 'SSH connection timeout', '10')
    .option('--lock-timeout <seconds>', 'wait this long for a server locked by another run', '0')
    .option('--json', 'print the result as JSON')
    .action(async (client: string, instance: string, opts: ResolveOptions) => {
      const desired = await loadDesiredState({ repo: opts.repo, rev: opts.rev });
      const spec = desired.clients.find((c) => c.name === client);
      if (!spec) throw new UsageError(unknownClientMessage([client], desired.clients.map((c) => c.name)));
      if (!spec.instances.some((i) => i.name === instance)) {
        throw new UsageError(unknownInstanceMessage(spec, instance));
      }
      const readyTimeoutMs = positiveNumber(opts.connectTimeout, '--connect-timeout') * 1000;
      const lockWaitMs = opts.lockTimeout === '0' ? 0 : positiveNumber(opts.lockTimeout, '--lock-timeout') * 1000;
      const session = await connectSsh(client, spec.server, { readyTimeoutMs, ...(opts.sshKey ? { privateKeyPath: opts.sshKey } : {}) });
      try {
        const res = await resolveMarker(session, client, instance, { lockWaitMs });
        if (opts.json) process.stdout.write(`${JSON.stringify({ client, instance, ...res }, null, 2)}\n`);
        if (!res.cleared) {
          if (opts.json) process.exitCode = 1;
          else throw new OdoopsError(res.reason.message);
          return;
        }
        if (!opts.json) {
          const snap = res.marker?.snapshot ? ` (its snapshot ${res.marker.snapshot} is no longer pinned)` : '';
          process.stdout.write(`cleared the needs-manual-restore marker of ${client}/${instance}${snap}\n`);
        }
      } finally {
        await session.close();
      }
    });
}

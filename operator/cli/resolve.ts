/**
 * odoops resolve CLIENT INSTANCE: clear the marker that blocks an instance once a person has
 * dealt with it, under the server lock:
 * - a provisioning marker (failed or refused, operator/provision/types.ts) is shown with
 *   what it says and what clearing it means, and cleared only with --yes;
 * - otherwise the "needs manual restore" marker a failed rollback left (the instance restored
 *   by hand).
 * Exit 0 when a marker was cleared, 1 otherwise (nothing cleared: no marker, not confirmed,
 * in progress, server locked or unreachable).
 */
import type { Command } from 'commander';
import { resolveMarker, resolveProvisionMarker } from '../apply/marker.ts';
import { instanceDir } from '../host/paths.ts';
import type { ProvisionMarker } from '../provision/types.ts';
import { OdoopsError, UsageError } from '../util/errors.ts';
import { addClientOptions, connectClient, loadClient, type ClientCommandOptions } from './client-session.ts';
import { lockTimeoutMs } from './flags.ts';
import { unknownInstanceMessage } from '../runners/target.ts';

interface ResolveOptions extends ClientCommandOptions {
  lockTimeout: string;
  yes?: boolean;
}

/** What a provisioning marker says, and what clearing it does (for the person deciding). */
export function describeProvisionMarker(target: string, m: ProvisionMarker, path: string, layout: string[], instanceDir: string): string[] {
  const lines = [
    `${target}: provisioning ${m.status} at ${m.step} (run ${m.runId}, revision ${m.revision.slice(0, 12)}, ${m.at})${m.message ? `: ${m.message}` : ''}`,
  ];
  if (m.exists?.length) lines.push(`  exists on the server: ${m.exists.join('; ')}`);
  if (m.database) lines.push(`  database: ${m.database === 'created' ? 'created by odoops' : 'being created by odoops'}`);
  lines.push(`  marker: ${path}`);
  if (m.status !== 'failed' && m.status !== 'refused') {
    lines.push('  in progress: a run is provisioning it, or the next apply continues where a dead run stopped; it cannot be cleared');
    return lines;
  }
  if (m.status === 'failed') lines.push('  the next apply continues provisioning from there without clearing anything');
  lines.push('  clearing it makes the next apply start provisioning afresh, checking again for data odoops did not create (and refusing again while it is there)');
  if (layout.length) {
    lines.push(
      `  the layout odoops wrote is still there (${layout.join(', ')} in ${instanceDir}): without the marker the instance would pass for provisioned,` +
        ' so it is cleared only once those files are gone (save .env first if the database it names is to be kept)',
    );
  }
  return lines;
}

export function register(program: Command): void {
  addClientOptions(
    program
      .command('resolve')
      .description('clear the marker blocking an instance: provisioning failed/refused (with --yes), or "needs manual restore" after restoring it by hand')
      .argument('<client>', 'client name')
      .argument('<instance>', 'instance name (e.g. production)')
      .option('--lock-timeout <seconds>', 'wait this long for a server locked by another run', '0')
      .option('--yes', 'clear a provisioning marker (failed or refused) after reading what it says'),
  ).action(async (client: string, instance: string, opts: ResolveOptions) => {
    const { spec } = await loadClient(opts, client);
    if (!spec.instances.some((i) => i.name === instance)) {
      throw new UsageError(unknownInstanceMessage(spec, instance));
    }
    const lockWaitMs = lockTimeoutMs(opts.lockTimeout);
    const session = await connectClient(opts, client, spec.server);
    try {
      const target = `${client}/${instance}`;
      const prov = await resolveProvisionMarker(session, client, instance, { confirm: opts.yes === true, lockWaitMs });
      if (prov.kind === 'failed') throw new OdoopsError(prov.reason.message);
      if (prov.kind !== 'none') {
        if (opts.json) process.stdout.write(`${JSON.stringify({ client, instance, provisioning: prov }, null, 2)}\n`);
        else {
          const lines = describeProvisionMarker(target, prov.marker, prov.path, prov.layout, instanceDir(instance));
          if (prov.kind === 'cleared') process.stdout.write(`cleared the provisioning marker of ${target}; it said:\n${lines.join('\n')}\n`);
          else {
            const next = prov.kind === 'shown' ? 'nothing changed: run again with --yes to clear it' : prov.kind === 'layout-present' ? 'nothing changed: the layout files are still there' : 'nothing changed';
            process.stderr.write(`${lines.join('\n')}\n${next}\n`);
          }
        }
        if (prov.kind !== 'cleared') process.exitCode = 1;
        return;
      }
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

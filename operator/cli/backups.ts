/**
 * odoops backups CLIENT [--json]: every destination's snapshots of a client (time, instance,
 * revision tag, size, age) and the backup health the server's status says (newest snapshot
 * per destination and instance, last restic check). Exit 1 when a destination cannot be read.
 */
import type { Command } from 'commander';
import { backupHealth } from '../backup/health.ts';
import { listSnapshots, readBackupStatus, tagValue } from '../backup/run.ts';
import { UsageError } from '../util/errors.ts';
import { addClientOptions, connectClient, formatAge, formatBytes, loadClient, type ClientCommandOptions } from './client-session.ts';

export function register(program: Command): void {
  addClientOptions(
    program
      .command('backups')
      .description("list a client's backup snapshots on every destination, with their health")
      .argument('<client>', 'client name'),
  ).action(async (client: string, opts: ClientCommandOptions) => {
    const { spec } = await loadClient(opts, client);
    if (!spec.backups) throw new UsageError(`${client} has no backups declared`);
    const session = await connectClient(opts, client, spec.server);
    try {
      const [snapshots, status] = [await listSnapshots(session), await readBackupStatus(session)];
      const now = new Date();
      const health = backupHealth(spec, status, now);
      const rows = Object.fromEntries(Object.entries(snapshots).map(([dest, d]) => [dest, d.ok
        ? { ok: true, snapshots: d.snapshots.map((s) => ({
            id: s.id, time: s.time, instance: tagValue(s.tags, 'instance'), revision: tagValue(s.tags, 'revision'), size: s.size,
            ageMs: now.getTime() - Date.parse(s.time),
          })).sort((a, b) => (a.time < b.time ? 1 : -1)) }
        : d]));
      if (opts.json) process.stdout.write(`${JSON.stringify({ client, destinations: rows, health }, null, 2)}\n`);
      else {
        for (const [dest, d] of Object.entries(rows)) {
          process.stdout.write(`${dest}:\n`);
          if (!('snapshots' in d)) {
            process.stdout.write(`  cannot list: ${(d as { error: string }).error}\n`);
            continue;
          }
          if (!d.snapshots.length) process.stdout.write('  no snapshots\n');
          for (const s of d.snapshots) {
            process.stdout.write(`  ${s.id.slice(0, 8)}  ${s.time.slice(0, 19).replace('T', ' ')}  ${(s.instance ?? '?').padEnd(12)} rev ${(s.revision ?? '?').slice(0, 12).padEnd(12)}  ${formatBytes(s.size).padStart(10)}  ${formatAge(s.ageMs)} ago\n`);
          }
        }
        process.stdout.write(`health: ${health.state}${health.destinations.flatMap((d) => d.problems).map((p) => `\n  ${p}`).join('')}\n`);
      }
      if (Object.values(snapshots).some((d) => !d.ok)) process.exitCode = 1;
    } finally {
      await session.close();
    }
  });
}

/**
 * odoops backup CLIENT [--instance I]: a backup now, to every destination, as the schedule
 * runs it (the installed program). The backup files are installed first when the server's
 * differ from the desired state. Exit 0 when every destination has the new snapshots, 1
 * when one or more failed (degraded: the others have them) or the backup failed.
 */
import type { Command } from 'commander';
import { newRunId, tryLock } from '../apply/lock.ts';
import { ensureBackupFiles } from '../backup/files.ts';
import { runBackup } from '../backup/run.ts';
import { resolveBackupSecrets } from '../backup/secrets.ts';
import { redact } from '../secrets/index.ts';
import { OdoopsError, UsageError } from '../util/errors.ts';
import { addClientOptions, connectClient, formatBytes, loadClient, type ClientCommandOptions } from './client-session.ts';

export function register(program: Command): void {
  addClientOptions(
    program
      .command('backup')
      .description('back up a client now (database dump + filestore, restic, every destination)')
      .argument('<client>', 'client name')
      .option('--instance <name>', 'only this instance'),
  ).action(async (client: string, opts: ClientCommandOptions & { instance?: string }) => {
    const { spec, desired } = await loadClient(opts, client);
    if (!spec.backups) throw new UsageError(`${client} has no backups declared (clients/${client}.yaml backups or fleet.yaml defaults.backups)`);
    if (opts.instance && !spec.instances.some((i) => i.name === opts.instance)) {
      throw new UsageError(`unknown instance "${opts.instance}" of ${client} (known: ${spec.instances.map((i) => i.name).join(', ')})`);
    }
    const secrets = resolveBackupSecrets(spec);
    const say = (line: string) => {
      if (!opts.json) process.stdout.write(`${redact(line, secrets.values)}\n`);
    };
    const session = await connectClient(opts, client, spec.server);
    try {
      // The files first (a managed-files unit), under the server lock: the backup runs as desired now.
      const runId = newRunId();
      const lock = await tryLock(session, client, { runId, command: 'backup', now: new Date() });
      if (!lock.acquired) throw new OdoopsError(lock.reason.message);
      try {
        const written = await ensureBackupFiles(session, spec, desired.fleet, { runId });
        if (written.length) say(`installed the backup files: ${written.join(', ')}`);
      } finally {
        await lock.release();
      }
      say(`backing up ${client}${opts.instance ? `/${opts.instance}` : ''} to ${spec.backups.destinations.map((d) => d.name).join(', ')}`);
      const result = await runBackup(session, opts.instance);
      if (opts.json) process.stdout.write(`${redact(JSON.stringify(result, null, 2), secrets.values)}\n`);
      else {
        for (const p of result.progress) say(`  ${p}`);
        for (const [name, d] of Object.entries(result.destinations)) {
          const snaps = Object.entries(d.snapshots).map(([i, s]) => `${i} ${s.id?.slice(0, 8) ?? '?'} (${formatBytes(s.size)})`).join(', ');
          say(`${d.ok ? 'ok    ' : 'FAILED'} ${name}${snaps ? `: ${snaps}` : ''}${d.ok ? '' : `: ${d.error ?? d.code}`}`);
        }
        for (const [name, i] of Object.entries(result.instances)) if (!i.ok) say(`FAILED ${name}: ${i.error ?? 'no destination has it'}`);
        say(result.outcome === 'ok' ? 'backup complete on every destination' : result.outcome === 'degraded' ? 'DEGRADED: the backup is on some destinations only' : 'backup FAILED');
      }
      if (result.outcome !== 'ok') process.exitCode = 1;
    } finally {
      await session.close();
    }
  });
}

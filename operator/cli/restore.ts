/**
 * odoops restore CLIENT --instance I [--snapshot ID|latest] [--from DEST] [--into INSTANCE] [--yes]:
 * restore an instance from an off-site backup (operator/backup/restore.ts: fetched and
 * verified first, safety copy of what it replaces, the rollback's swap). `--into test`
 * loads I's snapshot into the test instance and neutralizes it. Asks for confirmation on a
 * terminal unless --yes; refuses to run unattended without --yes.
 */
import type { Command } from 'commander';
import { createInterface } from 'node:readline/promises';
import { restoreInstance, type RestoreResult } from '../backup/restore.ts';
import { resolveBackupSecrets } from '../backup/secrets.ts';
import { resolveClientSecrets } from '../reconcile/secrets.ts';
import { OdoopsError, UsageError } from '../util/errors.ts';
import { addClientOptions, connectClient, loadClient, type ClientCommandOptions } from './client-session.ts';
import { lockTimeoutMs, positiveNumber } from './flags.ts';

interface RestoreOptions extends ClientCommandOptions {
  instance: string;
  snapshot: string;
  from?: string;
  into?: string;
  yes?: boolean;
  lockTimeout: string;
  healthTimeout: string;
}

async function confirm(question: string): Promise<boolean> {
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    return /^y(es)?$/i.test((await rl.question(`${question} [y/N] `)).trim());
  } finally {
    rl.close();
  }
}

export function describeRestore(r: RestoreResult): string {
  const when = `${r.fetched.time.slice(0, 19).replace('T', ' ')} UTC`;
  const lines = [
    r.neutralized
      ? `${r.client}/${r.instance} is now a neutralized copy of ${r.from} at snapshot ${r.fetched.snapshot.slice(0, 8)} (${when}, from ${r.fetched.destination}): mail servers and scheduled actions are off`
      : `${r.client}/${r.instance} restored from snapshot ${r.fetched.snapshot.slice(0, 8)} (${when}, from ${r.fetched.destination}; dump verified, ${r.fetched.entries} entries)`,
    r.wasAbsent ? `  the database did not exist before: nothing was replaced (safety copy ${r.safetyCopy})` : `  what it replaced is kept in the safety copy ${r.safetyCopy}`,
    ...r.passedOver.map((p) => `  passed over ${p.destination}: ${p.error}`),
  ];
  return `${lines.join('\n')}\n`;
}

export function register(program: Command): void {
  addClientOptions(
    program
      .command('restore')
      .description('restore an instance from an off-site backup (safety copy first; --into test for a neutralized copy)')
      .argument('<client>', 'client name')
      .requiredOption('--instance <name>', 'the instance whose backup is restored (e.g. production)')
      .option('--snapshot <id>', 'snapshot ID (or prefix), or latest', 'latest')
      .option('--from <destination>', 'only this backup destination (default: the first that has the snapshot)')
      .option('--into <instance>', 'restore into this instance instead (e.g. test): a neutralized copy')
      .option('--yes', 'do not ask for confirmation')
      .option('--lock-timeout <seconds>', 'wait this long for a server locked by another run', '0')
      .option('--health-timeout <seconds>', 'how long the restored instance may take to answer /web/health', '120'),
  ).action(async (client: string, opts: RestoreOptions) => {
    const { spec } = await loadClient(opts, client);
    if (!spec.backups) throw new UsageError(`${client} has no backups declared`);
    const into = opts.into ?? opts.instance;
    for (const n of [opts.instance, into]) {
      if (!spec.instances.some((i) => i.name === n)) throw new UsageError(`unknown instance "${n}" of ${client} (known: ${spec.instances.map((i) => i.name).join(', ')})`);
    }
    const what = into === opts.instance
      ? `replace the database and filestore of ${client}/${into} with snapshot ${opts.snapshot}`
      : `replace the database and filestore of ${client}/${into} with a neutralized copy of ${opts.instance} at snapshot ${opts.snapshot}`;
    if (!opts.yes) {
      if (!process.stdin.isTTY) throw new UsageError(`restore would ${what}: confirm with --yes when not run from a terminal`);
      if (!(await confirm(`This will ${what} (a safety copy is taken first). Continue?`))) throw new OdoopsError('restore cancelled: nothing was changed');
    }
    const backupSecrets = resolveBackupSecrets(spec);
    const session = await connectClient(opts, client, spec.server);
    try {
      const result = await restoreInstance(session, {
        spec, from: opts.instance, into, snapshot: opts.snapshot, ...(opts.from ? { destination: opts.from } : {}),
        lockWaitMs: lockTimeoutMs(opts.lockTimeout),
        healthTimeoutMs: positiveNumber(opts.healthTimeout, '--health-timeout') * 1000,
        secrets: resolveClientSecrets(spec), redactValues: backupSecrets.values,
        onStep: (label) => { if (!opts.json) process.stderr.write(`  ${label}\n`); },
      });
      process.stdout.write(opts.json ? `${JSON.stringify(result, null, 2)}\n` : describeRestore(result));
    } finally {
      await session.close();
    }
  });
}

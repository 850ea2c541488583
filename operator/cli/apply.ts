/**
 * odoops apply: take every selected server to the desired state where its update window
 * is open (the rest wait, with their next opening). Exit 1 when any server or instance
 * failed, was rolled back, or could not be reached; else 0.
 */
import { Option, type Command } from 'commander';
import { renderApplyText, toJson } from '../report/index.ts';
import type { ApplyResult } from '../apply/types.ts';
import { addFleetOptions, positiveNumber, runFleet, type FleetCommandOptions } from './fleet.ts';

export function register(program: Command): void {
  addFleetOptions(
    program.command('apply').description('apply the desired state to servers whose update window is open'),
  )
    .option('--ignore-windows', 'apply outside update windows where the windows allow a manual override')
    .addOption(new Option('--lock-timeout <seconds>', 'wait this long for a server locked by another run').default('0'))
    .action(async (opts: FleetCommandOptions & { ignoreWindows?: boolean; lockTimeout: string }) => {
      const lockWaitMs = opts.lockTimeout === '0' ? 0 : positiveNumber(opts.lockTimeout, '--lock-timeout') * 1000;
      const { revision, outcomes } = await runFleet(opts, 'apply', { ignoreWindows: !!opts.ignoreWindows, lockWaitMs });
      // A client with nothing to do still appears, as unchanged.
      const results: ApplyResult[] = outcomes.map(
        (o) =>
          o.apply ?? {
            client: o.client,
            revision,
            instances: o.plan.instances.map((i) => ({ instance: i.instance, outcome: 'unchanged' as const, actions: [] })),
            durationMs: o.durationMs,
          },
      );
      process.stdout.write(opts.json ? `${toJson(results, { indent: 2 })}\n` : renderApplyText(results, { color: !!process.stdout.isTTY }));
      const bad = results.some((r) => r.error || r.instances.some((i) => i.outcome === 'failed' || i.outcome === 'rolled-back'));
      process.exitCode = bad ? 1 : 0;
    });
}

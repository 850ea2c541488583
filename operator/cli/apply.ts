/**
 * odoops apply: take every selected server to the desired state where its update window
 * is open (the rest wait, with their next opening). Exit 1 when a server could not be worked
 * on (unreachable, locked, host key) or an instance failed, was rolled back or is blocked;
 * else 0. The exit code comes from outcomes and reason codes (the apply runner), never text.
 */
import { Option, type Command } from 'commander';
import { renderApplyText, toJson } from '../report/index.ts';
import { monitoringText } from '../report/managed.ts';
import { runApply } from '../runners/index.ts';
import { addFleetOptions, positiveNumber, withFleet, type FleetCommandOptions } from './fleet.ts';

export function register(program: Command): void {
  addFleetOptions(
    program.command('apply').description('apply the desired state to servers whose update window is open'),
  )
    .option('--ignore-windows', 'apply outside update windows where the windows allow a manual override')
    .addOption(new Option('--lock-timeout <seconds>', 'wait this long for a server locked by another run').default('0'))
    .action(async (opts: FleetCommandOptions & { ignoreWindows?: boolean; lockTimeout: string }) => {
      const lockWaitMs = opts.lockTimeout === '0' ? 0 : positiveNumber(opts.lockTimeout, '--lock-timeout') * 1000;
      const run = await withFleet(opts, 'apply', (target, settings) => runApply(target, { ...settings, ignoreWindows: !!opts.ignoreWindows, lockWaitMs }));
      const { applies: results, monitoring } = run;
      process.stdout.write(opts.json ? `${toJson(monitoring ? { results, monitoring } : results, { indent: 2 })}\n` : renderApplyText(results, { color: !!process.stdout.isTTY }) + monitoringText(monitoring, 'apply', !!process.stdout.isTTY));
      process.exitCode = run.exitCode;
    });
}

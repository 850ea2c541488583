/**
 * odoops drift: live state vs desired state at the current revision for every client.
 * Reports only, changes nothing. --detailed-exitcode: 0 none, 1 error, 2 drift.
 */
import type { Command } from 'commander';
import { renderDriftText, toJson } from '../report/index.ts';
import { monitoringText } from '../report/managed.ts';
import { runDrift } from '../runners/index.ts';
import { addFleetOptions, withFleet, type FleetCommandOptions } from './fleet.ts';

export function register(program: Command): void {
  addFleetOptions(
    program.command('drift').description('report where servers differ from the desired state (changes nothing)'),
  )
    .option('--detailed-exitcode', 'exit 0 no drift, 1 error, 2 drift found')
    .action(async (opts: FleetCommandOptions & { detailedExitcode?: boolean }) => {
      const { report, exitCode, monitoring } = await withFleet(opts, 'plan', runDrift);
      process.stdout.write(opts.json ? `${toJson(monitoring ? { ...report, monitoring } : report, { indent: 2 })}\n` : renderDriftText(report, { color: !!process.stdout.isTTY }) + monitoringText(monitoring, 'drift', !!process.stdout.isTTY));
      process.exitCode = opts.detailedExitcode ? exitCode : exitCode === 1 ? 1 : 0;
    });
}

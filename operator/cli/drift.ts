/**
 * odoops drift: live state vs desired state at the current revision for every client.
 * Reports only, changes nothing. --detailed-exitcode: 0 none, 1 error, 2 drift.
 */
import type { Command } from 'commander';
import { driftExitCode, driftOf } from '../plan/plan.ts';
import { renderDriftText, toJson } from '../report/index.ts';
import { addFleetOptions, runFleet, type FleetCommandOptions } from './fleet.ts';

export function register(program: Command): void {
  addFleetOptions(
    program.command('drift').description('report where servers differ from the desired state (changes nothing)'),
  )
    .option('--detailed-exitcode', 'exit 0 no drift, 1 error, 2 drift found')
    .action(async (opts: FleetCommandOptions & { detailedExitcode?: boolean }) => {
      const { outcomes } = await runFleet(opts, 'plan');
      const report = driftOf(outcomes.map((o) => o.plan));
      process.stdout.write(opts.json ? `${toJson(report, { indent: 2 })}\n` : renderDriftText(report, { color: !!process.stdout.isTTY }));
      const code = driftExitCode(report);
      process.exitCode = opts.detailedExitcode ? code : code === 1 ? 1 : 0;
    });
}

/**
 * odoops plan: per client and instance, what would change, why, and the update window.
 * Exit codes like `terraform plan`: 0 ok, 1 error; with --detailed-exitcode 0 no changes,
 * 1 error (including a server that could not be read), 2 changes pending.
 */
import type { Command } from 'commander';
import { renderPlanText, toJson } from '../report/index.ts';
import { monitoringText } from '../report/managed.ts';
import { runPlan } from '../runners/index.ts';
import { addFleetOptions, withFleet, type FleetCommandOptions } from './fleet.ts';

export function register(program: Command): void {
  addFleetOptions(
    program.command('plan').description('show what would change on each server to match the desired state'),
  )
    .option('--detailed-exitcode', 'exit 0 no changes, 1 error, 2 changes pending')
    .action(async (opts: FleetCommandOptions & { detailedExitcode?: boolean }) => {
      const run = await withFleet(opts, 'plan', runPlan);
      const { plans, monitoring } = run;
      process.stdout.write(opts.json ? `${toJson(monitoring ? { plans, monitoring } : plans, { indent: 2 })}\n` : renderPlanText(plans, { color: !!process.stdout.isTTY }) + monitoringText(monitoring, 'plan', !!process.stdout.isTTY));
      process.exitCode = opts.detailedExitcode ? run.exitCode : run.exitCode === 1 ? 1 : 0;
    });
}

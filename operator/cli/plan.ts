/**
 * odoops plan: per client and instance, what would change, why, and the update window.
 * Exit codes like `terraform plan`: 0 ok, 1 error; with --detailed-exitcode 0 no changes,
 * 1 error (including a server that could not be read), 2 changes pending.
 */
import type { Command } from 'commander';
import { parseMrNumber, postPlanComment } from '../ci/plan-comment.ts';
import { planJson, renderPlanText, toJson } from '../report/index.ts';
import { cliClock } from './clock.ts';
import { monitoringText } from '../report/managed.ts';
import { runPlan } from '../runners/index.ts';
import { addFleetOptions, withFleet, type FleetCommandOptions } from './fleet.ts';

export function register(program: Command): void {
  addFleetOptions(
    program.command('plan').description('show what would change on each server to match the desired state'),
  )
    .option('--detailed-exitcode', 'exit 0 no changes, 1 error, 2 changes pending')
    .option('--comment-mr <number>', 'also post the plan as the sticky comment of this merge request (fleet.yaml operator.forge; CI: "$CI_MERGE_REQUEST_IID")')
    .action(async (opts: FleetCommandOptions & { detailedExitcode?: boolean; commentMr?: string }) => {
      const mr = opts.commentMr === undefined ? undefined : parseMrNumber(opts.commentMr);
      const run = await withFleet(opts, 'plan', runPlan);
      const at = cliClock(process.env, () => {})();
      const { plans, monitoring } = run;
      process.stdout.write(opts.json ? `${toJson(planJson(plans, { revision: run.revision, at, monitoring }))}\n` : renderPlanText(plans, { color: !!process.stdout.isTTY }) + monitoringText(monitoring, 'plan', !!process.stdout.isTTY));
      if (mr !== undefined) {
        const res = await postPlanComment(run.fleet.operator.forge, mr, plans);
        process.stderr.write(`odoops: plan comment on merge request ${mr} ${res.action}\n`);
      }
      process.exitCode = opts.detailedExitcode ? run.exitCode : run.exitCode === 1 ? 1 : 0;
    });
}

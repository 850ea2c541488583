/**
 * odoops drift: for every client, whether the server moved away from what odoops last applied
 * there (drift), and what the desired state asks that is not applied yet (pending, with its
 * window). Reports only, changes nothing on servers. --report keeps the drift issue of the
 * config repo current. --detailed-exitcode: 0 no drift (pending changes allowed), 1 error or
 * unreachable server, 2 drift or a server needing a person.
 */
import type { Command } from 'commander';
import { reportDriftIssue } from '../drift/issue.ts';
import { driftJson, toJson } from '../report/index.ts';
import { renderDriftStatusText } from '../report/drift-status.ts';
import { monitoringText } from '../report/managed.ts';
import { runDrift } from '../runners/index.ts';
import { addFleetOptions, withFleet, type FleetCommandOptions } from './fleet.ts';

interface DriftOptions extends FleetCommandOptions {
  detailedExitcode?: boolean;
  report?: boolean;
}

export function register(program: Command): void {
  addFleetOptions(
    program.command('drift').description('report servers that changed since odoops applied (drift) and changes waiting for their window (pending); changes nothing'),
  )
    .option('--detailed-exitcode', 'exit 0 no drift (pending changes allowed), 1 error or unreachable server, 2 drift or a server needing a person')
    .option('--report', 'open, edit or close the drift issue in the config repo (fleet.yaml operator.forge)')
    .action(async (opts: DriftOptions) => {
      const run = await withFleet(opts, 'plan', runDrift);
      const { status, monitoring, fleet } = run;
      process.stdout.write(opts.json ? `${toJson(driftJson(status, monitoring))}\n` : renderDriftStatusText(status, { color: !!process.stdout.isTTY }) + monitoringText(monitoring, 'drift', !!process.stdout.isTTY));
      if (opts.report) {
        const res = await reportDriftIssue(fleet.operator.forge, status, process.env.CI_JOB_URL ? { runUrl: process.env.CI_JOB_URL } : {});
        const where = res.issue ? ` ${res.issue.url}` : '';
        process.stderr.write(`odoops: drift issue ${res.transition === 'none' ? 'not needed (none open)' : res.transition}${where}\n`);
      }
      process.exitCode = opts.detailedExitcode ? run.exitCode : run.exitCode === 1 ? 1 : 0;
    });
}

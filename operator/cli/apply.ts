/**
 * odoops apply: take every selected server to the desired state where its update window
 * is open (the rest wait, with their next opening). Exit 1 when a server could not be worked
 * on (unreachable, locked, host key) or an instance failed, was rolled back or is blocked;
 * else 0. The exit code comes from outcomes and reason codes (the apply runner), never text.
 */
import { Option, type Command } from 'commander';
import { applyJson, renderApplyText, toJson } from '../report/index.ts';
import { cliClock } from './clock.ts';
import { monitoringText } from '../report/managed.ts';
import { pendingOnly } from '../drift/classify.ts';
import { runApply, runDrift } from '../runners/index.ts';
import { addFleetOptions, withFleet, type FleetCommandOptions } from './fleet.ts';
import { lockTimeoutMs } from './flags.ts';

export function register(program: Command): void {
  addFleetOptions(
    program.command('apply').description('apply the desired state to servers whose update window is open'),
  )
    .option('--ignore-windows', 'apply outside update windows where the windows allow a manual override')
    .addOption(new Option('--lock-timeout <seconds>', 'wait this long for a server locked by another run').default('0'))
    .option('--only-pending', 'only clients whose servers are as odoops left them (pending changes, no drift): for unattended runs; drifting clients are left to a person')
    .action(async (opts: FleetCommandOptions & { ignoreWindows?: boolean; lockTimeout: string; onlyPending?: boolean }) => {
      const lockWaitMs = lockTimeoutMs(opts.lockTimeout);
      let unreadSkipped = false;
      if (opts.onlyPending) {
        // Read first (no lock, nothing changed) the revision apply would take, then apply only the clients that are pending.
        const seen = await withFleet({ ...opts, json: true }, 'apply', runDrift);
        const { apply, left } = pendingOnly(seen.status);
        unreadSkipped = left.some((l) => l.state === 'unreachable');
        for (const l of left) process.stderr.write(`odoops: ${l.client}: ${l.state}, not applied (--only-pending; see odoops drift)\n`);
        if (apply.length === 0) {
          process.stdout.write(opts.json ? `${toJson(applyJson([], { revision: seen.status.revision, at: cliClock(process.env, () => {})() }))}\n` : 'Nothing pending to apply.\n');
          process.exitCode = unreadSkipped ? 1 : 0;
          return;
        }
        // Keep a `CLIENT/INSTANCE` selection for the clients that are pending.
        const named = (opts.client ?? []).filter((c) => apply.includes(c.split('/')[0]!));
        opts = { ...opts, client: opts.client?.length ? named : apply, shard: undefined, changedSince: undefined };
      }
      const run = await withFleet(opts, 'apply', (target, settings) => runApply(target, { ...settings, ignoreWindows: !!opts.ignoreWindows, lockWaitMs }));
      const { applies: results, monitoring } = run;
      const at = cliClock(process.env, () => {})();
      process.stdout.write(opts.json ? `${toJson(applyJson(results, { revision: run.revision, at, monitoring }))}\n` : renderApplyText(results, { color: !!process.stdout.isTTY }) + monitoringText(monitoring, 'apply', !!process.stdout.isTTY));
      // A server that could not even be read is an error, as in a plain apply.
      process.exitCode = unreadSkipped ? 1 : run.exitCode;
    });
}

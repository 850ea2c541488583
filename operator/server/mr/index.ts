/**
 * `odoops serve` put together: the operator machinery (operator/server) with the forge's
 * webhook decoders, the MR flow, pending applies run by the apply runner and scheduled drift
 * by the drift runner. serve.ts calls this with the system clock; tests with their own.
 */
import type { Logger } from 'pino';
import { loadDesiredState } from '../../desired/load.ts';
import { forgeDecoder } from '../../forge/decoder.ts';
import type { Forge, ForgeUser } from '../../forge/types.ts';
import type { ForgeEvent } from '../../forge/webhooks/types.ts';
import type { ApplySettings } from '../../runners/index.ts';
import { errorMessage } from '../../util/errors.ts';
import type { Clock } from '../clock.ts';
import { operatorDue } from '../due.ts';
import { startOperator, type RunningOperator } from '../index.ts';
import type { Decoder, Platform } from '../webhooks.ts';
import { ScheduledDrift } from './drift.ts';
import { MrFlow } from './flow.ts';

export { MrFlow } from './flow.ts';

export interface MrOperatorOptions {
  listen: { host: string; port: number };
  stateDir: string;
  /** Jobs at once over all clients. */
  concurrency: number;
  intervalMs: number;
  log: Logger;
  clock?: Clock;
  autoTick?: boolean;
  maxBodyBytes?: number;
  /** Config repo: git URL (mirrored under a lock) or local path; `rev` the branch followed. */
  repo: string;
  rev?: string;
  forge: Forge;
  /** The resolved webhook secret (fleet.yaml operator.forge.webhookSecret). */
  webhookSecret: string;
  /** SSH, servers at once per run, environment, health timeout. */
  settings: ApplySettings;
}

export interface MrOperator extends RunningOperator {
  flow: MrFlow;
}

export async function startMrOperator(opts: MrOperatorOptions): Promise<MrOperator> {
  let botUser: ForgeUser | undefined;
  try {
    botUser = await opts.forge.whoAmI();
  } catch (err) {
    // Not fatal: commands are still recognised; the bot's own comments never start with "odoops".
    opts.log.warn({ event: 'forge', error: errorMessage(err) }, 'cannot ask the forge who odoops is (its own comments are recognised by their text only)');
  }
  const configured = forgeDecoder(opts.forge.platform, { secret: opts.webhookSecret, ...(botUser ? { botUser } : {}) });
  const other: Decoder<ForgeEvent> = () => ({ kind: 'unauthorized', reason: `this operator serves ${opts.forge.platform} (fleet.yaml operator.forge.kind)` });
  const decoders = { gitlab: other, github: other } as Record<Platform, Decoder<ForgeEvent>>;
  decoders[opts.forge.platform] = configured;
  let flow!: MrFlow;
  const operator = await startOperator<ForgeEvent>({
    listen: opts.listen,
    stateDir: opts.stateDir,
    concurrency: opts.concurrency,
    intervalMs: opts.intervalMs,
    log: opts.log,
    ...(opts.clock ? { clock: opts.clock } : {}),
    ...(opts.autoTick !== undefined ? { autoTick: opts.autoTick } : {}),
    ...(opts.maxBodyBytes !== undefined ? { maxBodyBytes: opts.maxBodyBytes } : {}),
    loadConfig: () => loadDesiredState({ repo: opts.repo, ...(opts.rev ? { rev: opts.rev } : {}) }),
    decoders,
    wire: (core) => {
      flow = new MrFlow({ forge: opts.forge, core, repo: opts.repo, settings: opts.settings });
      const drift = new ScheduledDrift({ settings: opts.settings, store: core.store, forge: opts.forge, now: () => core.clock.now(), log: core.log });
      return {
        onDelivery: flow.onDelivery,
        due: operatorDue({ store: core.store, clock: core.clock, runDrift: drift.check, runApply: flow.runPendingApply, onDriftFireComplete: drift.publish }),
      };
    },
  });
  return Object.assign(operator, { flow });
}

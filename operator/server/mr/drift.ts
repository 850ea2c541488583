/**
 * Scheduled drift in `odoops serve`: each client read by the drift runner and annotated with
 * the merge request holding it; a drifting client the fleet opted in to self-heal
 * (fleet.yaml operator.selfHeal) is queued for an apply of the current revision, which runs
 * inside its windows like a merge; once every client answered a fire, the drift issue is
 * edited in place. Report-only unless opted in; a held client is never reverted.
 */
import type { Logger } from 'pino';
import type { ClientSpec } from '../../desired/types.ts';
import { clientDriftResult, fleetStatusOf } from '../../drift/classify.ts';
import { publishDriftIssue } from '../../drift/issue.ts';
import type { ClientStatus } from '../../drift/types.ts';
import type { Forge } from '../../forge/types.ts';
import { runDrift, type ApplySettings } from '../../runners/index.ts';
import type { ConfigSnapshot } from '../config-source.ts';
import type { OnDriftFireComplete, RunDrift } from '../drift-schedule.ts';
import { mrLabel, type StateStore } from '../state.ts';

export interface ScheduledDriftOptions {
  settings: ApplySettings;
  store: StateStore;
  forge: Forge;
  now: () => Date;
  log: Logger;
}

export class ScheduledDrift {
  /** Each client's last answer, for the drift issue (clients removed from the config are dropped). */
  private readonly latest = new Map<string, ClientStatus>();

  constructor(private readonly opts: ScheduledDriftOptions) {}

  /** Report-only check of one client; stops before connecting when the operator is stopping. */
  readonly check: RunDrift = async (client, config, ctx) => {
    if (ctx.signal.aborted) return null;
    const run = await runDrift({ desired: config.desired, clients: [client] }, { ...this.opts.settings, now: this.opts.now, runId: ctx.id });
    const found = run.status.clients[0];
    if (!found) return 'unreachable';
    const holder = this.opts.store.heldBy(client.name);
    const status: ClientStatus = holder ? { ...found, heldBy: mrLabel(holder.mr) } : found;
    this.latest.set(client.name, status);
    if (status.state === 'drift' && !holder && config.desired.fleet.operator.selfHeal.includes(client.name)) this.heal(client, config);
    return clientDriftResult(status);
  };

  /** Queues the current revision for a drifting client, unless an apply is queued already (it puts the server back too). */
  private heal(client: ClientSpec, config: ConfigSnapshot): void {
    if (this.opts.store.state.pendingApplies[client.name]) return;
    const now = this.opts.now().toISOString();
    this.opts.store.queueApply(client.name, { revision: config.revision, mr: null, instances: Object.fromEntries(client.instances.map((i) => [i.name, { nextOpening: now }])) });
    this.opts.log.info({ event: 'self-heal', client: client.name, revision: config.revision }, `${client.name}: drift found, queued an apply of ${config.revision.slice(0, 12)} (operator.selfHeal; runs inside its windows)`);
  }

  /** After the last client of a fire: the drift issue, opened, edited or closed in place. */
  readonly publish: OnDriftFireComplete = async (fire, config) => {
    const names = new Set(config.desired.clients.map((c) => c.name));
    for (const name of [...this.latest.keys()]) if (!names.has(name)) this.latest.delete(name);
    const clients = config.desired.clients.flatMap((c) => this.latest.get(c.name) ?? []);
    const res = await publishDriftIssue(this.opts.forge, fleetStatusOf(clients, config.revision, this.opts.now()));
    this.opts.log.info({ event: 'drift-issue', fire, transition: res.transition, ...(res.issue ? { issue: res.issue.url } : {}) }, `drift issue ${res.transition}`);
  };
}

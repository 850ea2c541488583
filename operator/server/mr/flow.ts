/**
 * The merge-request flow of `odoops serve`. A delivery only queues jobs; the jobs read the
 * config repo at the MR's commits and call the runners (the same ones the CLI calls):
 *
 * - opened / new commits / reopened / ready → plan at the MR head for the clients the MR
 *   touches (against its target) → one sticky plan comment + `odoops/plan` status;
 * - merged → every touched client gets a pending apply of the merge commit (state.json: it
 *   survives a restart; a newer merge supersedes it); the scheduler applies it once its
 *   window is open (now, or later) and the apply comment and `odoops/apply` follow;
 * - closed → the MR's holds are released;
 * - `odoops plan|apply [-c CLIENT] [-i INSTANCE]` comments: acknowledged with a reaction,
 *   refused with a reply saying exactly why; an apply before merge holds its clients for
 *   the MR, other MRs touching them are queued behind it.
 */
import type { Logger } from 'pino';
import { loadDesiredState, touchedClients } from '../../desired/load.ts';
import { ValidationFailed } from '../../desired/issues.ts';
import type { DesiredState } from '../../desired/types.ts';
import type { Forge, MergeRequestInfo, CommentRef, ForgeUser } from '../../forge/types.ts';
import type { CommentCommandErrorEvent, CommentCommandEvent, ForgeEvent } from '../../forge/webhooks/types.ts';
import { COMMAND_USAGE } from '../../forge/webhooks/command.ts';
import { TRANSIENT } from '../../plan/types.ts';
import { renderMrApply, renderMrPlan, type MrApplyClient } from '../../report/mr.ts';
import { instanceTimeZone, runApply, runPlan, type ApplySettings, type ClientResult, type Target } from '../../runners/index.ts';
import { errorMessage } from '../../util/errors.ts';
import type { OperatorCore } from '../index.ts';
import type { PendingApplyResult, RunPendingApply } from '../pending-applies.ts';
import type { JobContext } from '../queue.ts';
import { mrKey, mrLabel, sameMr, type MrClientApply, type MrRecord, type MrRef, type WaitingInstance } from '../state.ts';
import type { Delivery } from '../webhooks.ts';
import { applyRefusal, type Refusal } from './commands.ts';
import { applyStatus, clientApplyView, planStatus, queuedBehindText } from './views.ts';

/** A transiently refused apply (server unreachable, lock held) is tried again after this long. */
export const RETRY_AFTER_MS = 5 * 60_000;

export interface MrFlowOptions {
  forge: Forge;
  core: OperatorCore;
  /** The config repo (git URL, mirrored under a lock, or a local path) read at any commit. */
  repo: string;
  /** SSH, concurrency, environment and health timeout of the runs. */
  settings: ApplySettings;
}

/** An error a job throws, typed for the queue (code, transient). */
class FlowError extends Error {
  constructor(readonly code: string, message: string, readonly transient: boolean) {
    super(message);
  }
}

export class MrFlow {
  private readonly forge: Forge;
  private readonly core: OperatorCore;
  private readonly log: Logger;

  constructor(private readonly opts: MrFlowOptions) {
    this.forge = opts.forge;
    this.core = opts.core;
    this.log = opts.core.log;
  }

  private ref(number: number, url?: string): MrRef {
    return { platform: this.forge.platform, project: this.forge.project, number, ...(url ? { url } : {}) };
  }

  private now = () => this.core.clock.now();

  private settings(ctx: JobContext): ApplySettings {
    return { ...this.opts.settings, now: this.now, runId: ctx.id };
  }

  /** Synchronous: turns a delivery into queued jobs (or nothing), never waits for work. */
  onDelivery = (d: Delivery<ForgeEvent>): void => {
    const e = d.event;
    const base = { deliveryId: d.deliveryId, platform: d.platform };
    if (e.kind === 'ignored') {
      this.log.info({ event: 'delivery-ignored', ...base, reason: e.reason }, `ignored: ${e.reason}`);
      return;
    }
    if (d.platform !== this.forge.platform || e.project !== this.forge.project) {
      this.log.warn({ event: 'delivery-ignored', ...base, project: e.project }, `ignored: ${d.platform} project ${e.project} is not the config repo ${this.forge.project}`);
      return;
    }
    switch (e.kind) {
      case 'merge-request':
        if (e.action === 'merged') this.queueMerge(e.mr.number, e.mergeCommitSha);
        else if (e.action === 'closed') this.queueClose(e.mr.number);
        else this.queuePlan(e.mr.number, {});
        return;
      case 'push':
        // The config repo moved: refresh now (what is due runs); MRs get their own events.
        void this.core.tick().catch((err) => this.log.error({ event: 'tick', error: errorMessage(err) }, 'tick after a push failed'));
        return;
      case 'comment-command':
        this.queueCommand(e);
        return;
      case 'comment-command-error':
        this.queueCommandError(e);
        return;
    }
  };

  private enqueue(number: number, kind: string, run: (ctx: JobContext) => Promise<string>, coalesce?: string | null): void {
    const mr = mrLabel(this.ref(number));
    this.core.queue.enqueue<string>({
      key: `mr:${number}`,
      kind,
      ...(coalesce !== undefined ? { coalesce } : {}),
      context: { mr },
      run,
      resultOf: (r) => r,
    });
  }

  queuePlan(number: number, filter: { clients?: string[]; instances?: string[] }, ack?: CommentRef): void {
    // A newer plan request for the same MR replaces a queued older one (one plan per push).
    this.enqueue(number, 'plan', async (ctx) => {
      if (ack) await this.forge.react({ mr: number, comment: ack, reaction: 'eyes' });
      return this.plan(number, filter, ctx);
    }, `plan:${number}`);
  }

  private queueMerge(number: number, mergeCommitSha: string | null): void {
    this.enqueue(number, 'merge', (ctx) => this.merged(number, mergeCommitSha, ctx), null);
  }

  private queueClose(number: number): void {
    this.enqueue(number, 'close', async () => {
      const ref = this.ref(number);
      const released = this.core.store.releaseHolds(ref);
      this.core.store.update((s) => {
        if (s.mrs) delete s.mrs[mrKey(ref)];
      });
      this.log.info({ event: 'mr-closed', mr: mrLabel(ref), released }, `${mrLabel(ref)} closed${released.length ? `: released ${released.join(', ')}` : ''}`);
      return released.length ? 'released' : 'closed';
    }, null);
  }

  private queueCommand(e: CommentCommandEvent): void {
    const c = e.command;
    if (c.name === 'help') {
      this.enqueue(e.mr, 'reply', async () => {
        await this.forge.react({ mr: e.mr, comment: e.comment, reaction: 'eyes' });
        await this.forge.replyToComment({ mr: e.mr, to: e.comment, body: `\`\`\`\n${COMMAND_USAGE}\n\`\`\`` });
        return 'help';
      }, null);
      return;
    }
    if (c.name === 'plan') {
      this.queuePlan(e.mr, { clients: c.clients, instances: c.instances }, e.comment);
      return;
    }
    this.enqueue(e.mr, 'command-apply', (ctx) => this.commandApply(e, c.clients, c.instances, ctx), null);
  }

  private queueCommandError(e: CommentCommandErrorEvent): void {
    this.enqueue(e.mr, 'reply', async () => {
      await this.forge.react({ mr: e.mr, comment: e.comment, reaction: 'confused' });
      await this.forge.replyToComment({ mr: e.mr, to: e.comment, body: `${e.error.message}\n\n\`\`\`\n${e.error.usage}\n\`\`\`` });
      return 'command-error';
    }, null);
  }

  /** The desired state at a commit; a config that does not validate is an answer, not a throw. */
  private async desiredAt(rev: string): Promise<{ ok: true; desired: DesiredState } | { ok: false; invalid: string }> {
    try {
      return { ok: true, desired: await loadDesiredState({ repo: this.opts.repo, rev }) };
    } catch (err) {
      if (err instanceof ValidationFailed) return { ok: false, invalid: err.message };
      throw new FlowError('config-unavailable', `cannot read the config repo at ${rev.slice(0, 12)}: ${errorMessage(err)}`, true);
    }
  }

  /** Clients whose desired state the MR changes, compared with what it targets. */
  private async touched(mr: MergeRequestInfo): Promise<string[]> {
    try {
      return await touchedClients({ repo: this.opts.repo, from: mr.targetSha, to: mr.headSha });
    } catch (err) {
      throw new FlowError('config-unavailable', `cannot compare ${mr.headSha.slice(0, 12)} with ${mr.targetSha.slice(0, 12)}: ${errorMessage(err)}`, true);
    }
  }

  /** Client -> "!N" for the clients another MR holds. */
  private heldByOthers(ref: MrRef, clients: string[]): Record<string, string> {
    const out: Record<string, string> = {};
    for (const c of clients) {
      const h = this.core.store.heldBy(c);
      if (h && !sameMr(h.mr, ref)) out[c] = mrLabel(h.mr);
    }
    return out;
  }

  private initRecord(ref: MrRef, headSha: string): () => MrRecord {
    return () => ({ mr: ref, headSha, plan: null, apply: null });
  }

  private timeZones(desired: DesiredState, clients: string[]): Record<string, Record<string, string>> {
    const out: Record<string, Record<string, string>> = {};
    for (const spec of desired.clients.filter((c) => clients.includes(c.name))) {
      out[spec.name] = Object.fromEntries(spec.instances.map((i) => [i.name, instanceTimeZone(spec, i.name, desired.fleet.timezone)]));
    }
    return out;
  }

  private async plan(number: number, filter: { clients?: string[]; instances?: string[] }, ctx: JobContext): Promise<string> {
    const mr = await this.forge.getMergeRequest(number);
    if (mr.state !== 'open') return 'not-open';
    const ref = this.ref(number, mr.url);
    const sha = mr.headSha;
    // Both read the mirror: the second waits for the first's fetch, then finds both commits
    // there. What was touched matters only when the config validates.
    const touchedReading = this.touched(mr);
    touchedReading.catch(() => undefined);
    const at = await this.desiredAt(sha);
    if (!at.ok) {
      await this.forge.ensureComment({ mr: number, topic: 'plan', body: renderMrPlan({ revision: sha, plans: [], removed: [], queuedBehind: {}, timeZones: {}, invalid: at.invalid }) });
      await this.forge.setStatus({ sha, context: 'odoops/plan', state: 'failed', description: 'the config repo does not validate at this commit' });
      return 'invalid';
    }
    const desired = at.desired;
    const touched = await touchedReading;
    const present = new Set(desired.clients.map((c) => c.name));
    const wanted = filter.clients?.length ? filter.clients : touched;
    const removed = touched.filter((c) => !present.has(c) && wanted.includes(c));
    const unknown = wanted.filter((c) => !present.has(c) && !touched.includes(c));
    const target: Target = { desired, clients: desired.clients.filter((c) => wanted.includes(c.name)) };
    const queuedBehind = this.heldByOthers(ref, target.clients.map((c) => c.name));
    const behind = [...new Set(Object.values(queuedBehind))];
    // GitLab refuses pending -> pending and keeps the first description: a queued plan says so from the start.
    await this.forge.setStatus({ sha, context: 'odoops/plan', state: 'pending', description: behind.length ? queuedBehindText(behind) : 'planning' });
    const run = await runPlan(target, this.settings(ctx));
    let body = renderMrPlan({
      revision: sha,
      plans: run.plans,
      removed,
      queuedBehind,
      timeZones: this.timeZones(desired, wanted),
      ...(filter.instances?.length ? { instances: filter.instances } : {}),
    });
    if (unknown.length) body += `\nUnknown client(s) at this commit: ${unknown.map((c) => `\`${c}\``).join(', ')}.\n`;
    await this.forge.ensureComment({ mr: number, topic: 'plan', body });
    this.core.store.updateMr(ref, this.initRecord(ref, sha), (r) => {
      r.headSha = sha;
      r.plan = { headSha: sha, clients: target.clients.map((c) => c.name), at: this.now().toISOString() };
    });
    const status = planStatus(run.results, behind);
    await this.forge.setStatus({ sha, context: 'odoops/plan', ...status });
    return status.state === 'success' ? (run.results.some((r) => r.status === 'changes') ? 'changes' : 'no-changes') : status.state;
  }

  private async merged(number: number, mergeCommitSha: string | null, _ctx: JobContext): Promise<string> {
    const mr = await this.forge.getMergeRequest(number);
    const revision = mergeCommitSha ?? mr.mergeCommitSha;
    if (!revision) throw new FlowError('merge-commit-unknown', `${mrLabel(this.ref(number))}: the forge does not name its merge commit yet`, true);
    const ref = this.ref(number, mr.url);
    this.core.store.releaseHolds(ref);
    const at = await this.desiredAt(revision);
    if (!at.ok) {
      await this.forge.ensureComment({ mr: number, topic: 'apply', body: `**odoops apply** at \`${revision.slice(0, 12)}\`: the config repo does not validate, nothing is applied.\n\n\`\`\`\n${at.invalid}\n\`\`\`\n` });
      await this.forge.setStatus({ sha: mr.headSha, context: 'odoops/apply', state: 'failed', description: 'the config repo does not validate at the merge commit' });
      return 'invalid';
    }
    const desired = at.desired;
    const touched = await this.touched(mr);
    const specs = desired.clients.filter((c) => touched.includes(c.name));
    const removed = touched.filter((c) => !specs.some((s) => s.name === c));
    if (specs.length === 0) {
      if (removed.length) await this.forge.ensureComment({ mr: number, topic: 'apply', body: renderMrApply({ revision, clients: [], removed }) });
      return 'nothing-to-apply';
    }
    const now = this.now().toISOString();
    const clients: Record<string, MrClientApply> = {};
    for (const spec of specs) {
      // Due at once: the scheduler applies where windows are open and records when the rest open.
      const previous = this.core.store.queueApply(spec.name, { revision, mr: ref, instances: Object.fromEntries(spec.instances.map((i) => [i.name, { nextOpening: now }])) });
      if (previous?.mr && !sameMr(previous.mr, ref)) await this.superseded(previous.mr, spec.name, ref);
      const holder = this.core.store.heldBy(spec.name);
      clients[spec.name] = {
        revision,
        updatedAt: now,
        status: 'queued',
        ...(holder && !sameMr(holder.mr, ref) ? { note: `queued behind ${mrLabel(holder.mr)}` } : {}),
        instances: spec.instances.map((i) => ({ instance: i.name, outcome: 'queued' as const })),
      };
    }
    const record = this.core.store.updateMr(ref, this.initRecord(ref, mr.headSha), (r) => {
      r.headSha = mr.headSha;
      r.apply = { revision, clients };
    });
    await this.publishApply(record, removed);
    void this.core.tick().catch((err) => this.log.error({ event: 'tick', error: errorMessage(err) }, 'tick after a merge failed'));
    return 'queued';
  }

  /** Tells an older MR that a newer merge replaced its queued apply of a client. */
  private async superseded(older: MrRef, client: string, by: MrRef): Promise<void> {
    const r = this.core.store.mrRecord(older);
    const entry = r?.apply?.clients[client];
    if (!r || !entry) return;
    const record = this.core.store.updateMr(older, this.initRecord(older, r.headSha), (x) => {
      const c = x.apply!.clients[client]!;
      c.status = 'superseded';
      c.note = `superseded by ${mrLabel(by)} (a newer merge): its apply replaces this one`;
      c.instances = c.instances.map((i) => (i.outcome === 'queued' || i.outcome === 'waiting' ? { instance: i.instance, outcome: 'skipped', detail: 'superseded' } : i));
      c.updatedAt = this.now().toISOString();
    });
    await this.publishApply(record);
  }

  /** The apply comment and `odoops/apply` status of an MR, from its record. */
  private async publishApply(record: MrRecord, removed: string[] = []): Promise<void> {
    if (!record.apply) return;
    const clients: MrApplyClient[] = Object.entries(record.apply.clients).map(([client, c]) => ({ client, ...c }));
    await this.forge.ensureComment({ mr: record.mr.number, topic: 'apply', body: renderMrApply({ revision: record.apply.revision, clients, removed }) });
    const status = applyStatus(record);
    await this.forge.setStatus({ sha: record.headSha, context: 'odoops/apply', ...status });
  }

  /** The scheduler's due pending apply of a client (a merge waiting for its window, or due now). */
  runPendingApply: RunPendingApply = async (client, pending, ctx): Promise<PendingApplyResult | null> => {
    if (ctx.signal.aborted) return null;
    const at = await this.desiredAt(pending.revision);
    const spec = at.ok ? at.desired.clients.find((c) => c.name === client) : undefined;
    if (!at.ok || !spec) {
      if (pending.mr) await this.recordClient(pending.mr, client, { revision: pending.revision, updatedAt: this.now().toISOString(), status: at.ok ? 'removed' : 'failed', note: at.ok ? 'client removed from the config' : 'the config repo does not validate', instances: [] });
      return { waiting: {} };
    }
    if (ctx.signal.aborted) return null;
    const run = await runApply({ desired: at.desired, clients: [spec] }, this.settings(ctx));
    const apply = run.applies[0]!;
    const result = run.results[0]!;
    const waiting = this.stillWaiting(run.waiting[client] ?? [], apply, result, pending.instances);
    if (pending.mr) await this.recordClient(pending.mr, client, clientApplyView(apply, result, run.waiting[client] ?? [], this.now()));
    this.log.info({ event: 'pending-apply', client, revision: pending.revision, status: result.status, waiting: Object.keys(waiting) }, `${client}: ${result.status}`);
    return { waiting };
  };

  /**
   * What stays queued after an apply: instances waiting for their window (until it opens),
   * and, after a transient refusal (unreachable, lock held, a dependency waiting), every
   * instance not done, retried a little later. Terminal outcomes are reported, not retried.
   */
  private stillWaiting(windows: { instance: string; nextOpening: string | null }[], apply: { error?: { code: string }; instances: { instance: string; outcome: string; reason?: { code: string } }[] }, result: ClientResult, pending: Readonly<Record<string, WaitingInstance>>): Record<string, WaitingInstance> {
    const retryAt = new Date(this.now().getTime() + RETRY_AFTER_MS).toISOString();
    const out: Record<string, WaitingInstance> = {};
    if (apply.error) {
      if (result.transient) for (const name of Object.keys(pending)) out[name] = { nextOpening: retryAt };
      return out;
    }
    for (const w of windows) out[w.instance] = { nextOpening: w.nextOpening };
    for (const i of apply.instances) {
      if (out[i.instance] || (i.outcome !== 'waiting' && i.outcome !== 'skipped')) continue;
      const code = i.reason?.code as keyof typeof TRANSIENT | undefined;
      if (code && TRANSIENT[code]) {
        // Behind an instance waiting for its window: due again when that one opens.
        const ahead = windows[0]?.nextOpening;
        out[i.instance] = { nextOpening: code === 'dependency-failed' && ahead ? ahead : retryAt };
      }
    }
    return out;
  }

  private async recordClient(ref: MrRef, client: string, view: MrClientApply): Promise<void> {
    const existing = this.core.store.mrRecord(ref);
    const record = this.core.store.updateMr(ref, this.initRecord(ref, existing?.headSha ?? ''), (r) => {
      r.apply ??= { revision: view.revision, clients: {} };
      r.apply.clients[client] = view;
    });
    if (!record.headSha) return;
    await this.publishApply(record);
  }

  private async reply(number: number, to: CommentRef, refusal: Refusal): Promise<string> {
    await this.forge.replyToComment({ mr: number, to, body: `❌ \`odoops apply\` refused: ${refusal.message}.` });
    await this.forge.react({ mr: number, comment: to, reaction: 'confused' });
    return `refused:${refusal.code}`;
  }

  private async commandApply(e: CommentCommandEvent, only: string[], instances: string[], ctx: JobContext): Promise<string> {
    const number = e.mr;
    await this.forge.react({ mr: number, comment: e.comment, reaction: 'eyes' });
    const actor: ForgeUser = e.actor;
    const [access, mr] = await Promise.all([this.forge.accessOf(actor), this.forge.getMergeRequest(number)]);
    const ref = this.ref(number, mr.url);
    const record = this.core.store.mrRecord(ref);
    const refusal = applyRefusal({ access, mr, plannedAt: record?.plan?.headSha ?? null, platform: this.forge.platform });
    if (refusal) return this.reply(number, e.comment, refusal);
    const planned = record!.plan!.clients;
    const clients = only.length ? only : planned;
    const notPlanned = clients.filter((c) => !planned.includes(c));
    if (notPlanned.length) return this.reply(number, e.comment, { code: 'plan-missing', message: `${notPlanned.map((c) => `\`${c}\``).join(', ')} ${notPlanned.length > 1 ? 'are' : 'is'} not in the current plan: comment \`odoops plan -c ${notPlanned[0]}\` first` });
    if (clients.length === 0) return this.reply(number, e.comment, { code: 'plan-missing', message: 'the plan names no client to apply' });
    const others = this.heldByOthers(ref, clients);
    const heldClient = Object.keys(others)[0];
    if (heldClient) return this.reply(number, e.comment, { code: 'held', message: `\`${heldClient}\` is held by ${others[heldClient]} (applied before its merge): wait until that MR is merged or closed` });
    const at = await this.desiredAt(mr.headSha);
    if (!at.ok) return this.reply(number, e.comment, { code: 'plan-outdated', message: `the config repo does not validate at ${mr.headSha.slice(0, 12)}` });
    const selected = at.desired.clients.filter((c) => clients.includes(c.name));
    // `-i INSTANCE`: only those instances of the selected clients (the others are left as they are).
    const unknownInstances = instances.filter((i) => !selected.some((c) => c.instances.some((x) => x.name === i)));
    if (unknownInstances.length) {
      const known = [...new Set(selected.flatMap((c) => c.instances.map((i) => i.name)))];
      return this.reply(number, e.comment, { code: 'unknown-instance', message: `no instance ${unknownInstances.map((i) => `\`${i}\``).join(', ')} in ${clients.map((c) => `\`${c}\``).join(', ')} (instances: ${known.join(', ') || 'none'})` });
    }
    for (const c of clients) {
      const held = this.core.store.hold(c, ref, actor.username);
      if (!held.held) return this.reply(number, e.comment, { code: 'held', message: `\`${c}\` is held by ${mrLabel(held.holder.mr)} (applied before its merge): wait until that MR is merged or closed` });
    }
    const target: Target = {
      desired: at.desired,
      clients: instances.length ? selected.map((c) => ({ ...c, instances: c.instances.filter((i) => instances.includes(i.name)) })).filter((c) => c.instances.length > 0) : selected,
    };
    if (ctx.signal.aborted) return 'stopped';
    const run = await runApply(target, this.settings(ctx));
    const now = this.now();
    const views: Record<string, MrClientApply> = {};
    run.applies.forEach((apply, i) => {
      const view = clientApplyView(apply, run.results[i]!, run.waiting[apply.client] ?? [], now);
      // Instances left out by `-i` stay in view: the MR is not applied until they are too.
      const left = instances.length ? selected.find((c) => c.name === apply.client)!.instances.filter((x) => !instances.includes(x.name)) : [];
      views[apply.client] = { ...view, instances: [...view.instances, ...left.map((x) => ({ instance: x.name, outcome: 'skipped' as const, detail: 'not selected (odoops apply -i)' }))] };
    });
    const updated = this.core.store.updateMr(ref, this.initRecord(ref, mr.headSha), (r) => {
      r.headSha = mr.headSha;
      r.apply = { revision: mr.headSha, clients: views };
    });
    await this.publishApply(updated);
    // The job itself succeeded: its word says where the clients stand (the MR shows the details).
    return [...new Set(run.results.map((r) => r.status))].join(',');
  }
}

/**
 * Merge-request comments (pure), after Atlantis: the sticky plan comment (a counts line, a
 * table client / instance / changes / window, one <details> per instance with the ordered
 * actions and why, blocked items with their reason, what happens on merge) and the apply
 * comment edited as results come in. Times are shown in the client's own time zone.
 */
import { DateTime } from 'luxon';
import type { InstancePlan, Plan } from '../plan/types.ts';
import { actionSign, describeAction, fenceSafe, fmtDuration, fmtValue, headline, mdEscape, plural, redactUrls } from './format.ts';

/** "Sun 6 Dec 02:00 Europe/Paris". */
export function formatOpening(iso: string, zone: string): string {
  return `${DateTime.fromISO(iso, { zone }).setLocale('en-GB').toFormat('ccc d LLL HH:mm')} ${zone}`;
}

export const REMOVED_CLIENT = 'client removed from the config: no longer managed, nothing deleted on its server';

export interface MrPlanView {
  /** The MR head the plan was made at. */
  revision: string;
  /** Plans of the clients the MR touches that still exist at its head. */
  plans: Plan[];
  /** Clients whose file the MR deletes. */
  removed: string[];
  /** Client -> the MR holding it ("!3"): applies of this MR wait behind that one. */
  queuedBehind: Record<string, string>;
  /** Client -> instance -> time zone to show window openings in. */
  timeZones: Record<string, Record<string, string>>;
  /** Only these instances (a `-i` filter), when set. */
  instances?: string[];
  /** The config repo does not validate at the head: why (nothing was planned). */
  invalid?: string;
}

const shown = (v: MrPlanView, i: InstancePlan) => !v.instances || v.instances.length === 0 || v.instances.includes(i.instance);

function windowCell(v: MrPlanView, client: string, i: InstancePlan): string {
  if (i.window.open) return 'open now';
  if (!i.window.nextOpening) return 'no opening found: a person must look';
  return `next opening ${formatOpening(i.window.nextOpening, v.timeZones[client]?.[i.instance] ?? 'UTC')}`;
}

function changesCell(i: InstancePlan): string {
  if (i.blocked) return `⛔ blocked (${i.blocked.code})`;
  if (i.actions.length === 0) return i.changes.length ? 'differs, nothing to apply' : 'no changes';
  return `${i.changes.length || i.actions.length}`;
}

function instanceDetails(p: Plan, i: InstancePlan, window: string): string[] {
  const name = `${p.client}/${i.instance}`;
  const summary = i.blocked ? `⛔ blocked: ${i.blocked.message}` : i.actions.length ? headline(i.actions) : 'differs, nothing to apply';
  const out = [`<details><summary><b>${mdEscape(name)}</b>: ${mdEscape(redactUrls(summary))}</summary>`, '', `- window: ${mdEscape(window)}`];
  if (i.dependsOn) out.push(`- runs after \`${p.client}/${i.dependsOn}\` succeeds in the same run`);
  out.push('');
  if (i.actions.length > 0) {
    out.push('```diff', ...i.actions.map((a, n) => fenceSafe(`${actionSign(a) === '~' ? '!' : actionSign(a)} ${n + 1}. ${redactUrls(describeAction(a))}`)), '```', '');
  }
  if (i.changes.length > 0) {
    out.push('| why | live | desired | reason |', '| --- | --- | --- | --- |');
    for (const c of i.changes) out.push(`| \`${mdEscape(c.path)}\` | ${mdEscape(fmtValue(c.from))} | ${mdEscape(fmtValue(c.to))} | ${mdEscape(redactUrls(c.reason))} |`);
    out.push('');
  }
  out.push('</details>', '');
  return out;
}

export function renderMrPlan(v: MrPlanView): string {
  const head = `**odoops plan** at \`${v.revision.slice(0, 12)}\``;
  if (v.invalid !== undefined) {
    return [`${head}: the config repo does not validate, nothing was planned`, '', '```', fenceSafe(redactUrls(v.invalid)), '```', '', 'Fix it and push: the plan runs again.', ''].join('\n');
  }
  const rows: string[] = [];
  const details: string[] = [];
  const blocked: string[] = [];
  const unreachable: string[] = [];
  const applyNow: string[] = [];
  const queued: string[] = [];
  let instances = 0;
  let changes = 0;
  for (const p of v.plans) {
    if (p.unreachable) {
      unreachable.push(`- \`${p.client}\`: ${mdEscape(redactUrls(p.unreachable.message))} (${p.unreachable.code})`);
      rows.push(`| ${mdEscape(p.client)} | — | ❓ unreachable | — |`);
      continue;
    }
    for (const i of p.instances.filter((x) => shown(v, x))) {
      const name = `${p.client}/${i.instance}`;
      const window = windowCell(v, p.client, i);
      const behind = v.queuedBehind[p.client];
      const differs = i.actions.length > 0 || i.blocked !== undefined || i.changes.length > 0;
      if (!differs) continue;
      instances++;
      changes += i.actions.length > 0 ? i.changes.length || i.actions.length : 0;
      rows.push(`| ${mdEscape(p.client)} | ${mdEscape(i.instance)} | ${changesCell(i)} | ${mdEscape(behind ? `queued behind ${behind}` : window)} |`);
      details.push(...instanceDetails(p, i, window));
      if (i.blocked) blocked.push(`- \`${name}\`: ${mdEscape(redactUrls(i.blocked.message))} (${i.blocked.code})`);
      else if (i.actions.length > 0) {
        if (behind) queued.push(`\`${name}\` queued behind ${behind}`);
        else if (i.window.open) applyNow.push(`\`${name}\``);
        else queued.push(`\`${name}\` queued until ${i.window.nextOpening ? formatOpening(i.window.nextOpening, v.timeZones[p.client]?.[i.instance] ?? 'UTC') : 'a person opens a window'}`);
      }
    }
  }
  const clients = v.plans.length + v.removed.length;
  const counts = `${plural(clients, 'client')} · ${plural(instances, 'instance')} to change · ${plural(changes, 'change')} · ${blocked.length} blocked${unreachable.length ? ` · ${unreachable.length} unreachable` : ''}`;
  const out = [`${head} — ${counts}`, ''];
  for (const c of v.removed) out.push(`- \`${c}\`: ${REMOVED_CLIENT}.`);
  if (v.removed.length) out.push('');
  if (rows.length === 0) {
    out.push(clients === 0 ? 'This MR changes no client’s desired state: nothing to plan.' : 'No changes: the servers already match this MR.', '');
    return out.join('\n');
  }
  out.push('| client | instance | changes | window |', '| --- | --- | --- | --- |', ...rows, '', ...details);
  if (blocked.length) out.push('**Blocked** (a person must act first)', '', ...blocked, '');
  if (unreachable.length) out.push('**Unreachable** (nothing is known about these servers)', '', ...unreachable, '');
  const onMerge: string[] = [];
  if (applyNow.length) onMerge.push(`${applyNow.join(', ')} apply at once`);
  if (queued.length) onMerge.push(queued.join('; '));
  out.push(`**On merge:** ${onMerge.length ? `${onMerge.join('; ')}.` : 'nothing is applied.'}`, '');
  return out.join('\n');
}

/** An instance's apply outcome, or `queued` (merged, not started yet); in the order the counts line shows them. */
export const MR_APPLY_OUTCOMES = ['applied', 'unchanged', 'waiting', 'queued', 'blocked', 'failed', 'rolled-back', 'skipped'] as const;
export type MrApplyOutcome = (typeof MR_APPLY_OUTCOMES)[number];

/** One instance in the apply comment: the operator's record of it (kept in state.json, operator/server/state.ts). */
export interface MrApplyInstance {
  instance: string;
  outcome: MrApplyOutcome;
  detail?: string;
  durationMs?: number;
  /** Waiting for its window: when it opens (ISO) and the zone to show it in. */
  nextOpening?: string | null;
  timeZone?: string;
  /** The failing command and its output, trimmed. */
  failure?: string;
}

export interface MrApplyClient {
  client: string;
  revision: string;
  status: string;
  note?: string;
  instances: MrApplyInstance[];
}

export interface MrApplyView {
  revision: string;
  clients: MrApplyClient[];
  removed?: string[];
}

const ICON: Record<MrApplyOutcome, string> = {
  applied: '✅',
  unchanged: '➖',
  waiting: '⏸️',
  queued: '⏳',
  blocked: '⛔',
  skipped: '⏭️',
  'rolled-back': '↩️',
  failed: '❌',
};

function instanceLine(c: MrApplyClient, i: MrApplyInstance): string[] {
  const name = `${c.client}/${i.instance}`;
  let what: string = i.outcome;
  if (i.outcome === 'waiting' && i.nextOpening !== undefined) {
    what = i.nextOpening ? `queued until ${formatOpening(i.nextOpening, i.timeZone ?? 'UTC')}` : 'waiting: no window opening found, a person must look';
  } else if (i.detail) what = `${i.outcome}: ${redactUrls(i.detail)}`;
  const took = i.durationMs !== undefined && i.outcome !== 'waiting' && i.outcome !== 'queued' ? ` (${fmtDuration(i.durationMs)})` : '';
  const out = [`- ${ICON[i.outcome]} \`${name}\`: ${mdEscape(what)}${took}`];
  if (i.failure) out.push('', '  ```', ...fenceSafe(i.failure).split('\n').map((l) => `  ${l}`), '  ```');
  return out;
}

export function renderMrApply(v: MrApplyView): string {
  const all = v.clients.flatMap((c) => c.instances);
  const count = (o: MrApplyOutcome) => all.filter((i) => i.outcome === o).length;
  const parts = MR_APPLY_OUTCOMES.filter((o) => count(o) > 0).map((o) => `${count(o)} ${o}`);
  const out = [`**odoops apply** at \`${v.revision.slice(0, 12)}\` — ${parts.join(' · ') || 'nothing to do'}`, ''];
  for (const c of v.clients) {
    if (c.note) out.push(`- **${mdEscape(c.client)}**: ${mdEscape(c.note)}`);
    for (const i of c.instances) out.push(...instanceLine(c, i));
  }
  for (const r of v.removed ?? []) out.push(`- \`${r}\`: ${REMOVED_CLIENT}.`);
  out.push('');
  return out.join('\n');
}

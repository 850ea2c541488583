/** Renderings of plans (pure): terraform-like terminal text and Atlantis-like Markdown. */
import { summarizePlans } from '../plan/plan.ts';
import type { Change, InstancePlan, Plan, PlanSummary } from '../plan/types.ts';
import { managedIsEmpty, managedPlanMarkdown, managedPlanText } from './managed.ts';
import { changeLines, stepsText, wrap } from './changes.ts';
import { provisionHeadline } from '../provision/describe.ts';
import { isProvisionAction } from '../provision/types.ts';
import { actionSign, colors, describeAction, fenceSafe, fmtValue, headline, mdEscape, plural, redactUrls, type Colors } from './format.ts';

/** Hidden marker that makes the MR comment sticky: the forge updates the comment carrying it. */
export const PLAN_MARKER = '<!-- odoops:plan -->';

/** What the plan's summary counts, each with its own noun: instances, clients or servers. */
export interface PlanCounts {
  /** Instances with steps to run, split by whether their window is open now. */
  instancesToChange: number;
  inWindowNow: number;
  waitingForWindow: number;
  /** Clients those instances belong to. */
  clientsToChange: number;
  /** Instances that differ but cannot be applied (see their reason). */
  instancesBlocked: number;
  /** Servers not read: unreachable (or failing), and refused because their host key is not the pinned one. */
  serversUnreachable: number;
  hostKeyMismatches: number;
  clientsUnchanged: number;
}

export function countPlans(plans: Plan[]): PlanCounts {
  const c: PlanCounts = { instancesToChange: 0, inWindowNow: 0, waitingForWindow: 0, clientsToChange: 0, instancesBlocked: 0, serversUnreachable: 0, hostKeyMismatches: 0, clientsUnchanged: 0 };
  for (const p of plans) {
    if (p.unreachable !== undefined) {
      if (p.unreachable.code === 'host-key-mismatch') c.hostKeyMismatches++;
      else c.serversUnreachable++;
      continue;
    }
    if (isUnchanged(p)) c.clientsUnchanged++;
    let changes = false;
    for (const i of p.instances) {
      if (i.blocked) c.instancesBlocked++;
      if (i.actions.length === 0) continue;
      changes = true;
      c.instancesToChange++;
      if (i.window.open) c.inWindowNow++;
      else c.waitingForWindow++;
    }
    if (changes) c.clientsToChange++;
  }
  return c;
}

/**
 * "3 instances to change on 2 clients (1 in its window now, 2 waiting for their window),
 * 1 instance blocked, 1 server unreachable, 1 server refused: host key mismatch, 1 client unchanged"
 * (zero counts left out).
 */
export function planSummaryLine(plans: Plan[]): string {
  const c = countPlans(plans);
  const parts: string[] = [];
  if (c.instancesToChange > 0) {
    const when = [c.inWindowNow ? `${c.inWindowNow} in ${c.inWindowNow === 1 ? 'its' : 'their'} window now` : '', c.waitingForWindow ? `${c.waitingForWindow} waiting for ${c.waitingForWindow === 1 ? 'its' : 'their'} window` : '']
      .filter(Boolean)
      .join(', ');
    parts.push(`${plural(c.instancesToChange, 'instance')} to change on ${plural(c.clientsToChange, 'client')} (${when})`);
  } else parts.push('nothing to change');
  if (c.instancesBlocked) parts.push(`${plural(c.instancesBlocked, 'instance')} blocked`);
  if (c.serversUnreachable) parts.push(`${plural(c.serversUnreachable, 'server')} unreachable`);
  if (c.hostKeyMismatches) parts.push(`${plural(c.hostKeyMismatches, 'server')} refused: host key mismatch`);
  if (c.clientsUnchanged) parts.push(`${plural(c.clientsUnchanged, 'client')} unchanged`);
  return parts.join(', ');
}

function revisionOf(plans: Plan[]): string {
  const revs = [...new Set(plans.map((p) => p.revision))];
  return revs.length === 1 ? fmtValue(revs[0]) : revs.map((r) => fmtValue(r)).join(', ');
}

function isUnchanged(p: Plan): boolean {
  return p.unreachable === undefined && p.instances.every((i) => i.actions.length === 0 && !i.blocked && i.changes.length === 0) && managedIsEmpty(p.managed);
}

/**
 * The changes a plan may show for an instance. A reading that is incomplete (PostgreSQL down:
 * no module list) would make every module look "not on the server": nothing is shown from it.
 */
function shownChanges(i: InstancePlan): Change[] {
  return i.blocked?.code === 'live-incomplete' ? [] : i.changes;
}

/** Why a server was not read, as one line; a host key mismatch says what it may mean. */
export function notReadText(p: Plan): string {
  const r = p.unreachable!;
  if (r.code === 'host-key-mismatch') {
    return `host key mismatch: ${redactUrls(r.message)} (refused: the server may have been reinstalled, or someone may be intercepting the connection; check its key before pinning a new one)`;
  }
  return `${r.code === 'unreachable' ? 'unreachable' : r.code}: ${redactUrls(r.message)}`;
}

const WIDTH = 100;

function instanceText(p: Plan, i: InstancePlan, c: Colors): string[] {
  const name = c.bold(`${p.client}/${i.instance}`);
  const out: string[] = [];
  const indent = (first: string, text: string) => wrap(text, WIDTH - first.length).map((l, n) => (n === 0 ? first : ' '.repeat(first.length)) + l);
  if (i.blocked) {
    out.push(`${c.red('!')} ${name}  ${c.red(`blocked: ${redactUrls(i.blocked.message)}`)}`);
    if (i.blocked.code === 'live-incomplete') out.push(`    ${c.dim('no changes shown: the server could not be read completely')}`);
  } else if (i.actions.length > 0) {
    out.push(`${c.yellow('~')} ${name}  ${i.window.open ? c.green(`window ${i.window.description}`) : c.yellow(`window ${i.window.description}`)}`);
  } else if (i.changes.length > 0) {
    out.push(`${c.yellow('~')} ${name}  differs, nothing to apply`);
  } else {
    return [`  ${c.dim(`${p.client}/${i.instance}: no changes`)}`];
  }
  // A bare instance: the one change is its provisioning (what it creates), said once.
  const provisioning = i.actions.some(isProvisionAction) ? [{ sign: '+' as const, text: `${p.client}/${i.instance}: ${provisionHeadline(i.actions)}` }] : [];
  for (const line of [...provisioning, ...changeLines(shownChanges(i))]) {
    const color = line.sign === '+' ? c.green : line.sign === '-' ? c.red : c.yellow;
    out.push(...indent(`    ${line.sign} `, line.text).map((l, n) => (n === 0 ? l.replace(line.sign, color(line.sign)) : l)));
  }
  if (i.actions.length > 0) out.push(...indent('    steps: ', stepsText(i.actions)).map((l) => c.dim(l)));
  if (i.dependsOn) out.push(`    ${c.dim(`runs after ${p.client}/${i.dependsOn} succeeds in the same run`)}`);
  return out;
}

/**
 * Terminal rendering: per instance with changes, a header (window, or why it is blocked), what
 * changes (once, grouped, in human units), then the steps apply takes; servers not read; the
 * unchanged clients on one line; a summary whose counts say what they count.
 */
export function renderPlanText(plans: Plan[], opts: { color: boolean }): string {
  const c = colors(opts.color);
  // No client selected (e.g. --changed-since with nothing changed): no revision to name.
  if (plans.length === 0) return 'odoops plan: no client selected, nothing to plan\n\nSummary: nothing to change\n';
  const lines: string[] = [`odoops plan at ${revisionOf(plans)}`, ''];
  const unchanged: string[] = [];
  for (const p of plans) {
    if (p.unreachable !== undefined) {
      lines.push(`${c.red('?')} ${c.bold(p.client)}  ${c.red(notReadText(p))}`);
      continue;
    }
    if (isUnchanged(p)) {
      unchanged.push(p.client);
      continue;
    }
    for (const i of p.instances) lines.push(...instanceText(p, i, c));
    if (p.managed) lines.push(...managedPlanText(p.managed, c));
  }
  if (unchanged.length > 0) lines.push(c.dim(`No changes: ${unchanged.join(', ')}`));
  lines.push('', `Summary: ${planSummaryLine(plans)}`);
  return lines.join('\n') + '\n';
}

function instanceMarkdown(p: Plan, i: InstancePlan): string[] {
  const name = `${p.client}/${i.instance}`;
  const out: string[] = [];
  if (i.blocked) out.push(`#### ⛔ ${mdEscape(name)}: blocked`, '', `> ${mdEscape(redactUrls(i.blocked.message))}`, '');
  else out.push(`#### ${mdEscape(name)}`, '');
  out.push(`- window: ${i.window.open ? '🟢' : '⏸️'} ${mdEscape(i.window.description)}`);
  if (i.dependsOn) out.push(`- runs after \`${p.client}/${i.dependsOn}\` succeeds in the same run`);
  out.push('');
  if (i.actions.length > 0) {
    out.push('```diff', ...i.actions.map((a) => fenceSafe(`${actionSign(a) === '~' ? '!' : actionSign(a)} ${redactUrls(describeAction(a))}`)), '```', '');
  }
  if (i.blocked?.code === 'live-incomplete') out.push('No changes shown: the server could not be read completely.', '');
  if (shownChanges(i).length > 0) {
    out.push('| change | live | desired | why |', '| --- | --- | --- | --- |');
    for (const ch of shownChanges(i)) {
      out.push(`| \`${mdEscape(ch.path)}\` | ${mdEscape(fmtValue(ch.from))} | ${mdEscape(fmtValue(ch.to))} | ${mdEscape(redactUrls(ch.reason))} |`);
    }
    out.push('');
  }
  return out;
}

function clientSummary(p: Plan): string {
  return p.instances
    .filter((i) => i.actions.length > 0 || i.blocked || i.changes.length > 0)
    .map((i) => {
      if (i.blocked) return `${i.instance}: blocked`;
      if (i.actions.length === 0) return `${i.instance}: differs`;
      return `${i.instance}: ${headline(i.actions)}${i.window.open ? '' : ' (waiting for window)'}`;
    })
    .concat(managedIsEmpty(p.managed) ? [] : [`managed files: ${p.managed!.drift.map((d) => d.unit).concat(p.managed!.refused.map((r) => `${r.unit} (refused)`)).join(', ') || 'blocked'}`])
    .join(' · ');
}

/** MR comment: sticky marker, summary, one collapsible section per client with changes. */
export function renderPlanMarkdown(plans: Plan[]): string {
  const out: string[] = [PLAN_MARKER, `### odoops plan at \`${revisionOf(plans)}\``, '', `**${planSummaryLine(plans)}**`, ''];
  const unchanged: string[] = [];
  const unreachable: Plan[] = [];
  for (const p of plans) {
    if (p.unreachable !== undefined) unreachable.push(p);
    else if (isUnchanged(p)) unchanged.push(p.client);
    else {
      out.push(`<details><summary><b>${mdEscape(p.client)}</b>: ${mdEscape(clientSummary(p))}</summary>`, '');
      for (const i of p.instances) if (i.actions.length > 0 || i.blocked || i.changes.length > 0) out.push(...instanceMarkdown(p, i));
      if (p.managed) out.push(...managedPlanMarkdown(p.managed));
      out.push('</details>', '');
    }
  }
  if (unreachable.length > 0) {
    out.push('**Not read**', '', ...unreachable.map((p) => `- ${p.unreachable?.code === 'host-key-mismatch' ? '🚨' : '❓'} \`${p.client}\`: ${mdEscape(notReadText(p))}`), '');
  }
  if (unchanged.length > 0) out.push(`No changes: ${unchanged.map((n) => `\`${n}\``).join(', ')}`, '');
  return out.join('\n');
}

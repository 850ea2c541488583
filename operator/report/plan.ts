/** Renderings of plans (pure): terraform-like terminal text and Atlantis-like Markdown. */
import { summarizePlans } from '../plan/plan.ts';
import type { Change, InstancePlan, Plan, PlanSummary } from '../plan/types.ts';
import { managedIsEmpty, managedPlanMarkdown, managedPlanText } from './managed.ts';
import { actionSign, colors, describeAction, fenceSafe, fmtValue, headline, mdEscape, plural, redactUrls, type Colors } from './format.ts';

/** Hidden marker that makes the MR comment sticky: the forge updates the comment carrying it. */
export const PLAN_MARKER = '<!-- odoops:plan -->';

/** "2 clients with changes, 1 waiting for window, 1 blocked, 1 unreachable" (zero counts after the first omitted). */
export function summaryLine(s: PlanSummary): string {
  const parts = [`${plural(s.withChanges, 'client')} with changes`];
  if (s.waiting) parts.push(`${s.waiting} waiting for window`);
  if (s.blocked) parts.push(`${s.blocked} blocked`);
  if (s.unreachable) parts.push(`${s.unreachable} unreachable`);
  return parts.join(', ');
}

function changeLine(c: Change): string {
  return `${c.path}: ${fmtValue(c.from)} -> ${fmtValue(c.to)} (${redactUrls(c.reason)})`;
}

function revisionOf(plans: Plan[]): string {
  const revs = [...new Set(plans.map((p) => p.revision))];
  return revs.length === 1 ? fmtValue(revs[0]) : revs.map((r) => fmtValue(r)).join(', ');
}

function isUnchanged(p: Plan): boolean {
  return p.unreachable === undefined && p.instances.every((i) => i.actions.length === 0 && !i.blocked && i.changes.length === 0) && managedIsEmpty(p.managed);
}

function instanceText(p: Plan, i: InstancePlan, c: Colors): string[] {
  const name = `${p.client}/${i.instance}`;
  const out: string[] = [];
  if (i.blocked) {
    out.push(`${c.red('!')} ${c.bold(name)}: ${c.red(`blocked: ${redactUrls(i.blocked.message)}`)}`);
  } else if (i.actions.length > 0) {
    out.push(`${c.yellow('~')} ${c.bold(name)}: ${headline(i.actions)}`);
  } else if (i.changes.length > 0) {
    out.push(`${c.yellow('~')} ${c.bold(name)}: differs, nothing to apply`);
  } else {
    return [`  ${c.dim(`${name}: no changes`)}`];
  }
  out.push(`    window: ${i.window.open ? c.green(i.window.description) : c.yellow(i.window.description)}`);
  if (i.dependsOn) out.push(`    ${c.dim(`after ${p.client}/${i.dependsOn} succeeds in the same run`)}`);
  for (const a of i.actions) {
    const sign = actionSign(a);
    const color = sign === '+' ? c.green : sign === '-' ? c.red : c.yellow;
    out.push(`    ${color(sign)} ${redactUrls(describeAction(a))}`);
  }
  if (i.changes.length > 0) {
    out.push(`    ${c.dim('why:')}`);
    for (const ch of i.changes) out.push(`      ${c.dim(changeLine(ch))}`);
  }
  return out;
}

/** Terminal rendering: one block per instance with changes, then unchanged clients, then a summary. */
export function renderPlanText(plans: Plan[], opts: { color: boolean }): string {
  const c = colors(opts.color);
  const lines: string[] = [`odoops plan at ${revisionOf(plans)}`, ''];
  const unchanged: string[] = [];
  for (const p of plans) {
    if (p.unreachable !== undefined) {
      lines.push(`${c.red('?')} ${c.bold(p.client)}: ${c.red(`${p.unreachable.code === 'unreachable' ? 'unreachable' : p.unreachable.code}: ${p.unreachable.message}`)}`);
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
  lines.push('', `Summary: ${summaryLine(summarizePlans(plans))}`);
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
  if (i.changes.length > 0) {
    out.push('| change | live | desired | why |', '| --- | --- | --- | --- |');
    for (const ch of i.changes) {
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
  const s = summarizePlans(plans);
  const out: string[] = [PLAN_MARKER, `### odoops plan at \`${revisionOf(plans)}\``, '', `**${summaryLine(s)}**`, ''];
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
    out.push('**Unreachable**', '', ...unreachable.map((p) => `- \`${p.client}\`: ${mdEscape(p.unreachable?.message ?? '')}`), '');
  }
  if (unchanged.length > 0) out.push(`No changes: ${unchanged.map((n) => `\`${n}\``).join(', ')}`, '');
  return out.join('\n');
}

/** Renderings of apply results (pure): terminal text and Markdown (MR comment after apply). */
import type { ApplyResult, Downtime, InstanceOutcome, InstanceResult } from '../apply/types.ts';
import { managedApplyText, managedFailed } from './managed.ts';
import { colors, describeAction, headline, fenceSafe, fmtDuration, fmtValue, mdEscape, redactUrls, type Colors } from './format.ts';

export const APPLY_MARKER = '<!-- odoops:apply -->';

const ORDER: InstanceOutcome[] = ['applied', 'unchanged', 'waiting', 'blocked', 'skipped', 'rolled-back', 'failed'];

export interface ApplyCounts {
  /** Instance counts by outcome. */
  outcomes: Record<InstanceOutcome, number>;
  /** Clients where nothing could be done (unreachable, lock held, host key mismatch). */
  errors: number;
  /** Of those, servers refused because their SSH host key is not the pinned one (may be an attack). */
  hostKeyMismatches: number;
}

export function countApply(results: ApplyResult[]): ApplyCounts {
  const outcomes = Object.fromEntries(ORDER.map((o) => [o, 0])) as Record<InstanceOutcome, number>;
  let errors = 0;
  let hostKeyMismatches = 0;
  for (const r of results) {
    if (r.error !== undefined) errors++;
    if (r.error?.code === 'host-key-mismatch') hostKeyMismatches++;
    for (const i of r.instances) outcomes[i.outcome]++;
  }
  return { outcomes, errors, hostKeyMismatches };
}

/** Outcomes that make `odoops apply` exit non-zero: a person (or a later run) has something to look at. */
const BAD: ReadonlySet<InstanceOutcome> = new Set(['failed', 'rolled-back', 'blocked']);

/**
 * Exit code of `odoops apply`, from outcomes and codes only: 1 when a server could not be
 * worked on (unreachable, locked, host key) or an instance failed, was rolled back or is
 * blocked; 0 when everything is applied, unchanged or waiting for its window. An instance
 * skipped because another failed or is blocked adds nothing: that one already counts.
 */
export function applyExitCode(results: ApplyResult[]): 0 | 1 {
  return results.some((r) => r.error !== undefined || r.instances.some((i) => BAD.has(i.outcome)) || managedFailed(r.managed)) ? 1 : 0;
}

/**
 * "2 applied, 1 waiting, 1 failed, 1 client error, 1 server refused: host key mismatch" (zero
 * counts omitted; "nothing to do" if all zero). A host key mismatch is never folded into errors.
 */
export function applySummaryLine(results: ApplyResult[]): string {
  const { outcomes, errors, hostKeyMismatches } = countApply(results);
  const parts = ORDER.filter((o) => outcomes[o] > 0).map((o) => `${outcomes[o]} ${o}`);
  const others = errors - hostKeyMismatches;
  if (others) parts.push(`${others} client ${others === 1 ? 'error' : 'errors'}`);
  if (hostKeyMismatches) parts.push(`${hostKeyMismatches} ${hostKeyMismatches === 1 ? 'server' : 'servers'} refused: host key mismatch`);
  return parts.length ? parts.join(', ') : 'nothing to do';
}

function outcomeColor(o: InstanceOutcome, c: Colors): (s: string) => string {
  if (o === 'applied') return c.green;
  if (o === 'failed' || o === 'rolled-back') return c.red;
  if (o === 'unchanged') return c.dim;
  return c.yellow;
}

function lastLines(s: string, n: number): string[] {
  return s.replace(/\s+$/, '').split('\n').slice(-n);
}

/** "downtime 4.2s (02:00:01.120Z → 02:00:05.320Z)", or "not serving since ..." when it never came back in the run. */
export function downtimeLine(d: Downtime): string {
  const time = (iso: string) => iso.slice(11);
  return d.to === null || d.ms === null
    ? `downtime: odoo not healthy again in this run (stopped at ${d.from})`
    : `downtime ${fmtDuration(d.ms)} (${d.from.slice(0, 10)} ${time(d.from)} → ${time(d.to)})`;
}

function instanceText(r: ApplyResult, i: InstanceResult, c: Colors): string[] {
  const color = outcomeColor(i.outcome, c);
  const out = [`${color(i.outcome.padEnd(11))} ${c.bold(`${r.client}/${i.instance}`)}${i.detail ? `: ${redactUrls(i.detail)}` : ''}`];
  if (i.downtime) out.push(`    ${(i.downtime.to === null ? c.red : c.dim)(downtimeLine(i.downtime))}`);
  // Nothing ran for a waiting or blocked instance: one line listing what waits, not a row per action.
  if (i.actions.length > 0 && i.actions.every((a) => a.outcome === 'skipped')) {
    out.push(`    ${c.dim(`not run: ${headline(i.actions.map((a) => a.action))}`)}`);
    return out;
  }
  for (const a of i.actions) {
    const mark = a.outcome === 'ok' ? c.green('ok    ') : a.outcome === 'failed' ? c.red('failed') : c.dim('skip  ');
    out.push(`    ${mark} ${describeAction(a.action)} ${c.dim(`(${fmtDuration(a.durationMs)})`)}`);
    if (a.outcome === 'failed') {
      if (a.command) out.push(`           command: ${redactUrls(a.command)}`);
      if (a.output) out.push(...lastLines(redactUrls(a.output), 10).map((l) => `           | ${l}`));
    }
  }
  return out;
}

export function renderApplyText(results: ApplyResult[], opts: { color: boolean } = { color: false }): string {
  const c = colors(opts.color);
  const revs = [...new Set(results.map((r) => fmtValue(r.revision)))];
  const lines = [`odoops apply at ${revs.join(', ')}`, ''];
  for (const r of results) {
    if (r.error !== undefined) {
      const hostKey = r.error.code === 'host-key-mismatch';
      const note = hostKey ? ' (refused: the server may have been reinstalled, or someone may be intercepting the connection; check its key before pinning a new one)' : '';
      lines.push(`${c.red((hostKey ? 'host key' : 'error').padEnd(11))} ${c.bold(r.client)}: ${redactUrls(r.error.message)}${note}`);
    }
    if (r.takeover) lines.push(...takeoverLines(r).map((l) => c.yellow(l)));
    for (const i of r.instances) lines.push(...instanceText(r, i, c));
    if (r.managed) lines.push(...managedApplyText(r.managed, c));
  }
  lines.push('', `Summary: ${applySummaryLine(results)}`);
  return lines.join('\n') + '\n';
}

/** What a run found and did after taking over a dead run's lock. */
function takeoverLines(r: ApplyResult): string[] {
  const t = r.takeover!;
  const stopped = t.stoppedCommands ? `; ${t.stoppedCommands} of its commands were stopped` : '';
  return [
    `takeover    ${r.client}: run ${t.runId} (host ${t.host}, since ${t.since}) had died holding the lock${stopped}`,
    ...t.instances.map((i) => `    ${r.client}/${i.instance}: ${redactUrls(i.found)}: ${redactUrls(i.done)}`),
  ];
}

const ICON: Record<InstanceOutcome, string> = {
  applied: '✅',
  unchanged: '➖',
  waiting: '⏸️',
  blocked: '⛔',
  skipped: '⏭️',
  'rolled-back': '↩️',
  failed: '❌',
};

export function renderApplyMarkdown(results: ApplyResult[]): string {
  const revs = [...new Set(results.map((r) => fmtValue(r.revision)))];
  const out = [APPLY_MARKER, `### odoops apply at \`${revs.join(', ')}\``, '', `**${applySummaryLine(results)}**`, ''];
  for (const r of results) {
    if (r.error !== undefined) {
      out.push(`- ❌ **${mdEscape(r.client)}**: ${mdEscape(redactUrls(r.error.message))}`, '');
      continue;
    }
    if (r.takeover) out.push(...takeoverLines(r).map((l) => `- ⚠️ ${mdEscape(l.trim())}`), '');
    for (const i of r.instances) {
      const down = i.downtime ? ` (${mdEscape(downtimeLine(i.downtime))})` : '';
      const head = `${ICON[i.outcome]} <b>${mdEscape(`${r.client}/${i.instance}`)}</b>: ${i.outcome}${down}${i.detail ? ` — ${mdEscape(redactUrls(i.detail))}` : ''}`;
      if (i.actions.length === 0) {
        out.push(`- ${head}`, '');
        continue;
      }
      out.push(`<details><summary>${head}</summary>`, '', '| action | result | time |', '| --- | --- | --- |');
      for (const a of i.actions) out.push(`| ${mdEscape(describeAction(a.action))} | ${a.outcome} | ${fmtDuration(a.durationMs)} |`);
      out.push('');
      for (const a of i.actions.filter((x) => x.outcome === 'failed')) {
        out.push('```', fenceSafe(`$ ${redactUrls(a.command ?? describeAction(a.action))}`), ...lastLines(fenceSafe(redactUrls(a.output ?? '')), 20), '```', '');
      }
      out.push('</details>', '');
    }
  }
  return out.join('\n');
}

/**
 * The drift issue (pure): title, Markdown body and whether it must be open. Open while a
 * server drifted, needs a person (failed rollback marker, partial reading) or cannot be
 * reached; pending changes are listed with their window but alone never keep it open.
 * The body carries no secret: secret options read "(secret)" in every change.
 */
import type { FleetDriftStatus } from '../drift/types.ts';
import { clientsIn, driftCountsLine, lastAppliedText, pendingWhen } from './drift-status.ts';
import { fmtValue, mdEscape, plural } from './format.ts';

export const DRIFT_ISSUE_TOPIC = 'drift';
export const DRIFT_ISSUE_LABELS = ['odoops', 'drift'];

export interface DriftIssue {
  title: string;
  body: string;
  open: boolean;
}

export function driftIssueNeeded(s: FleetDriftStatus): boolean {
  return s.counts.drifting + s.counts.attention + s.counts.unreachable > 0;
}

export function driftIssueTitle(s: FleetDriftStatus): string {
  if (!driftIssueNeeded(s)) return 'odoops drift: fleet in sync';
  const parts: string[] = [];
  if (s.counts.drifting) parts.push(`${plural(s.counts.drifting, 'client')} drifting`);
  if (s.counts.attention) parts.push(`${plural(s.counts.attention, 'client')} needing a person`);
  if (s.counts.unreachable) parts.push(`${s.counts.unreachable} unreachable`);
  return `odoops drift: ${parts.join(', ')}`;
}

const cell = (v: unknown) => mdEscape(fmtValue(v));

export function renderDriftIssue(s: FleetDriftStatus, opts: { runUrl?: string } = {}): DriftIssue {
  const out: string[] = [
    `### odoops drift report`,
    '',
    `Checked at ${s.checkedAt} against \`${fmtValue(s.revision)}\`${opts.runUrl ? ` ([run](${opts.runUrl}))` : ''}.`,
    '',
    `**${driftCountsLine(s.counts)}**`,
    '',
  ];
  const drifting = s.clients.filter((c) => c.instances.some((i) => i.drift.length > 0));
  if (drifting.length) {
    out.push('#### Drift: changed on the server since odoops applied', '');
    for (const c of drifting) {
      for (const i of c.instances.filter((x) => x.drift.length > 0)) {
        out.push(`**${mdEscape(c.client)}/${mdEscape(i.instance)}** (last applied ${mdEscape(lastAppliedText(i))})`, '', '| what | applied by odoops | now on the server |', '| --- | --- | --- |');
        for (const d of i.drift) out.push(`| \`${mdEscape(d.path)}\` | ${cell(d.from)} | ${cell(d.to)} |`);
        out.push('');
      }
    }
    out.push('Revert by hand, or run `odoops apply` inside the window to put back the desired state; keep a hand change by committing it to the config repo.', '');
  }
  for (const c of s.clients.filter((x) => x.managed?.length)) {
    out.push(`#### ${mdEscape(c.client)}: managed files differ from their rendering`, '', '| file | now on the server | desired | why |', '| --- | --- | --- | --- |');
    for (const d of c.managed!) out.push(`| \`${mdEscape(d.path)}\` | ${cell(d.from)} | ${cell(d.to)} | ${mdEscape(d.reason)} |`);
    out.push('');
  }
  const attention = s.clients.flatMap((c) => c.instances.filter((i) => i.attention).map((i) => ({ where: `${c.client}/${i.instance}`, reason: i.attention! })));
  for (const c of s.clients) for (const r of c.managedAttention ?? []) attention.push({ where: `${c.client} (managed files)`, reason: r });
  if (attention.length) {
    out.push('#### Needs a person', '');
    for (const { where, reason } of attention) out.push(`- \`${where}\` (${reason.code}): ${mdEscape(reason.message)}`);
    out.push('');
  }
  const unreachable = clientsIn(s, 'unreachable');
  if (unreachable.length) {
    out.push('#### Unreachable', '');
    for (const c of unreachable) out.push(`- \`${c.client}\` (${c.unreachable!.code}): ${mdEscape(c.unreachable!.message)}`);
    out.push('');
  }
  const held = s.clients.filter((c) => c.heldBy);
  if (held.length) {
    out.push('#### Held by a merge request (not reverted)', '');
    for (const c of held) out.push(`- \`${c.client}\`: held by ${mdEscape(c.heldBy!)} (applied before its merge): drift and self-heal leave it alone until that MR is merged or closed`);
    out.push('');
  }
  const pending = s.clients.flatMap((c) => c.instances.filter((i) => i.pending).map((i) => ({ c, i })));
  if (pending.length) {
    out.push('#### Pending changes (applied in their windows; these alone do not keep this issue open)', '', '| client/instance | changes | when |', '| --- | --- | --- |');
    for (const { c, i } of pending) {
      const p = i.pending!;
      const what = p.changes.map((d) => `\`${mdEscape(d.path)}\``).join(', ') || '(none)';
      out.push(`| \`${c.client}/${i.instance}\` | ${what} | ${mdEscape(pendingWhen(p))} |`);
    }
    out.push('');
  }
  if (!driftIssueNeeded(s)) out.push('The fleet is back in sync: this issue is closed and reopened if drift returns.', '');
  return { title: driftIssueTitle(s), body: out.join('\n'), open: driftIssueNeeded(s) };
}

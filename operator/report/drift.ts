/** Renderings of drift (pure): terminal text and Markdown (body of the drift issue). */
import type { DriftReport } from '../plan/types.ts';
import { colors, fmtValue, mdEscape, plural, redactUrls } from './format.ts';

export const DRIFT_MARKER = '<!-- odoops:drift -->';

export function driftSummaryLine(d: DriftReport): string {
  const parts = [d.drifted ? `${plural(d.clients.length, 'client')} drifted` : 'no drift'];
  const hostKey = d.unreachable.filter((u) => u.reason.code === 'host-key-mismatch').length;
  if (d.unreachable.length - hostKey) parts.push(`${d.unreachable.length - hostKey} unreachable`);
  if (hostKey) parts.push(`${plural(hostKey, 'server')} refused: host key mismatch`);
  return parts.join(', ');
}

export function renderDriftText(d: DriftReport, opts: { color: boolean } = { color: false }): string {
  const c = colors(opts.color);
  const lines = [`odoops drift at ${fmtValue(d.revision)}`, ''];
  for (const client of d.clients) {
    for (const i of client.instances) {
      const name = c.bold(`${client.client}/${i.instance}`);
      lines.push(i.blocked ? `${c.red('!')} ${name}: ${c.red(`blocked: ${i.blocked.message}`)}` : `${c.yellow('~')} ${name}: ${plural(i.changes.length, 'difference')}`);
      for (const ch of i.changes) lines.push(`    ${ch.path}: live ${fmtValue(ch.from)}, desired ${fmtValue(ch.to)} (${redactUrls(ch.reason)})`);
    }
    if (client.managed?.length) lines.push(`${c.yellow('~')} ${c.bold(`${client.client} (managed files)`)}: ${plural(client.managed.length, 'difference')}`);
    for (const ch of client.managed ?? []) lines.push(`    ${ch.path}: live ${fmtValue(ch.from)}, desired ${fmtValue(ch.to)} (${redactUrls(ch.reason)})`);
    if (client.backups) lines.push(`${client.backups.state === 'failing' ? c.red('!') : c.yellow('~')} ${c.bold(`${client.client} (backups)`)}: ${client.backups.state}`);
    for (const ch of client.backups?.changes ?? []) lines.push(`    ${ch.path}: ${redactUrls(ch.reason)}`);
  }
  for (const u of d.unreachable) lines.push(`${c.red('?')} ${c.bold(u.client)}: ${c.red(`${u.reason.code === 'unreachable' ? 'unreachable' : u.reason.code === 'host-key-mismatch' ? 'host key mismatch' : u.reason.code}: ${u.reason.message}`)}`);
  lines.push('', `Summary: ${driftSummaryLine(d)}`);
  return lines.join('\n') + '\n';
}

export function renderDriftMarkdown(d: DriftReport): string {
  const out = [DRIFT_MARKER, `### odoops drift at \`${fmtValue(d.revision)}\``, '', `**${driftSummaryLine(d)}**`, ''];
  for (const client of d.clients) {
    out.push(`#### ${mdEscape(client.client)}`, '');
    for (const i of client.instances) {
      if (i.blocked) out.push(`- ⛔ \`${i.instance}\` blocked: ${mdEscape(i.blocked.message)}`, '');
      if (i.changes.length === 0) continue;
      out.push(`| instance | path | live | desired | why |`, '| --- | --- | --- | --- | --- |');
      for (const ch of i.changes) {
        out.push(`| ${mdEscape(i.instance)} | \`${mdEscape(ch.path)}\` | ${mdEscape(fmtValue(ch.from))} | ${mdEscape(fmtValue(ch.to))} | ${mdEscape(redactUrls(ch.reason))} |`);
      }
      out.push('');
    }
  }
  for (const client of d.clients.filter((x) => x.backups)) {
    out.push(`#### ${mdEscape(client.client)}: backups ${client.backups!.state}`, '', ...client.backups!.changes.map((ch) => `- \`${mdEscape(ch.path)}\`: ${mdEscape(redactUrls(ch.reason))}`), '');
  }
  for (const client of d.clients.filter((x) => x.managed?.length)) {
    out.push(`#### ${mdEscape(client.client)}: managed files`, '', '| file | live | desired | why |', '| --- | --- | --- | --- |');
    for (const ch of client.managed!) out.push(`| \`${mdEscape(ch.path)}\` | ${mdEscape(fmtValue(ch.from))} | ${mdEscape(fmtValue(ch.to))} | ${mdEscape(redactUrls(ch.reason))} |`);
    out.push('');
  }
  if (d.unreachable.length) {
    out.push('**Unreachable**', '', ...d.unreachable.map((u) => `- \`${u.client}\`: ${mdEscape(u.reason.message)}`), '');
  }
  return out.join('\n');
}

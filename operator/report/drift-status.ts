/**
 * Terminal rendering of the fleet's drift status (pure): drift (the server moved away from
 * what odoops applied), pending changes with their window, what needs a person, unreachable
 * servers. In-sync instances are counted, not listed.
 */
import type { ClientStatus, DriftCounts, FleetDriftStatus, InstanceStatus, PendingChange } from '../drift/types.ts';
import { colors, fmtValue, plural, redactUrls } from './format.ts';

/** `hostKeyMismatches`: of the unreachable, those refused for their host key (it may be an attack: counted apart). */
export function driftCountsLine(c: DriftCounts, hostKeyMismatches = 0): string {
  const parts = [c.drifting > 0 ? `${plural(c.drifting, 'client')} drifting` : 'no drift'];
  if (c.attention) parts.push(`${plural(c.attention, 'client')} needing a person`);
  if (c.pending) parts.push(`${plural(c.pending, 'client')} with pending changes`);
  if (c.unreachable - hostKeyMismatches > 0) parts.push(`${c.unreachable - hostKeyMismatches} unreachable`);
  if (hostKeyMismatches > 0) parts.push(`${plural(hostKeyMismatches, 'server')} refused: host key mismatch`);
  parts.push(`${c.inSync} in sync`);
  return parts.join(', ');
}

/** "window open now (next apply)", "waits for its window: closed; next opening Sun ...", "blocked: ...". */
export function pendingWhen(p: PendingChange): string {
  if (p.blocked) return `blocked: ${p.blocked.message}`;
  if (p.window.open) return `window ${p.window.description}: applied by the next apply`;
  return `waits for its window (${p.window.description})`;
}

export function lastAppliedText(i: InstanceStatus): string {
  return i.lastApplied ? `${fmtValue(i.lastApplied.revision)} at ${i.lastApplied.at}` : 'never';
}

export function renderDriftStatusText(s: FleetDriftStatus, opts: { color: boolean } = { color: false }): string {
  const c = colors(opts.color);
  const lines = [`odoops drift at ${fmtValue(s.revision)}`, ''];
  const changeLine = (path: string, from: unknown, to: unknown, fromWord: string, toWord: string, why?: string) =>
    `    ${path}: ${fromWord} ${fmtValue(from)}, ${toWord} ${fmtValue(to)}${why ? ` (${redactUrls(why)})` : ''}`;
  for (const client of s.clients) {
    if (client.unreachable) {
      const word = client.unreachable.code === 'host-key-mismatch' ? 'host key mismatch' : 'unreachable';
      lines.push(`${c.red('?')} ${c.bold(client.client)}: ${c.red(`${word}: ${client.unreachable.message}`)}`);
      continue;
    }
    for (const i of client.instances) {
      const name = c.bold(`${client.client}/${i.instance}`);
      if (i.attention) lines.push(`${c.red('!')} ${name}: ${c.red(`needs a person: ${i.attention.message}`)}`);
      if (i.drift.length > 0) {
        lines.push(`${c.red('!')} ${name}: ${c.red(`drift: ${plural(i.drift.length, 'difference')} from what odoops applied`)} (${lastAppliedText(i)})`);
        for (const d of i.drift) lines.push(changeLine(d.path, d.from, d.to, 'applied', 'now'));
      }
      if (i.pending) {
        const what = i.pending.neverApplied ? 'pending (not applied by odoops yet)' : 'pending';
        lines.push(`${c.yellow('~')} ${name}: ${what}, ${plural(i.pending.changes.length, 'change')}; ${pendingWhen(i.pending)}`);
        for (const d of i.pending.changes) lines.push(changeLine(d.path, d.from, d.to, 'now', 'desired', d.reason));
      }
    }
  }
  for (const client of s.clients) {
    for (const r of client.managedAttention ?? []) lines.push(`${c.red('!')} ${c.bold(`${client.client} (managed files)`)}: ${c.red(`needs a person: ${r.message}`)}`);
    if (client.managed?.length) lines.push(`${c.red('!')} ${c.bold(`${client.client} (managed files)`)}: ${c.red(`drift: ${plural(client.managed.length, 'file')} differ from their rendering`)}`);
    for (const d of client.managed ?? []) lines.push(changeLine(d.path, d.from, d.to, 'now', 'desired', d.reason));
  }
  const hostKey = s.clients.filter((cl) => cl.unreachable?.code === 'host-key-mismatch').length;
  lines.push('', `Summary: ${driftCountsLine(s.counts, hostKey)}`);
  return lines.join('\n') + '\n';
}

/** The clients a report lists first: drift, then a person's attention, then unreachable. */
export function clientsIn(s: FleetDriftStatus, state: ClientStatus['state']): ClientStatus[] {
  return s.clients.filter((c) => c.state === state);
}

/** Pure: `odoops status` for a terminal: one block per client. */
import { agoText, backupsText, imagesText, lastApplyText, monitoringText, rebootText, updatesText, windowText } from './format.ts';
import type { FleetStatus } from './types.ts';

export function renderStatusText(s: FleetStatus): string {
  const now = new Date(s.generatedAt);
  const out: string[] = [`fleet status at ${s.generatedAt} (config ${s.revision.slice(0, 12)}), ${s.clients.length} client(s)`, ''];
  for (const c of s.clients) {
    out.push(`${c.client} (${c.host})${c.reachable ? '' : `: UNREACHABLE: ${c.unreachable?.message ?? ''}`}`);
    const rows: [string, string][] = [
      ['os', `${c.os.live ?? 'unknown'}${c.os.live !== c.os.expected ? ` (expected ${c.os.expected})` : ''}`],
      ['instances', imagesText(c)],
      ['drift', c.drift],
      ['last apply', lastApplyText(c, now)],
      ['backups', backupsText(c, now)],
      ['updates', `${updatesText(c)}${c.updates?.held.length ? `; held ${c.updates.held.join(', ')}` : ''}${c.updates?.listsUpdatedAt ? ` (lists ${agoText(c.updates.listsUpdatedAt, now)})` : ''}`],
      ['reboot', rebootText(c)],
      ...c.windows.map((w): [string, string] => [`${w.kind} window`, windowText(w)]),
      ['monitoring', monitoringText(c)],
    ];
    for (const [k, v] of rows) out.push(`  ${k.padEnd(16)} ${v}`);
    for (const e of c.errors) out.push(`  ! ${e}`);
    out.push('');
  }
  return out.join('\n');
}

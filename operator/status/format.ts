/** Pure: the short phrases the text table and the page share (one wording for both). */
import type { BackupStatus, ClientStatus, MaintenanceWindowStatus, MonitoringStatus } from './types.ts';

/** "3h 20m", "2 d": a duration for people. */
export function ageText(ms: number): string {
  const min = Math.floor(ms / 60_000);
  if (min < 1) return 'just now';
  if (min < 60) return `${min} min`;
  const h = Math.floor(min / 60);
  if (h < 48) return `${h} h${min % 60 ? ` ${min % 60} min` : ''}`;
  return `${Math.floor(h / 24)} d`;
}

export function agoText(iso: string | null | undefined, now: Date): string {
  if (!iso) return 'never';
  return `${ageText(Math.max(0, now.getTime() - Date.parse(iso)))} ago`;
}

export function updatesText(c: ClientStatus): string {
  if (!c.updates) return 'unknown';
  const { security, other } = c.updates;
  if (security === 0 && other === 0) return 'up to date';
  return `${security} security, ${other} other`;
}

export function rebootText(c: ClientStatus): string {
  return c.rebootRequired === null ? 'unknown' : c.rebootRequired ? 'reboot required' : 'no';
}

export function windowText(w: MaintenanceWindowStatus): string {
  if (!w.window) return 'no window';
  if (w.window.open) return `open${w.window.closesAt ? ` until ${w.window.closesAt}` : ''}`;
  return w.window.nextOpening ? `next ${w.window.nextOpening}` : 'never opens';
}

export function lastApplyText(c: ClientStatus, now: Date): string {
  if (!c.lastApply) return c.reachable ? 'never' : 'unknown';
  return `${c.lastApply.revision.slice(0, 12)} ${c.lastApply.result} ${agoText(c.lastApply.at, now)}`;
}

export function backupsText(c: ClientStatus, now: Date): string {
  if (c.backups.length === 0) return 'none declared';
  return c.backups.map((b) => `${b.destination}: ${backupText(b, now)}`).join(', ');
}

function backupText(b: BackupStatus, now: Date): string {
  if (b.state === 'unknown') return 'unknown';
  const fresh = b.newestAt ? agoText(b.newestAt, now) : 'no copy of every instance';
  return b.state === 'ok' ? fresh : `PROBLEM (${fresh}): ${b.problems.join('; ')}`;
}

/** Why a backup destination is unknown, for the page's details. */
export function backupDetail(b: BackupStatus): string {
  return b.state === 'unknown' ? b.reason : b.state === 'problem' ? b.problems.join('; ') : `${b.instances.map((i) => `${i.instance} ${i.at ?? 'none'}`).join(', ')}${b.lastCheck ? `; checked ${b.lastCheck.at}` : ''}`;
}

export function imagesText(c: ClientStatus): string {
  return c.instances.map((i) => `${i.name} ${i.live?.image ?? i.desired.image} (${i.live?.series ?? i.desired.series})`).join(', ');
}

const MONITORING_WORDS: Record<MonitoringStatus['state'], string> = {
  'in-place': 'NRPE in place',
  drifted: 'NRPE DRIFTED',
  'not-monitored': 'not monitored',
  refused: 'NRPE REFUSED',
  unknown: 'unknown',
};

export function monitoringText(c: ClientStatus): string {
  const m = c.monitoring;
  return 'checks' in m ? `${MONITORING_WORDS[m.state]} (${m.checks} check${m.checks === 1 ? '' : 's'})` : MONITORING_WORDS[m.state];
}

/** The sentence behind the monitoring word (why unknown, what differs). */
export function monitoringDetail(c: ClientStatus): string {
  return c.monitoring.state === 'unknown' ? c.monitoring.reason : c.monitoring.detail;
}

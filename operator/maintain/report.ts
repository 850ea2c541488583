/** Pure: maintenance runs and OS states for people (the JSON output is the same data). */
import { fmtDuration, plural } from '../report/format.ts';
import { releaseName } from './parse.ts';
import type { MaintenanceRun, OsState, StepResult } from './types.ts';

export function describeOsState(s: OsState): string {
  const parts = [
    releaseName(s) ?? 'OS release unknown',
    `${plural(s.pending.security.length, 'security update')}, ${plural(s.pending.other.length, 'other update')} pending`,
    s.held.length ? `held: ${s.held.join(', ')}` : 'nothing held',
  ];
  if (s.rebootRequired) parts.push(`reboot required${s.rebootPackages.length ? ` (${s.rebootPackages.join(', ')})` : ''}`);
  return parts.join('; ');
}

function stepLine(r: StepResult): string {
  const mark = r.outcome === 'ok' ? 'ok     ' : r.outcome === 'failed' ? 'FAILED ' : 'skipped';
  return `  ${mark} ${r.step}${r.instance ? ` ${r.instance}` : ''}${r.detail ? `: ${r.detail}` : ''}${r.outcome === 'ok' ? ` (${fmtDuration(r.durationMs)})` : ''}`;
}

const HEAD: Record<MaintenanceRun['result'], string> = {
  done: 'done',
  'outside-window': 'not started',
  'window-closed': 'STOPPED (window closed)',
  failed: 'FAILED',
  locked: 'not started (locked)',
  unreachable: 'not started (unreachable)',
};

export function renderMaintenanceText(runs: MaintenanceRun[]): string {
  const out: string[] = [];
  for (const r of runs) {
    out.push(`${r.client}: ${r.kind} maintenance ${HEAD[r.result]}${r.windowIgnored ? ' (--ignore-windows)' : ''} in ${fmtDuration(r.durationMs)}`);
    if (r.reason) out.push(`  ${r.reason.message}`);
    if (r.before) out.push(`  before: ${describeOsState(r.before)}`);
    for (const s of r.steps) out.push(stepLine(s));
    if (r.stoppedBefore) out.push(`  stopped before: ${r.stoppedBefore}`);
    if (r.upgraded.length) out.push(`  upgraded: ${r.upgraded.map((u) => `${u.name} ${u.from ?? '(new)'} -> ${u.to}`).join(', ')}`);
    if (r.after) out.push(`  after: ${describeOsState(r.after)}`);
    if (r.rebootRequired && !r.rebooted) out.push('  a reboot is still required (it waits for the next window)');
    out.push('');
  }
  return out.join('\n');
}

/** 0: every run done or not due; 1: a failure, lock or unreachable server; 3: a window closed mid-way. */
export function maintenanceExitCode(runs: MaintenanceRun[]): number {
  if (runs.some((r) => r.result === 'failed' || r.result === 'locked' || r.result === 'unreachable')) return 1;
  if (runs.some((r) => r.result === 'window-closed')) return 3;
  return 0;
}

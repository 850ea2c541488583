/** Renderings of managed files (pure): what a plan would write, with diffs; what apply did. */
import type { ManagedApplyResult, ManagedPlan } from '../managed/types.ts';
import { colors, fenceSafe, mdEscape, type Colors } from './format.ts';

export function managedIsEmpty(m: ManagedPlan | undefined): boolean {
  return !m || (m.drift.length === 0 && m.refused.length === 0 && !m.blocked);
}

const mode = (n: number | null | undefined) => (n === null || n === undefined ? '?' : n.toString(8).padStart(4, '0'));

export function managedPlanText(m: ManagedPlan, c: Colors): string[] {
  const out: string[] = [];
  if (m.blocked) out.push(`${c.red('!')} ${c.bold(`${m.target} (managed files)`)}: ${c.red(`${m.blocked.code}: ${m.blocked.message}`)}`);
  for (const d of m.drift) {
    const act = m.actions.some((a) => a.unit === d.unit);
    out.push(`${act ? c.yellow('~') : c.red('!')} ${c.bold(`${m.target} ${d.unit}`)}${act ? '' : c.red(': drift not fixed by apply (unsafe unit)')}`);
    for (const f of d.files) {
      const meta = f.change === 'update' && !f.differs.includes('content') ? ` (${f.differs.includes('mode') ? `mode ${mode(f.from?.mode)} -> ${mode(f.to.mode)}` : ''}${f.differs.includes('owner') ? ` owner ${f.from?.owner} -> ${f.to.owner}` : ''})` : '';
      out.push(`    ${f.change === 'create' ? c.green('+ create') : c.yellow('~ update')} ${f.path}${meta}`);
      if (f.diff) out.push(...f.diff.replace(/\n$/, '').split('\n').map((l) => `      ${l.startsWith('+') ? c.green(l) : l.startsWith('-') ? c.red(l) : c.dim(l)}`));
    }
    const a = m.actions.find((x) => x.unit === d.unit);
    if (a) out.push(`    ${c.dim(`then: ${[...a.validate.map((v) => `check ${v}`), ...a.activate, ...(a.guard === 'ssh' ? ['new SSH connection (else revert)'] : [])].join(', ') || 'nothing to activate'}`)}`);
  }
  for (const r of m.refused) out.push(`${c.red('!')} ${c.bold(`${m.target} ${r.unit}`)}: ${c.red(`${r.reason.code}: ${r.reason.message}`)}`);
  return out;
}

export function managedPlanMarkdown(m: ManagedPlan): string[] {
  if (managedIsEmpty(m)) return [];
  const out = [`#### ${mdEscape(m.target)}: managed files`, ''];
  if (m.blocked) out.push(`> ⛔ ${mdEscape(m.blocked.message)}`, '');
  for (const d of m.drift) {
    out.push(`- \`${mdEscape(d.unit)}\`${d.safe ? '' : ' (unsafe: reported, not fixed)'}: ${d.files.map((f) => `${f.change} \`${mdEscape(f.path)}\``).join(', ')}`);
  }
  for (const r of m.refused) out.push(`- ⛔ \`${mdEscape(r.unit)}\`: ${mdEscape(r.reason.message)}`);
  const diffs = m.drift.flatMap((d) => d.files.filter((f) => f.diff).map((f) => f.diff));
  if (diffs.length > 0) out.push('', '<details><summary>diffs</summary>', '', '```diff', ...diffs.map((d) => fenceSafe(d.replace(/\n$/, ''))), '```', '</details>');
  out.push('');
  return out;
}

export function managedApplyText(r: ManagedApplyResult, c: Colors): string[] {
  const out: string[] = [];
  if (r.error) out.push(`${c.red('error'.padEnd(11))} ${c.bold(`${r.target} (managed files)`)}: ${r.error.message}`);
  for (const a of r.actions) {
    const color = a.outcome === 'applied' ? c.green : a.outcome === 'skipped' ? c.dim : c.red;
    out.push(`${color(a.outcome.padEnd(11))} ${c.bold(`${r.target} ${a.unit}`)}${a.detail ? `: ${a.detail}` : ''}`);
    if (a.steps.length) out.push(`    ${c.dim(a.steps.join(', '))}`);
  }
  return out;
}

/** Whether a managed apply left something undone (for exit codes). */
export function managedFailed(r: ManagedApplyResult | undefined): boolean {
  return r !== undefined && (r.error !== undefined || r.actions.some((a) => a.outcome !== 'applied'));
}

/** Nagios on the monitoring servers (shape of operator/managed/monitoring.ts's outcomes). */
export interface MonitoringReport {
  server: string;
  plan: ManagedPlan;
  apply?: ManagedApplyResult;
}

/** Lines appended to plan, drift and apply output with --managed-files; empty without. */
export function monitoringText(outcomes: MonitoringReport[] | undefined, mode: 'plan' | 'drift' | 'apply', color: boolean): string {
  if (!outcomes || outcomes.length === 0) return '';
  const c = colors(color);
  const lines = ['', 'Monitoring servers (Nagios):'];
  for (const o of outcomes) {
    if (mode === 'apply' && o.apply) {
      const body = managedApplyText(o.apply, c);
      lines.push(...(body.length ? body : [`${c.dim('unchanged'.padEnd(11))} ${o.server} nagios`]));
    } else {
      const body = managedPlanText(o.plan, c);
      lines.push(...(body.length ? body : [c.dim(`No changes: ${o.server}`)]));
    }
  }
  return `${lines.join('\n')}\n`;
}

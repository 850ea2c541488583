/**
 * Managed files in plans and drift reports (pure): their drift as Changes, whether a plan has
 * managed actions. The managed-files plan itself is made in operator/managed/plan.ts.
 */
import type { ManagedPlan } from '../managed/types.ts';
import type { Change } from './types.ts';

/** Drift of managed files as the Changes reports list ("managed.<unit>:<path>"). */
export function managedChanges(plan: ManagedPlan): Change[] {
  const out: Change[] = [];
  for (const d of plan.drift) {
    for (const f of d.files) {
      const what = f.change === 'create' ? 'missing on the server' : `${f.differs.join(', ')} differ${f.differs.length === 1 ? 's' : ''} (edited by hand?)`;
      out.push({
        path: `managed.${d.unit}:${f.path}`,
        from: f.from ? `${f.change === 'create' ? 'absent' : 'present'} ${f.from.owner ?? '?'} ${f.from.mode?.toString(8) ?? '?'}` : 'absent',
        to: `${f.to.owner} ${f.to.mode.toString(8)}`,
        reason: `${what}${d.safe ? '' : '; not fixed by apply (unsafe: fix by hand)'}`,
      });
    }
  }
  for (const r of plan.refused) out.push({ path: `managed.${r.unit}`, from: null, to: null, reason: `cannot be checked: ${r.reason.message}` });
  return out;
}

export function managedHasActions(plan: ManagedPlan | undefined): boolean {
  return (plan?.actions.length ?? 0) > 0;
}

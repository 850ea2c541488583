/** Pure: the server journal's lines (operator/apply/journal.ts) grouped into runs, newest first. */
import type { JournalEntry } from '../apply/journal.ts';
import type { RunRecord } from './types.ts';

/** Worst first: the run's result is its worst instance outcome. */
const SEVERITY = ['failed', 'rolled-back', 'blocked', 'skipped', 'waiting', 'applied', 'unchanged'];

export function parseJournal(text: string): JournalEntry[] {
  const out: JournalEntry[] = [];
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    try {
      const e = JSON.parse(line) as JournalEntry;
      if (typeof e.runId === 'string' && typeof e.at === 'string' && typeof e.step === 'string') out.push(e);
    } catch {
      // a torn line (a run killed mid-write) is not a run
    }
  }
  return out;
}

export function runsOf(entries: JournalEntry[]): RunRecord[] {
  const byRun = new Map<string, JournalEntry[]>();
  for (const e of entries) byRun.set(e.runId, [...(byRun.get(e.runId) ?? []), e]);
  const runs: RunRecord[] = [];
  for (const [runId, list] of byRun) {
    const first = list[0]!;
    const last = list[list.length - 1]!;
    const maintenance = first.revision.startsWith('maintenance-');
    const instances: Record<string, string> = {};
    for (const e of list) if (e.step === 'instance') instances[e.instance] = e.outcome;
    let result: string;
    if (maintenance) {
      const end = list.filter((e) => e.step === 'maintain' && e.outcome !== 'start').pop();
      result = end?.outcome ?? 'unfinished';
    } else {
      const outcomes = Object.values(instances);
      result = outcomes.length === 0 ? 'unfinished' : [...outcomes].sort((a, b) => rank(a) - rank(b))[0]!;
    }
    runs.push({ runId, kind: maintenance ? 'maintenance' : Object.keys(instances).length || list.some((e) => e.step !== 'lock') ? 'apply' : 'other', revision: first.revision, startedAt: first.at, endedAt: last.at, result, instances });
  }
  return runs.sort((a, b) => (a.startedAt < b.startedAt ? 1 : a.startedAt > b.startedAt ? -1 : 0));
}

function rank(outcome: string): number {
  const i = SEVERITY.indexOf(outcome);
  return i < 0 ? SEVERITY.length : i;
}

/** The newest apply run that changed or checked instances. */
export function lastApplyOf(runs: RunRecord[]): { revision: string; at: string; result: string } | null {
  const r = runs.find((x) => x.kind === 'apply');
  return r ? { revision: r.revision, at: r.endedAt, result: r.result } : null;
}

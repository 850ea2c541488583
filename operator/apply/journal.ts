/**
 * One JSON line per step in /var/lib/odoops/journal.log: the server's own history of what
 * odoops did. Mutating steps are journaled when they start too, so a run that dies half-way
 * leaves enough for the next one to know what it had touched (operator/apply/recover.ts).
 */
import { journalAppend, journalOfRun } from '../host/commands.ts';
import type { HostSession } from '../live/ssh.ts';
import { redactUrls } from '../report/format.ts';
import { redact } from '../secrets/index.ts';

export interface JournalEntry {
  at: string;
  runId: string;
  client: string;
  revision: string;
  instance: string;
  /** Action kind, or "rollback", "instance" (its end), "lock", "takeover", "resolve". */
  step: string;
  /** "start", "ok", "failed", or an instance outcome for step "instance". */
  outcome: string;
  durationMs?: number;
  command?: string;
  detail?: string;
  /** The snapshot directory (snapshot and rollback steps). */
  snapshot?: string;
  /** snapshot start: whether it dumps the database (and stops odoo first). */
  database?: boolean;
}

export interface Journal {
  write(entry: Omit<JournalEntry, 'at' | 'runId' | 'client' | 'revision'>): Promise<void>;
}

/** A journal for one run; every line is redacted of the run's secret values first. */
export function journalFor(session: HostSession, base: { runId: string; client: string; revision: string; now: () => Date; secrets: readonly string[] }): Journal {
  return {
    write: async (entry) => {
      const line = redactUrls(redact(JSON.stringify({ at: base.now().toISOString(), runId: base.runId, client: base.client, revision: base.revision, ...entry }), base.secrets));
      try {
        await session.exec(journalAppend(line));
      } catch {
        // Best effort: a journal write failure never fails an apply; the result still reports everything.
      }
    },
  };
}

/** Every journal line of one run (a dead run's, after a takeover); unreadable lines are skipped. */
export async function readRunJournal(session: HostSession, runId: string): Promise<JournalEntry[]> {
  const res = await session.exec(journalOfRun(runId));
  const out: JournalEntry[] = [];
  for (const line of res.stdout.split('\n')) {
    try {
      const e = JSON.parse(line) as JournalEntry;
      if (e.runId === runId) out.push(e);
    } catch {
      // a torn or foreign line
    }
  }
  return out;
}

/** One JSON line per action in /var/lib/odoops/journal.log: the server's own history of what odoops did. */
import { journalAppend } from '../live/commands.ts';
import type { HostSession } from '../live/ssh.ts';

export interface JournalEntry {
  at: string;
  runId: string;
  client: string;
  revision: string;
  instance: string;
  /** Action kind, or "rollback" / "instance". */
  step: string;
  outcome: string;
  durationMs?: number;
  command?: string;
  detail?: string;
}

/** Best effort: a journal write failure never fails an apply. */
export async function journal(session: HostSession, entry: JournalEntry): Promise<void> {
  try {
    await session.exec(journalAppend(JSON.stringify(entry)), { timeoutMs: 15_000 });
  } catch {
    // The apply result still reports everything.
  }
}

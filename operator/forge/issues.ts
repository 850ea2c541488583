/**
 * One issue per topic (the drift report), written once for both platforms over a small port.
 * The issue is found by its hidden marker AND its author being the bot. It is never
 * recreated while one is open: open → edit in place (silent) → close when the topic is
 * resolved → reopen the same issue on recurrence. Opening, closing and reopening are the
 * only changes the platform notifies people of; odoops posts no comments on the issue.
 */
import type { EnsureIssueInput, EnsureIssueResult, ForgeUser } from './types.ts';
import { assertTopic, issueMarker, parseIssueMarker } from './marker.ts';
import { sameUser } from './comments.ts';
import { fitBody } from './split.ts';

export interface StoredIssue {
  number: number;
  title: string;
  body: string;
  state: 'open' | 'closed';
  url: string;
  author: ForgeUser;
}

export interface IssuePort {
  /** Issues (not MRs) of the project created by the bot, any state, newest first, all pages. */
  listByAuthor(bot: ForgeUser): Promise<StoredIssue[]>;
  create(input: { title: string; body: string; labels: string[] }): Promise<{ number: number; url: string }>;
  update(number: number, change: { title?: string; body?: string; state?: 'open' | 'closed' }): Promise<void>;
}

export async function ensureIssue(port: IssuePort, bot: ForgeUser, maxChars: number, input: EnsureIssueInput): Promise<EnsureIssueResult> {
  assertTopic(input.topic);
  const body = fitBody(`${issueMarker(input.topic)}\n`, input.body, maxChars).text;
  const mine = (await port.listByAuthor(bot)).filter((i) => sameUser(i.author, bot) && parseIssueMarker(i.body) === input.topic);
  const open = mine.filter((i) => i.state === 'open').sort((a, b) => a.number - b.number);
  // The oldest open issue is the report; any other open one is a duplicate (e.g. two
  // operators raced) and is closed, so people follow one issue.
  const [current, ...duplicates] = open;
  let closedDuplicates = 0;
  for (const dup of duplicates) {
    await port.update(dup.number, { state: 'closed' });
    closedDuplicates++;
  }
  if (!input.open) {
    if (!current) return { transition: 'none', issue: null, closedDuplicates };
    await port.update(current.number, { ...(current.title !== input.title ? { title: input.title } : {}), ...(current.body !== body ? { body } : {}), state: 'closed' });
    return { transition: 'closed', issue: { number: current.number, url: current.url }, closedDuplicates };
  }
  if (current) {
    const change = { ...(current.title !== input.title ? { title: input.title } : {}), ...(current.body !== body ? { body } : {}) };
    if (Object.keys(change).length === 0) return { transition: 'unchanged', issue: { number: current.number, url: current.url }, closedDuplicates };
    await port.update(current.number, change);
    return { transition: 'updated', issue: { number: current.number, url: current.url }, closedDuplicates };
  }
  const latestClosed = mine.filter((i) => i.state === 'closed').sort((a, b) => b.number - a.number)[0];
  if (latestClosed) {
    await port.update(latestClosed.number, { title: input.title, body, state: 'open' });
    return { transition: 'reopened', issue: { number: latestClosed.number, url: latestClosed.url }, closedDuplicates };
  }
  const created = await port.create({ title: input.title, body, labels: input.labels ?? [] });
  return { transition: 'opened', issue: created, closedDuplicates };
}

/**
 * The sticky-comment algorithm, written once for both platforms over a small port (list,
 * create, update, remove comments of one MR). Renovate's ensureComment is the model; the
 * differences: odoops' comment is recognised by its hidden marker AND by its author being
 * the bot (never a system note, never someone else's comment that copied the marker), and
 * long bodies become numbered parts instead of failing.
 */
import type { CommentRef, EnsureCommentInput, EnsureCommentResult, ForgeUser, FoundComment } from './types.ts';
import { assertTopic, parseCommentMarker } from './marker.ts';
import { composeComment, type SplitLimits } from './split.ts';

export interface StoredComment {
  id: number;
  body: string;
  author: ForgeUser;
  /** GitLab system notes ("added 1 commit", "approved this merge request"); always false on GitHub. */
  system: boolean;
  url: string | null;
}

export interface CommentPort {
  /** Every comment of the MR, oldest first, all pages. */
  list(mr: number): Promise<StoredComment[]>;
  create(mr: number, body: string): Promise<CommentRef>;
  update(mr: number, id: number, body: string): Promise<CommentRef>;
  remove(mr: number, id: number): Promise<void>;
}

export function sameUser(a: ForgeUser, b: ForgeUser): boolean {
  if (a.id !== null && b.id !== null) return a.id === b.id;
  return a.username.toLowerCase() === b.username.toLowerCase();
}

interface Mine {
  comment: StoredComment;
  index: number;
}

/** odoops' own comments of `topic`: marker + bot author + not a system note. */
export function ownComments(all: StoredComment[], bot: ForgeUser, topic: string): Mine[] {
  const out: Mine[] = [];
  for (const comment of all) {
    if (comment.system || !sameUser(comment.author, bot)) continue;
    const marker = parseCommentMarker(comment.body);
    if (marker?.topic === topic) out.push({ comment, index: marker.index });
  }
  return out;
}

export async function ensureComment(port: CommentPort, bot: ForgeUser, limits: SplitLimits, input: EnsureCommentInput): Promise<EnsureCommentResult> {
  assertTopic(input.topic);
  const { parts, trimmedChars } = composeComment(input.topic, input.body, limits);
  const mine = ownComments(await port.list(input.mr), bot, input.topic);
  // The oldest comment of each part index is kept (edited); any other one is a duplicate.
  const keep = new Map<number, StoredComment>();
  const extra: StoredComment[] = [];
  for (const { comment, index } of mine) {
    if (index <= parts.length && !keep.has(index)) keep.set(index, comment);
    else extra.push(comment);
  }
  const comments: CommentRef[] = [];
  let changed = false;
  for (let i = 0; i < parts.length; i++) {
    const body = parts[i] as string;
    const existing = keep.get(i + 1);
    if (!existing) {
      comments.push(await port.create(input.mr, body));
      changed = true;
    } else if (existing.body !== body) {
      comments.push(await port.update(input.mr, existing.id, body));
      changed = true;
    } else {
      comments.push({ id: existing.id, url: existing.url, author: existing.author });
    }
  }
  // Removed only after the new text is in place, so the MR never shows no comment at all.
  for (const c of extra) await port.remove(input.mr, c.id);
  const action = mine.length === 0 ? 'created' : changed || extra.length > 0 ? 'updated' : 'unchanged';
  return { action, comments, deleted: extra.length, trimmedChars };
}

export async function ensureCommentRemoved(port: CommentPort, bot: ForgeUser, mr: number, topic: string): Promise<number> {
  assertTopic(topic);
  const mine = ownComments(await port.list(mr), bot, topic);
  for (const { comment } of mine) await port.remove(mr, comment.id);
  return mine.length;
}

export async function findComment(port: CommentPort, bot: ForgeUser, mr: number, topic: string): Promise<FoundComment | null> {
  assertTopic(topic);
  const byIndex = new Map<number, StoredComment>();
  for (const { comment, index } of ownComments(await port.list(mr), bot, topic)) if (!byIndex.has(index)) byIndex.set(index, comment);
  if (byIndex.size === 0) return null;
  const parts = [...byIndex.entries()]
    .sort(([a], [b]) => a - b)
    .map(([, c]) => ({ id: c.id, url: c.url, author: c.author, text: c.body.replace(/^[^\n]*(\n|$)/, '') }));
  return { parts };
}

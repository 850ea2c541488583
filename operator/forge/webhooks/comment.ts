/**
 * A created MR comment as an event, the same for both platforms: odoops' own comments and
 * comments that do not start with `odoops` are ignored; the others are parsed as commands.
 */
import { sameUser } from '../comments.ts';
import type { CommentRef, ForgeUser } from '../types.ts';
import { commandTokens, parseCommand } from './command.ts';
import type { Delivery, ForgeEvent } from './types.ts';

export function commentEvent(input: {
  base: { delivery: Delivery; project: string; actor: ForgeUser };
  mr: number;
  comment: CommentRef;
  body: string;
  botUser: ForgeUser | undefined;
}): ForgeEvent {
  const { base, mr, comment } = input;
  if (input.botUser && sameUser(base.actor, input.botUser)) return { kind: 'ignored', ...base, reason: "odoops' own comment" };
  const tokens = commandTokens(input.body);
  if (!tokens) return { kind: 'ignored', ...base, reason: 'comment is not an odoops command' };
  const parsed = parseCommand(tokens);
  if (!parsed.ok) return { kind: 'comment-command-error', ...base, mr, comment, error: parsed.error };
  return { kind: 'comment-command', ...base, mr, comment, command: parsed.command };
}

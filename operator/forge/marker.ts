/**
 * The hidden markers that tie a comment or an issue to a topic. They are HTML comments on
 * the first line of the body (neither GitLab nor GitHub renders them):
 *
 *   <!-- odoops:comment topic=plan -->                one comment
 *   <!-- odoops:comment topic=plan part=2/3 -->       the 2nd of 3 parts of a long one
 *   <!-- odoops:issue topic=drift -->                 the drift issue
 *
 * A marker alone never identifies odoops' comment: anyone can paste it. Callers also check
 * that the author is the bot user and that it is not a system note.
 */
import { OdoopsError } from '../util/errors.ts';

/** Topic names: letters, digits and . _ : / - (e.g. `plan`, `apply`, `plan:acme`). */
export const TOPIC_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._:/-]{0,99}$/;

export function assertTopic(topic: string): void {
  if (!TOPIC_PATTERN.test(topic)) {
    throw new OdoopsError(`forge topic ${JSON.stringify(topic)} is not valid (letters, digits and . _ : / -, at most 100)`);
  }
}

export interface CommentPart {
  index: number;
  total: number;
}

export function commentMarker(topic: string, part?: CommentPart): string {
  assertTopic(topic);
  return `<!-- odoops:comment topic=${topic}${part ? ` part=${part.index}/${part.total}` : ''} -->`;
}

const COMMENT_MARKER = /^<!-- odoops:comment topic=(\S+?)(?: part=(\d{1,4})\/(\d{1,4}))? -->(?:\r?\n|$)/;

/** The topic and part of a body that starts with a comment marker, else null. */
export function parseCommentMarker(body: string): ({ topic: string } & CommentPart) | null {
  const m = COMMENT_MARKER.exec(body);
  if (!m || !TOPIC_PATTERN.test(m[1] as string)) return null;
  const index = m[2] ? Number(m[2]) : 1;
  const total = m[3] ? Number(m[3]) : 1;
  if (index < 1 || index > total) return null;
  return { topic: m[1] as string, index, total };
}

export function issueMarker(topic: string): string {
  assertTopic(topic);
  return `<!-- odoops:issue topic=${topic} -->`;
}

const ISSUE_MARKER = /^<!-- odoops:issue topic=(\S+?) -->(?:\r?\n|$)/;

export function parseIssueMarker(body: string | null | undefined): string | null {
  const m = ISSUE_MARKER.exec(body ?? '');
  return m && TOPIC_PATTERN.test(m[1] as string) ? (m[1] as string) : null;
}

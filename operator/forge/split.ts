/**
 * Fitting a body into the platform's size limit. Comments are SPLIT into numbered parts
 * (each its own comment, each under the limit), at line boundaries where possible, closing
 * an open code fence or <details> block at the end of a part and reopening it at the start
 * of the next, so every part renders on its own. Past `maxParts` the last part is trimmed
 * with a note saying how much was left out. Issues (one body, no parts) are trimmed the same
 * way. Lengths are counted in UTF-16 code units (JavaScript's `length`), which is never less
 * than the characters GitLab and GitHub count, so a part that fits here fits there.
 */
import type { ForgePlatform } from './types.ts';
import { commentMarker } from './marker.ts';
import { OdoopsError } from '../util/errors.ts';

/** Most characters in one comment: GitHub 65,536; GitLab 1,000,000 (notes API). */
export const COMMENT_MAX_CHARS: Readonly<Record<ForgePlatform, number>> = { github: 65_536, gitlab: 1_000_000 };
/** Most characters in an issue body: GitHub 65,536; GitLab 1,048,576 (issues API). */
export const ISSUE_MAX_CHARS: Readonly<Record<ForgePlatform, number>> = { github: 65_536, gitlab: 1_048_576 };
/** Parts a comment may be split into before the rest is trimmed. */
export const DEFAULT_MAX_PARTS = 10;

export interface SplitLimits {
  maxChars: number;
  maxParts: number;
}

export interface ComposedComment {
  /** Full comment bodies, marker included, each at most `maxChars` long. */
  parts: string[];
  /** Characters of the body left out because even `maxParts` parts were not enough. */
  trimmedChars: number;
}

export const continuedHeader = (index: number, total: number): string => `_(continued: part ${index} of ${total})_\n\n`;
export const CONTINUED_FOOTER = '\n\n_(continued in the next comment)_';
export const trimNote = (chars: number, where: string): string => `\n\n_(trimmed: ${chars} more characters did not fit in ${where})_`;

interface Fence {
  line: string;
  char: string;
  len: number;
}
interface MdState {
  fence: Fence | null;
  details: number;
}
const CLEAN: MdState = { fence: null, details: 0 };
const FENCE_LINE = /^ {0,3}(`{3,}|~{3,})(.*)$/;

/** The Markdown state after `line`: inside a code fence? how many <details> are open? */
function advance(state: MdState, line: string): MdState {
  const text = line.replace(/\r?\n$/, '');
  const m = FENCE_LINE.exec(text);
  if (state.fence) {
    const closes = m && (m[1] as string)[0] === state.fence.char && (m[1] as string).length >= state.fence.len && (m[2] as string).trim() === '';
    return closes ? { ...state, fence: null } : state;
  }
  if (m && !((m[1] as string)[0] === '`' && (m[2] as string).includes('`'))) {
    return { ...state, fence: { line: text.trimStart(), char: (m[1] as string)[0] as string, len: (m[1] as string).length } };
  }
  const opens = text.match(/<details[\s>]/gi)?.length ?? 0;
  const closes = text.match(/<\/details\s*>/gi)?.length ?? 0;
  return opens === closes ? state : { ...state, details: Math.max(0, state.details + opens - closes) };
}

function closers(state: MdState, endsWithNewline: boolean): string {
  if (!state.fence && state.details === 0) return '';
  return (endsWithNewline ? '' : '\n') + (state.fence ? `${state.fence.char.repeat(state.fence.len)}\n` : '') + '</details>\n'.repeat(state.details);
}

function reopeners(state: MdState): string {
  return '<details><summary>(continued)</summary>\n\n'.repeat(state.details) + (state.fence ? `${state.fence.line}\n` : '');
}

/** Cuts `body` into at most `maxChunks` pieces of at most `capacity` characters each. */
function chunk(body: string, capacity: number, maxChunks: number): { chunks: string[]; consumed: number } {
  const chunks: string[] = [];
  let pos = 0;
  let state = CLEAN;
  while (pos < body.length && chunks.length < maxChunks) {
    let st = state;
    let head = reopeners(st);
    if (head.length + closers(st, true).length >= capacity / 2) {
      // Absurd nesting for this capacity: give up on Markdown repair for this part.
      st = CLEAN;
      head = '';
    }
    // Lengths are tracked as numbers and the piece is sliced once: no repeated concatenation.
    const from = pos;
    let length = head.length;
    let endsWithNewline = true;
    while (pos < body.length) {
      const nl = body.indexOf('\n', pos);
      const end = nl < 0 ? body.length : nl + 1;
      const next = advance(st, body.slice(pos, end));
      const newline = nl >= 0;
      if (length + (end - pos) + closers(next, newline).length > capacity) break;
      length += end - pos;
      endsWithNewline = newline;
      st = next;
      pos = end;
    }
    if (pos === from) {
      // A single line longer than a part: cut it (never between the halves of a surrogate pair).
      const room = capacity - length - closers(st, false).length;
      let cut = pos + Math.max(1, room);
      const code = body.charCodeAt(cut - 1);
      if (code >= 0xd800 && code <= 0xdbff && cut - 1 > pos) cut -= 1;
      pos = cut;
      endsWithNewline = false;
    }
    chunks.push(head + body.slice(from, pos) + closers(st, endsWithNewline));
    state = st;
  }
  return { chunks, consumed: pos };
}

/**
 * The comment bodies for `topic`: one when marker + body fit in `maxChars`, else numbered
 * parts (see the file comment).
 */
export function composeComment(topic: string, body: string, limits: SplitLimits): ComposedComment {
  const single = `${commentMarker(topic)}\n${body}`;
  if (single.length <= limits.maxChars) return { parts: [single], trimmedChars: 0 };
  const n = limits.maxParts;
  const where = `${n} comments`;
  const overhead =
    commentMarker(topic, { index: n, total: n }).length + 1 + continuedHeader(n, n).length + Math.max(CONTINUED_FOOTER.length, trimNote(body.length, where).length);
  const capacity = limits.maxChars - overhead;
  if (capacity < 200) throw new OdoopsError(`comment limit ${limits.maxChars} is too small to split a comment into parts`);
  const { chunks, consumed } = chunk(body, capacity, n);
  const trimmedChars = body.length - consumed;
  const total = chunks.length;
  const parts = chunks.map((text, i) => {
    const index = i + 1;
    const head = `${commentMarker(topic, { index, total })}\n${index > 1 ? continuedHeader(index, total) : ''}`;
    const tail = index < total ? CONTINUED_FOOTER : trimmedChars > 0 ? trimNote(trimmedChars, where) : '';
    return head + text + tail;
  });
  return { parts, trimmedChars };
}

/** `prefix` + `body`, trimmed with a note to fit in `maxChars` (issue bodies). */
export function fitBody(prefix: string, body: string, maxChars: number): { text: string; trimmedChars: number } {
  const whole = prefix + body;
  if (whole.length <= maxChars) return { text: whole, trimmedChars: 0 };
  const where = 'the issue';
  const capacity = maxChars - prefix.length - trimNote(body.length, where).length;
  if (capacity < 200) throw new OdoopsError(`issue limit ${maxChars} is too small`);
  const { chunks, consumed } = chunk(body, capacity, 1);
  const trimmedChars = body.length - consumed;
  return { text: prefix + (chunks[0] ?? '') + trimNote(trimmedChars, where), trimmedChars };
}

/**
 * The one rule for text that odoops may write into a file on a server (odoo.conf, .env, ...):
 * printable, on one line. Python's str.splitlines() — used by tools that read those files —
 * splits not only on \n and \r but also on \v, \f, \x1c-\x1e, \x85, U+2028 and U+2029, so
 * `dbfilter: "^x$\u2028admin_passwd = pwned"` would become a second line. Refused: every C0
 * and C1 control character (tab included), DEL, the line and paragraph separators, the
 * byte-order mark, and the bidirectional formatting characters (text that displays other than
 * it reads in a merge request). schema/client.schema.json states the same set as a pattern
 * (test/desired/printable.test.ts keeps them equal).
 */

export const NOT_PRINTABLE = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069\ufeff]/u;

const NAMES: Record<number, string> = {
  0x00: 'NUL',
  0x09: 'TAB',
  0x0a: 'LINE FEED',
  0x0b: 'LINE TABULATION',
  0x0c: 'FORM FEED',
  0x0d: 'CARRIAGE RETURN',
  0x1b: 'ESCAPE',
  0x1c: 'INFORMATION SEPARATOR FOUR',
  0x1d: 'INFORMATION SEPARATOR THREE',
  0x1e: 'INFORMATION SEPARATOR TWO',
  0x1f: 'INFORMATION SEPARATOR ONE',
  0x7f: 'DELETE',
  0x85: 'NEXT LINE',
  0x2028: 'LINE SEPARATOR',
  0x2029: 'PARAGRAPH SEPARATOR',
  0xfeff: 'BYTE ORDER MARK',
};

/** "U+2028 (LINE SEPARATOR)", "U+0007 (a control character)". */
export function describeChar(c: string): string {
  const code = c.codePointAt(0)!;
  const hex = `U+${code.toString(16).toUpperCase().padStart(4, '0')}`;
  const name = NAMES[code] ?? ((code >= 0x202a && code <= 0x202e) || (code >= 0x2066 && code <= 0x2069) ? 'a bidirectional formatting character' : 'a control character');
  return `${hex} (${name})`;
}

/** The first character that is not allowed, with its position (1-based), or null. */
export function firstNotPrintable(s: string): { char: string; at: number } | null {
  const m = NOT_PRINTABLE.exec(s);
  return m ? { char: m[0], at: [...s.slice(0, m.index)].length + 1 } : null;
}

const NOT_PRINTABLE_ALL = new RegExp(NOT_PRINTABLE.source, 'gu');

/** JSON.stringify for one-line messages: the characters JSON leaves as they are (U+2028, C1, bidi) escaped too. */
export function quoteForMessage(v: unknown): string {
  const s = JSON.stringify(v) ?? String(v);
  return s.replace(NOT_PRINTABLE_ALL, (c) => `\\u${c.codePointAt(0)!.toString(16).padStart(4, '0')}`);
}

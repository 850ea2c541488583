// Markers and the splitting of long bodies, as plain data (the same functions run against
// the fake forges in forge.test.ts).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { commentMarker, issueMarker, parseCommentMarker, parseIssueMarker } from '../../operator/forge/marker.ts';
import { composeComment, CONTINUED_FOOTER, fitBody } from '../../operator/forge/split.ts';
import { reassemble } from './harness.ts';

test('markers round-trip; a marker not on the first line, or malformed, is no marker', () => {
  assert.equal(parseCommentMarker(`${commentMarker('plan')}\nbody`), { topic: 'plan', index: 1, total: 1 });
  assert.equal(parseCommentMarker(`${commentMarker('plan:acme', { index: 2, total: 3 })}\nbody`), { topic: 'plan:acme', index: 2, total: 3 });
  assert.is(parseCommentMarker(`quoted:\n${commentMarker('plan')}`), null);
  assert.is(parseCommentMarker('<!-- odoops:comment topic=plan part=4/3 -->\n'), null);
  assert.is(parseCommentMarker('<!-- odoops:comment topic=<b> -->\n'), null);
  assert.is(parseIssueMarker(`${issueMarker('drift')}\nbody`), 'drift');
  assert.is(parseIssueMarker(`> ${issueMarker('drift')}`), null);
  assert.throws(() => commentMarker('two words'), /topic "two words" is not valid/);
});

test('a body that fits is one comment: marker line + body', () => {
  const { parts, trimmedChars } = composeComment('plan', 'hello', { maxChars: 1000, maxParts: 10 });
  assert.equal(parts, [`${commentMarker('plan')}\nhello`]);
  assert.is(trimmedChars, 0);
});

test('at the limit exactly: one comment; one character more: two parts under the limit, nothing lost', () => {
  const maxChars = 2000;
  const room = maxChars - `${commentMarker('plan')}\n`.length;
  const lines = (n: number) => Array.from({ length: n }, (_, i) => `line ${String(i).padStart(4, '0')} ${'x'.repeat(20)}\n`).join('');
  let body = lines(200).slice(0, room);
  const exact = composeComment('plan', body, { maxChars, maxParts: 10 });
  assert.is(exact.parts.length, 1);
  assert.is((exact.parts[0] as string).length, maxChars);
  body += 'y';
  const over = composeComment('plan', body, { maxChars, maxParts: 10 });
  assert.is(over.parts.length, 2);
  for (const p of over.parts) assert.ok(p.length <= maxChars, `part of ${p.length}`);
  assert.equal(
    over.parts.map((p) => parseCommentMarker(p)),
    [
      { topic: 'plan', index: 1, total: 2 },
      { topic: 'plan', index: 2, total: 2 },
    ],
  );
  assert.is(reassemble(over.parts), body);
  // Cut at a line boundary: the first part's text ends with a whole line.
  assert.ok((over.parts[0] as string).endsWith(`\n${CONTINUED_FOOTER}`));
});

test('code fences and <details> blocks are closed at the end of a part and reopened in the next', () => {
  const body = `# Plan\n<details><summary>acme</summary>\n\n\`\`\`diff\n${Array.from({ length: 300 }, (_, i) => `+ line ${i}\n`).join('')}\`\`\`\n</details>\nend\n`;
  const { parts } = composeComment('plan', body, { maxChars: 1200, maxParts: 20 });
  assert.ok(parts.length > 2);
  for (const p of parts) {
    assert.ok(p.length <= 1200);
    const fences = p.split('\n').filter((l) => l.startsWith('```')).length;
    assert.is(fences % 2, 0, `unbalanced fence in part:\n${p}`);
    assert.is((p.match(/<details[\s>]/g) ?? []).length, (p.match(/<\/details>/g) ?? []).length);
  }
  assert.match(parts[1] as string, /<details><summary>\(continued\)<\/summary>\n\n```diff\n/);
});

test('past maxParts the last part is trimmed with a note saying how much is missing', () => {
  const body = Array.from({ length: 1000 }, (_, i) => `row ${i}\n`).join('');
  const { parts, trimmedChars } = composeComment('apply', body, { maxChars: 1000, maxParts: 3 });
  assert.is(parts.length, 3);
  assert.ok(trimmedChars > 0);
  for (const p of parts) assert.ok(p.length <= 1000);
  assert.match(parts[2] as string, new RegExp(`_\\(trimmed: ${trimmedChars} more characters did not fit in 3 comments\\)_$`));
  assert.is(reassemble(parts).replace(/\n\n_\(trimmed: .*$/, '').length + trimmedChars, body.length);
});

test('a line longer than a part is cut, never between the halves of a surrogate pair', () => {
  const body = '😀'.repeat(3000);
  const { parts } = composeComment('plan', body, { maxChars: 1000, maxParts: 10 });
  for (const p of parts) {
    assert.ok(p.length <= 1000);
    assert.not.match(p, /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/);
  }
  assert.is(reassemble(parts), body);
});

test('issue bodies are trimmed to the limit with a note', () => {
  const prefix = `${issueMarker('drift')}\n`;
  assert.equal(fitBody(prefix, 'short', 500), { text: `${prefix}short`, trimmedChars: 0 });
  const long = Array.from({ length: 200 }, (_, i) => `client-${i} drifted\n`).join('');
  const fitted = fitBody(prefix, long, 1000);
  assert.ok(fitted.text.length <= 1000);
  assert.ok(fitted.text.startsWith(prefix));
  assert.match(fitted.text, new RegExp(`trimmed: ${fitted.trimmedChars} more characters did not fit in the issue`));
});

test.run();

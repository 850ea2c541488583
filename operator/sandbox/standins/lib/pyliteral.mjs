// Parser for Python literals (what __manifest__.py files and shell domains contain):
// dicts, lists, tuples (as arrays), str (all quote forms, prefixes, implicit concatenation),
// int/float, True/False/None, comments. Same accepted language as ast.literal_eval for
// these types, without starting python3 for every manifest.

export class PyLiteralError extends Error {}

export function parsePyLiteral(text) {
  const p = { s: text, i: 0 };
  skip(p);
  const value = parseValue(p);
  skip(p);
  if (p.i < p.s.length) fail(p, 'unexpected trailing text');
  return value;
}

function fail(p, msg) {
  const line = p.s.slice(0, p.i).split('\n').length;
  throw new PyLiteralError(`${msg} (line ${line})`);
}

function skip(p) {
  for (;;) {
    const c = p.s[p.i];
    if (c === ' ' || c === '\t' || c === '\n' || c === '\r' || c === '\f' || c === '\\' && p.s[p.i + 1] === '\n') {
      p.i += c === '\\' ? 2 : 1;
    } else if (c === '#') {
      while (p.i < p.s.length && p.s[p.i] !== '\n') p.i++;
    } else return;
  }
}

function parseValue(p) {
  const c = p.s[p.i];
  if (c === '{') return parseDict(p);
  if (c === '[') return parseSeq(p, '[', ']');
  if (c === '(') {
    const arr = parseSeq(p, '(', ')');
    return arr.length === 1 && !arr.tuple ? arr[0] : arr;
  }
  if (isStringStart(p)) return parseStrings(p);
  const m = /^[+-]?(?:\d[\d_]*\.?[\d_]*(?:[eE][+-]?\d+)?|\.\d+)/.exec(p.s.slice(p.i));
  if (m) {
    p.i += m[0].length;
    return Number(m[0].replace(/_/g, ''));
  }
  for (const [word, val] of [['True', true], ['False', false], ['None', null]]) {
    if (p.s.startsWith(word, p.i) && !/[A-Za-z0-9_]/.test(p.s[p.i + word.length] ?? '')) {
      p.i += word.length;
      return val;
    }
  }
  fail(p, 'malformed literal');
}

/** {k: v, ...} as an object; a set literal {a, b} (manifests use them in 'assets') as an array. */
function parseDict(p) {
  const out = {};
  p.i++;
  skip(p);
  let first = true;
  while (p.s[p.i] !== '}') {
    const key = parseValue(p);
    skip(p);
    if (first && p.s[p.i] !== ':') return parseSetRest(p, key);
    first = false;
    if (p.s[p.i] !== ':') fail(p, "expected ':'");
    p.i++;
    skip(p);
    out[String(key)] = parseValue(p);
    skip(p);
    if (p.s[p.i] === ',') { p.i++; skip(p); } else if (p.s[p.i] !== '}') fail(p, "expected ',' or '}'");
  }
  p.i++;
  return out;
}

function parseSetRest(p, firstItem) {
  const out = [firstItem];
  for (;;) {
    if (p.s[p.i] === ',') { p.i++; skip(p); } else if (p.s[p.i] !== '}') fail(p, "expected ',' or '}'");
    if (p.s[p.i] === '}') break;
    const item = parseValue(p);
    if (!out.some((x) => x === item)) out.push(item);
    skip(p);
  }
  p.i++;
  return out;
}

function parseSeq(p, open, close) {
  const out = [];
  p.i++;
  skip(p);
  while (p.s[p.i] !== close) {
    if (p.i >= p.s.length) fail(p, `missing '${close}'`);
    out.push(parseValue(p));
    skip(p);
    if (p.s[p.i] === ',') {
      p.i++;
      skip(p);
      if (open === '(') out.tuple = true; // (x,) is a tuple, (x) is x
    } else if (p.s[p.i] !== close) fail(p, `expected ',' or '${close}'`);
  }
  p.i++;
  return out;
}

function isStringStart(p) {
  return /^(?:[rRuUbB]|[rR][bB]|[bB][rR])?['"]/.test(p.s.slice(p.i, p.i + 3));
}

function parseStrings(p) {
  let out = '';
  while (isStringStart(p)) {
    out += parseString(p);
    skip(p);
  }
  return out;
}

const ESC = { n: '\n', t: '\t', r: '\r', '\\': '\\', "'": "'", '"': '"', '0': '\0', a: '\x07', b: '\b', f: '\f', v: '\v', '\n': '' };

function parseString(p) {
  let raw = false;
  while (/[rRuUbB]/.test(p.s[p.i])) { if (/[rR]/.test(p.s[p.i])) raw = true; p.i++; }
  const q = p.s[p.i];
  const triple = p.s.startsWith(q.repeat(3), p.i);
  const end = triple ? q.repeat(3) : q;
  p.i += end.length;
  let out = '';
  for (;;) {
    if (p.i >= p.s.length) fail(p, 'unterminated string');
    if (p.s.startsWith(end, p.i)) { p.i += end.length; return out; }
    const c = p.s[p.i];
    if (c === '\n' && !triple) fail(p, 'newline in string');
    if (c === '\\') {
      const n = p.s[p.i + 1];
      if (raw) { out += c + n; p.i += 2; continue; }
      if (n in ESC) { out += ESC[n]; p.i += 2; continue; }
      if (n === 'x') { out += String.fromCharCode(parseInt(p.s.substr(p.i + 2, 2), 16)); p.i += 4; continue; }
      if (n === 'u') { out += String.fromCharCode(parseInt(p.s.substr(p.i + 2, 4), 16)); p.i += 6; continue; }
      if (n === 'U') { out += String.fromCodePoint(parseInt(p.s.substr(p.i + 2, 8), 16)); p.i += 10; continue; }
      out += c + n;
      p.i += 2;
      continue;
    }
    out += c;
    p.i++;
  }
}

/**
 * YAML files of the config repo: plain data for the checks, and node ranges so that any path
 * into the data (from the schema validator, the merge or a semantic check) maps back to
 * line:col.
 *
 * `yaml` (with node ranges, strict, unique keys, bounded alias expansion) is the authority.
 * Most files of a big fleet are valid and need no position at all, so a plain, well-formed
 * file is first read with js-yaml 4 (a one-pass loader, no node tree: about 10× faster than
 * `yaml` and 6× faster than js-yaml 5's event-based one on a 10,000-client repo), and the
 * `yaml` document is built only when a position is asked for. Scalars resolve by `yaml`'s own
 * YAML 1.2 core rules (CORE_RULES: js-yaml's core schema also reads 1_000 or 0b1 as numbers).
 * Anything unusual — a syntax error, a directive, an anchor or alias, a key such as `null`
 * that the two read differently — goes straight to `yaml`.
 */
import { FAILSAFE_SCHEMA, load as loadFast, Type } from 'js-yaml';
import { isAlias, isMap, isPair, isScalar, isSeq, LineCounter, parseDocument, type Document, type Node } from 'yaml';
import type { ValidationIssue } from './types.ts';

/** Bigger files are refused: a config file is a few KB; this bounds memory and time. */
export const MAX_FILE_BYTES = 1024 * 1024;
/** Alias expansion limit when converting to plain data (YAML "billion laughs"). */
export const MAX_ALIAS_COUNT = 100;

export type Path = (string | number)[];

const PARSE_OPTIONS = { prettyErrors: true, uniqueKeys: true, strict: true } as const;

export class YamlFile {
  private parsed: { doc: Document.Parsed; lines: LineCounter } | null;
  constructor(
    /** Path relative to the config repo root. */
    readonly file: string,
    readonly text: string,
    /** Plain data, or undefined when the file could not be parsed. */
    readonly data: unknown,
    parsed?: { doc: Document.Parsed; lines: LineCounter },
  ) {
    this.parsed = parsed ?? null;
  }
  private full(): { doc: Document.Parsed; lines: LineCounter } {
    if (!this.parsed) {
      const lines = new LineCounter();
      this.parsed = { doc: parseDocument(this.text, { ...PARSE_OPTIONS, lineCounter: lines }), lines };
    }
    return this.parsed;
  }
  /** The `yaml` document with node ranges (built on first use). */
  get doc(): Document.Parsed {
    return this.full().doc;
  }
  get lines(): LineCounter {
    return this.full().lines;
  }
}

/**
 * A plain scalar of this tag when one of the rules' tests matches its whole text, as `yaml`'s
 * core schema resolves it (one Type per tag: js-yaml keeps only the last type of a tag).
 */
function coreType(tag: string, rules: [test: RegExp, construct: (s: string) => unknown][]): Type {
  const rule = (s: string) => rules.find(([t]) => t.test(s));
  return new Type(`tag:yaml.org,2002:${tag}`, { kind: 'scalar', resolve: (s: string) => rule(s) !== undefined, construct: (s: string) => rule(s)![1](s) });
}

/** The YAML 1.2 core schema's tests, as `yaml` (node_modules/yaml/dist/schema/core) has them. */
export const CORE_RULES = FAILSAFE_SCHEMA.extend({
  implicit: [
    coreType('null', [[/^(?:~|[Nn]ull|NULL)?$/, () => null]]),
    coreType('bool', [[/^(?:[Tt]rue|TRUE|[Ff]alse|FALSE)$/, (s) => s[0] === 't' || s[0] === 'T']]),
    coreType('int', [
      [/^0o[0-7]+$/, (s) => parseInt(s.slice(2), 8)],
      [/^[-+]?[0-9]+$/, (s) => parseInt(s, 10)],
      [/^0x[0-9a-fA-F]+$/, (s) => parseInt(s.slice(2), 16)],
    ]),
    coreType('float', [
      // .inf and .nan resolve to non-finite numbers, which plainTree sends to `yaml`.
      [/^(?:[-+]?\.(?:inf|Inf|INF)|\.nan|\.NaN|\.NAN)$/, (s) => (s.slice(-3).toLowerCase() === 'nan' ? NaN : s[0] === '-' ? -Infinity : Infinity)],
      [/^[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)[eE][-+]?[0-9]+$/, (s) => parseFloat(s)],
      [/^[-+]?(?:\.[0-9]+|[0-9]+\.[0-9]*)$/, (s) => parseFloat(s)],
    ]),
  ],
});

const NULL_KEYS = new Set(['', '~', 'null', 'Null', 'NULL']);

/** Whether data read by js-yaml is a plain tree `yaml` would read the same way (no shared node: no alias; no null-like key). */
function plainTree(v: unknown, seen: Set<object>): boolean {
  if (typeof v === 'number') return Number.isFinite(v);
  if (v === null || typeof v !== 'object') return true;
  if (seen.has(v)) return false;
  seen.add(v);
  if (Array.isArray(v)) return v.every((x) => plainTree(x, seen));
  for (const k of Object.keys(v)) if (NULL_KEYS.has(k) || !plainTree((v as Record<string, unknown>)[k], seen)) return false;
  return true;
}

/** The data of an ordinary YAML text by the fast reader, or undefined when `yaml` must read it. */
export function fastData(text: string): unknown {
  // Directives (%YAML 1.1 changes how scalars resolve), anchors and aliases, tags, and
  // document markers: all rare in a config file, all left to `yaml`.
  if (/^%|^---|^\.\.\.|[&*!]/m.test(text.replace(/"(?:[^"\\\n]|\\.)*"|'(?:[^'\n]|'')*'|#.*$/gm, ''))) return undefined;
  let data: unknown;
  try {
    data = loadFast(text, { schema: CORE_RULES, json: false });
  } catch {
    return undefined;
  }
  if (data === null || data === undefined || typeof data !== 'object') return undefined;
  return plainTree(data, new Set()) ? data : undefined;
}

export interface Position {
  line: number;
  col: number;
}

/** Parses one file; problems (syntax, duplicate keys, alias bombs, size) go to `issues`. */
export function parseYamlFile(file: string, text: string, issues: ValidationIssue[]): YamlFile | null {
  if (Buffer.byteLength(text) > MAX_FILE_BYTES) {
    issues.push({ file, line: 1, col: 1, severity: 'error', message: `file is larger than ${MAX_FILE_BYTES / 1024} KiB: refusing to parse it` });
    return null;
  }
  const fast = fastData(text);
  if (fast !== undefined) return new YamlFile(file, text, fast);
  const lines = new LineCounter();
  const doc = parseDocument(text, { ...PARSE_OPTIONS, lineCounter: lines });
  const yf = (data: unknown) => new YamlFile(file, text, data, { doc, lines });
  let ok = true;
  for (const e of [...doc.errors, ...doc.warnings]) {
    const pos = e.linePos?.[0] ?? { line: 1, col: 1 };
    // prettyErrors appends " at line L, column C:" and a code frame: keep the first clause.
    let message = e.message.split(/ at line \d+, column \d+/)[0]!.split('\n')[0]!.trim();
    if (e.code === 'MULTIPLE_DOCS') message = 'a config file holds one YAML document (found another after ---)';
    issues.push({ file, line: pos.line, col: pos.col, severity: 'error', message: `YAML: ${message}` });
    if (doc.errors.includes(e as never)) ok = false;
  }
  if (!ok) return yf(undefined);
  let data: unknown;
  try {
    data = doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
  } catch (err) {
    const msg = err instanceof Error ? err.message : String(err);
    const bomb = /alias count/i.test(msg);
    issues.push({
      file,
      line: 1,
      col: 1,
      severity: 'error',
      message: bomb
        ? `YAML: aliases expand too much (more than ${MAX_ALIAS_COUNT}): refusing a possible YAML bomb`
        : `YAML: ${msg.split('\n')[0]}`,
    });
    return yf(undefined);
  }
  if (data === null || data === undefined) {
    issues.push({ file, line: 1, col: 1, severity: 'error', message: 'file is empty' });
    return yf(undefined);
  }
  return yf(data);
}

function deref(f: YamlFile, n: unknown): unknown {
  return isAlias(n) ? n.resolve(f.doc) : n;
}

interface Found {
  /** Number of path segments that exist. */
  depth: number;
  node: Node | null;
  /** Key node of the last segment found, when it is a map entry. */
  key: Node | null;
}

/** Walks `path` as far as it exists in the document. */
export function findPath(f: YamlFile, path: Path): Found {
  let node: unknown = f.doc.contents;
  let key: Node | null = null;
  let depth = 0;
  for (const seg of path) {
    node = deref(f, node);
    if (isMap(node)) {
      const pair = node.items.find((p) => isPair(p) && (isScalar(p.key) ? String(p.key.value) : String(p.key)) === String(seg));
      if (!pair) break;
      key = pair.key as Node;
      node = pair.value;
    } else if (isSeq(node) && typeof seg === 'number') {
      if (seg >= node.items.length) break;
      key = null;
      node = node.items[seg];
    } else break;
    depth++;
  }
  return { depth, node: (node as Node | null) ?? null, key };
}

/** How many segments of `path` exist in the plain data of a file (as findPath, without building the YAML document). */
export function dataDepth(f: YamlFile, path: Path): number {
  let node = f.data;
  let depth = 0;
  for (const seg of path) {
    if (Array.isArray(node) && typeof seg === 'number') {
      if (seg >= node.length) break;
      node = node[seg];
    } else if (typeof node === 'object' && node !== null && !Array.isArray(node) && Object.prototype.hasOwnProperty.call(node, String(seg))) {
      node = (node as Record<string, unknown>)[String(seg)];
    } else break;
    depth++;
  }
  return depth;
}

export function hasPath(f: YamlFile, path: Path): boolean {
  return findPath(f, path).depth === path.length;
}

function nodePos(f: YamlFile, n: Node | null | undefined): Position | null {
  const start = n?.range?.[0];
  if (start === undefined) return null;
  const p = f.lines.linePos(start);
  return { line: p.line, col: p.col };
}

/**
 * Position of `path`: the value node (or, with `onKey`, the key naming it); when the path
 * does not exist entirely, the deepest part that does; the document start otherwise.
 */
export function positionOf(f: YamlFile, path: Path, onKey = false): Position {
  const found = findPath(f, path);
  const complete = found.depth === path.length;
  if (found.depth > 0 && (onKey || !complete) && found.key) {
    return nodePos(f, found.key) ?? { line: 1, col: 1 };
  }
  // A key with an empty value ("server:") has no useful value range: point at the key.
  if (complete && found.node && isScalar(found.node) && found.node.value === null && found.key) {
    return nodePos(f, found.key) ?? { line: 1, col: 1 };
  }
  return nodePos(f, found.node) ?? nodePos(f, f.doc.contents as Node) ?? { line: 1, col: 1 };
}

/** "instances.production.modules[1]" for ['instances','production','modules',1]. */
export function formatPath(path: Path): string {
  let s = '';
  for (const seg of path) s += typeof seg === 'number' ? `[${seg}]` : s ? `.${seg}` : seg;
  return s;
}

/**
 * YAML files of the config repo, parsed with node ranges kept so that any path into the
 * data (from the schema validator, the merge or a semantic check) maps back to line:col.
 */
import { isAlias, isMap, isPair, isScalar, isSeq, LineCounter, parseDocument, type Document, type Node } from 'yaml';
import type { ValidationIssue } from './types.ts';

/** Bigger files are refused: a config file is a few KB; this bounds memory and time. */
export const MAX_FILE_BYTES = 1024 * 1024;
/** Alias expansion limit when converting to plain data (YAML "billion laughs"). */
export const MAX_ALIAS_COUNT = 100;

export type Path = (string | number)[];

export interface YamlFile {
  /** Path relative to the config repo root. */
  file: string;
  doc: Document.Parsed;
  lines: LineCounter;
  /** Plain data, or undefined when the file could not be parsed. */
  data: unknown;
}

export interface Position {
  line: number;
  col: number;
}

/** Parses one file; problems (syntax, duplicate keys, alias bombs, size) go to `issues`. */
export function parseYamlFile(file: string, text: string, issues: ValidationIssue[]): YamlFile | null {
  if (Buffer.byteLength(text) > MAX_FILE_BYTES) {
    issues.push({ file, line: 1, col: 1, message: `file is larger than ${MAX_FILE_BYTES / 1024} KiB: refusing to parse it` });
    return null;
  }
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: true, uniqueKeys: true, strict: true });
  let ok = true;
  for (const e of [...doc.errors, ...doc.warnings]) {
    const pos = e.linePos?.[0] ?? { line: 1, col: 1 };
    // prettyErrors appends " at line L, column C:" and a code frame: keep the first clause.
    let message = e.message.split(/ at line \d+, column \d+/)[0]!.split('\n')[0]!.trim();
    if (e.code === 'MULTIPLE_DOCS') message = 'a config file holds one YAML document (found another after ---)';
    issues.push({ file, line: pos.line, col: pos.col, message: `YAML: ${message}` });
    if (doc.errors.includes(e as never)) ok = false;
  }
  if (!ok) return { file, doc, lines, data: undefined };
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
      message: bomb
        ? `YAML: aliases expand too much (more than ${MAX_ALIAS_COUNT}): refusing a possible YAML bomb`
        : `YAML: ${msg.split('\n')[0]}`,
    });
    return { file, doc, lines, data: undefined };
  }
  if (data === null || data === undefined) {
    issues.push({ file, line: 1, col: 1, message: 'file is empty' });
    return { file, doc, lines, data: undefined };
  }
  return { file, doc, lines, data };
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

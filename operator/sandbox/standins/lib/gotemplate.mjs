// The few Go-template forms odoops uses with --format: {{json .X.Y}}, {{.X.Y}},
// {{index .X 0}}, {{json .}}, {{.X | json}}-free. Anything else is rejected like docker
// rejects a bad template (exit 1 with "template parsing error").
import { DockerError } from './engine.mjs';

function field(obj, pathExpr) {
  if (pathExpr === '.') return obj;
  let cur = obj;
  for (const k of pathExpr.slice(1).split('.')) {
    if (cur === null || cur === undefined || typeof cur !== 'object') return undefined;
    cur = cur[k];
  }
  return cur;
}

/** Go's fmt %v rendering of decoded JSON values. */
function goPrint(v) {
  if (v === undefined) return '<no value>';
  if (v === null) return '<nil>';
  if (Array.isArray(v)) return `[${v.map(goPrint).join(' ')}]`;
  if (typeof v === 'object') return `map[${Object.keys(v).sort().map((k) => `${k}:${goPrint(v[k])}`).join(' ')}]`;
  return String(v);
}

function evalExpr(expr, data) {
  const words = expr.trim().match(/"[^"]*"|\S+/g) ?? [];
  const arg = (w) => (w.startsWith('"') ? w.slice(1, -1) : /^\d+$/.test(w) ? Number(w) : w.startsWith('.') ? field(data, w) : undefined);
  if (words.length === 1 && words[0].startsWith('.')) return goPrint(field(data, words[0]));
  if (words[0] === 'json' && words.length === 2) return JSON.stringify(arg(words[1]) ?? null);
  if (words[0] === 'index' && words.length >= 3) {
    let cur = arg(words[1]);
    for (const w of words.slice(2)) {
      const k = arg(w);
      if (Array.isArray(cur) && typeof k === 'number' && k >= cur.length) {
        throw new DockerError(`template: :1:2: executing "" at <index ${words.slice(1).join(' ')}>: error calling index: index out of range: ${k}`);
      }
      cur = cur?.[k];
    }
    return goPrint(cur);
  }
  throw new DockerError(`template parsing error: template: :1: function "${words[0]}" not defined`);
}

export function renderTemplate(tpl, data) {
  return tpl.replace(/\{\{-?\s*([\s\S]*?)\s*-?\}\}/g, (_, expr) => evalExpr(expr, data));
}

/** --format value: "json" means {{json .}} (docker >= 23). */
export function formatOne(format, data) {
  if (format === 'json') return JSON.stringify(data);
  return renderTemplate(format, data);
}

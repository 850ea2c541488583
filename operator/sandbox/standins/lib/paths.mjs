// Container path <-> host path mapping through a service's volumes: the stand-ins run
// "inside the container" on the server itself, so every container path must be mapped.
import path from 'node:path';

/** volumes: [[containerPath, hostPath], ...]; longest container prefix wins. */
export function toHostPath(volumes, p) {
  if (typeof p !== 'string' || !p.startsWith('/')) return p;
  let best = null;
  for (const [ctr, host] of volumes) {
    const c = ctr.replace(/\/+$/, '') || '/';
    if (p === c || p.startsWith(c === '/' ? '/' : `${c}/`)) {
      if (!best || c.length > best[0].length) best = [c, host];
    }
  }
  if (!best) return p;
  return path.join(best[1], p.slice(best[0].length));
}

/** Maps an argv element that is a container path, or `--opt=/container/path`. */
export function mapArg(volumes, arg) {
  if (arg.startsWith('/')) return toHostPath(volumes, arg);
  const m = /^(-[^=]*=)(\/.*)$/.exec(arg);
  if (m) return m[1] + toHostPath(volumes, m[2]);
  return arg;
}

export function volumesFromEnv(env = process.env) {
  try {
    const v = JSON.parse(env.ODOO_STANDIN_VOLUMES ?? '[]');
    return Array.isArray(v) ? v : [];
  } catch {
    return [];
  }
}

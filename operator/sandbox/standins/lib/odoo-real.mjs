// The optional real-Odoo tier: when a server is told where an extracted Odoo source tree
// is, `odoo` commands and the running server are real odoo-bin (run with Debian's
// /usr/bin/python3 and its python3-* packages) instead of the stand-in. Real Odoo runs on
// the server itself like the stand-in does, so what the container would see is translated:
// odoo.conf's container paths mapped through the volumes, `db_host = db` pointed at the
// server's PostgreSQL, ports taken from the compose file.
//
// The switch: env ODOOPS_REAL_ODOO=PATH, else the file <stand-in state>/real-odoo holding
// PATH (what test/real-odoo writes on each sandbox server; SSH sessions carry no env).
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { readConf } from './odoo-options.mjs';
import { toHostPath } from './paths.mjs';
import { pgHost, pgPort } from './pgserver.mjs';

export const PYTHON = '/usr/bin/python3';

/** The stand-ins' state directory on a server (engine.mjs root(); same default). */
export const standinRoot = (env = process.env) => env.DOCKER_STANDIN_ROOT || '/var/lib/docker-standin';

export class RealOdooError extends Error {}

/** The real Odoo source tree to run, or null for the stand-in. */
export function realOdooSource(env = process.env) {
  let src = env.ODOOPS_REAL_ODOO || null;
  if (!src) {
    try {
      src = fs.readFileSync(path.join(standinRoot(env), 'real-odoo'), 'utf8').trim() || null;
    } catch {
      return null;
    }
  }
  if (!fs.existsSync(path.join(src, 'odoo-bin'))) throw new RealOdooError(`real Odoo: no odoo-bin in ${src} (ODOOPS_REAL_ODOO / ${path.join(standinRoot(env), 'real-odoo')})`);
  return src;
}

/** "17.0" from SRC/odoo/release.py. */
export function realSeries(src) {
  const text = fs.readFileSync(path.join(src, 'odoo/release.py'), 'utf8');
  const m = /^version_info\s*=\s*\((\d+),\s*(\d+)/m.exec(text);
  if (!m) throw new RealOdooError(`real Odoo: no version_info in ${path.join(src, 'odoo/release.py')}`);
  return `${m[1]}.${m[2]}`;
}

/** Refuses to run a source tree of another series than the image's. */
export function checkSeries(src, imageSeries) {
  const have = realSeries(src);
  if (imageSeries && have !== imageSeries) throw new RealOdooError(`real Odoo: ${src} is Odoo ${have}, the image wants ${imageSeries}`);
  return have;
}

const isSet = (v) => v !== undefined && v !== null && v !== '' && v !== 'False';

/**
 * odoo.conf as real Odoo on the server must read it: container paths mapped (a source
 * tree's addons/ first, as the image has them in odoo/addons), the `db`
 * service replaced by the server's PostgreSQL, and for a running server its published
 * address and a gevent port of its own (two instances share the server's network).
 * Written under <state>/real-odoo-run/; returns its path.
 */
export function translateConf(confHost, volumes, { src, http, env = process.env } = {}) {
  const opts = confHost && fs.existsSync(confHost) ? readConf(confHost) : {};
  const out = { ...opts };
  // The official image keeps every core module in odoo/addons; a 16.0 source tree keeps
  // most of them in addons/, which Odoo only adds when addons_path is not set.
  const sourceAddons = src && fs.existsSync(path.join(src, 'addons')) ? [path.join(src, 'addons')] : [];
  const configured = isSet(opts.addons_path) ? opts.addons_path.split(',').map((p) => toHostPath(volumes, p.trim())) : [];
  if (configured.length || sourceAddons.length) out.addons_path = [...sourceAddons, ...configured].join(',');
  out.data_dir = toHostPath(volumes, isSet(opts.data_dir) ? opts.data_dir : '/var/lib/odoo');
  const h = opts.db_host;
  if (!isSet(h) || h === 'db' || h === 'localhost') {
    out.db_host = pgHost(env);
    out.db_port = String(pgPort(env));
  }
  if (http) {
    out.http_interface = http.host;
    out.http_port = String(http.port);
    if (!isSet(opts.gevent_port)) out.gevent_port = String(http.port + 1000);
  }
  const dir = path.join(standinRoot(env), 'real-odoo-run');
  fs.mkdirSync(dir, { recursive: true });
  const name = `${crypto.createHash('sha256').update(`${confHost}\0${http ? `${http.host}:${http.port}` : ''}`).digest('hex').slice(0, 16)}.conf`;
  const file = path.join(dir, name);
  const text = ['[options]', ...Object.entries(out).map(([k, v]) => `${k} = ${v}`), ''].join('\n');
  fs.writeFileSync(file, text, { mode: 0o600 });
  return file;
}

/** Replaces -c/--config in an odoo argv (sub-command first, as odoo-bin wants it). */
export function withConfig(argv, conf) {
  const out = [];
  let replaced = false;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '-c' || a === '--config') { out.push('-c', conf); i++; replaced = true; continue; }
    if (a.startsWith('--config=') || (a.startsWith('-c') && a.length > 2 && !a.startsWith('--'))) { out.push('-c', conf); replaced = true; continue; }
    out.push(a);
  }
  if (!replaced) {
    const sub = out[0] && !out[0].startsWith('-') ? 1 : 0;
    out.splice(sub, 0, '-c', conf);
  }
  return out;
}

/** Environment for real odoo-bin: Debian's Python, ODOO_RC on the translated conf. */
export function realEnv(conf, env = process.env) {
  const e = { ...env, ODOO_RC: conf, PATH: `/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin` };
  for (const k of ['PYTHONPATH', 'PYTHONHOME', 'VIRTUAL_ENV', 'PYENV_VERSION']) delete e[k];
  return e;
}

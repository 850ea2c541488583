// Loads a compose project the way Compose v2 does for the subset in operator/sandbox/standins/README.md:
// .env + shell interpolation, project name, services normalised (ports, volumes, env).
import fs from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import { DockerError, imageRole, imageSeries, volumesDir } from './engine.mjs';

/** Compose's dotenv format: KEY=VALUE, comments, optional quotes, `export ` prefix. */
export function parseDotEnv(text) {
  const out = {};
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (!line || line.startsWith('#')) continue;
    const m = /^(?:export\s+)?([A-Za-z_][A-Za-z0-9_.-]*)\s*=\s*(.*)$/.exec(line);
    if (!m) continue;
    let v = m[2];
    if (v.startsWith("'")) v = v.slice(1, v.lastIndexOf("'") > 0 ? v.lastIndexOf("'") : undefined);
    else if (v.startsWith('"')) {
      v = v.slice(1, v.lastIndexOf('"') > 0 ? v.lastIndexOf('"') : undefined).replace(/\\n/g, '\n').replace(/\\"/g, '"').replace(/\\\\/g, '\\');
    } else v = v.replace(/\s+#.*$/, '').trim();
    out[m[1]] = v;
  }
  return out;
}

/** ${VAR}, $VAR, ${VAR:-d}, ${VAR-d}, ${VAR:?e}, ${VAR?e}, ${VAR:+a}, ${VAR+a}, $$. */
export function interpolate(str, vars, warnings) {
  return str.replace(/\$(?:(\$)|\{([^}]*)\}|([A-Za-z_][A-Za-z0-9_]*))/g, (all, dollar, braced, bare) => {
    if (dollar) return '$';
    if (bare) return lookup(bare);
    const m = /^([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?+])([\s\S]*))?$/.exec(braced);
    if (!m) throw new DockerError(`invalid interpolation format for ${all}`);
    const [, name, op, arg = ''] = m;
    const set = Object.hasOwn(vars, name);
    const nonEmpty = set && vars[name] !== '';
    switch (op) {
      case undefined: return lookup(name);
      case ':-': return nonEmpty ? vars[name] : arg;
      case '-': return set ? vars[name] : arg;
      case ':?': if (!nonEmpty) throw new DockerError(`required variable ${name} is missing a value: ${arg}`); return vars[name];
      case '?': if (!set) throw new DockerError(`required variable ${name} is missing a value: ${arg}`); return vars[name];
      case ':+': return nonEmpty ? arg : '';
      case '+': return set ? arg : '';
      default: return all;
    }
  });
  function lookup(name) {
    if (Object.hasOwn(vars, name)) return vars[name];
    warnings.add(`The "${name}" variable is not set. Defaulting to a blank string.`);
    return '';
  }
}

function deepInterpolate(node, vars, warnings) {
  if (typeof node === 'string') return interpolate(node, vars, warnings);
  if (Array.isArray(node)) return node.map((n) => deepInterpolate(n, vars, warnings));
  if (node && typeof node === 'object') {
    const out = {};
    for (const [k, v] of Object.entries(node)) out[k] = deepInterpolate(v, vars, warnings);
    return out;
  }
  return node;
}

const normalizeName = (s) => s.toLowerCase().replace(/[^a-z0-9_-]/g, '');

/**
 * opts: { files: string[], projectName?, projectDirectory?, envFile? }
 * Returns { name, dir, files, services: Map, order: string[] }.
 */
export function loadProject(opts, env = process.env) {
  let files = opts.files;
  if (!files.length) {
    const found = ['compose.yaml', 'compose.yml', 'docker-compose.yml', 'docker-compose.yaml'].map((f) => path.resolve(f)).find((f) => fs.existsSync(f));
    if (!found) throw new DockerError('no configuration file provided: not found');
    files = [found];
  }
  files = files.map((f) => path.resolve(f));
  const dir = path.resolve(opts.projectDirectory ?? path.dirname(files[0]));
  const envFile = opts.envFile ? path.resolve(opts.envFile) : path.join(dir, '.env');
  let dotenv = {};
  if (fs.existsSync(envFile)) dotenv = parseDotEnv(fs.readFileSync(envFile, 'utf8'));
  else if (opts.envFile) throw new DockerError(`couldn't find env file: ${envFile}`);
  // Shell environment wins over .env (compose's precedence).
  const vars = { ...dotenv, ...env };
  const warnings = new Set();
  let model = {};
  for (const f of files) {
    let text;
    try {
      text = fs.readFileSync(f, 'utf8');
    } catch {
      throw new DockerError(`open ${f}: no such file or directory`);
    }
    let doc;
    try {
      doc = YAML.parse(text) ?? {};
    } catch (e) {
      throw new DockerError(`yaml: ${String(e.message).split('\n')[0]}`);
    }
    if (typeof doc !== 'object' || Array.isArray(doc)) throw new DockerError(`${path.basename(f)}: top-level object must be a mapping`);
    doc = deepInterpolate(doc, vars, warnings);
    model = { ...model, ...doc, services: { ...(model.services ?? {}), ...(doc.services ?? {}) } };
  }
  for (const w of warnings) process.stderr.write(`WARN[0000] ${w} \n`);
  const name = normalizeName(opts.projectName ?? env.COMPOSE_PROJECT_NAME ?? model.name ?? path.basename(dir));
  if (!name) throw new DockerError('project name must not be empty');
  const services = new Map();
  for (const [svcName, raw] of Object.entries(model.services ?? {})) {
    services.set(svcName, normalizeService(svcName, raw ?? {}, { name, dir }));
  }
  return { name, dir, files, envFile, services, vars: { ...dotenv } };
}

function normalizeService(name, raw, project) {
  const image = raw.image ? String(raw.image) : '';
  if (!image) throw new DockerError(`service "${name}" has neither an image nor a build context specified: invalid compose project`);
  const dependsOn = Array.isArray(raw.depends_on) ? raw.depends_on.map(String) : Object.keys(raw.depends_on ?? {});
  const ports = (raw.ports ?? []).map((p) => parsePort(p, name));
  const volumes = (raw.volumes ?? []).map((v) => parseVolume(v, project));
  const environment = {};
  if (Array.isArray(raw.environment)) {
    for (const e of raw.environment) {
      const s = String(e);
      const i = s.indexOf('=');
      if (i > 0) environment[s.slice(0, i)] = s.slice(i + 1);
      else if (process.env[s] !== undefined) environment[s] = process.env[s];
    }
  } else {
    for (const [k, v] of Object.entries(raw.environment ?? {})) environment[k] = v === null ? '' : String(v);
  }
  const command = raw.command === undefined ? null : Array.isArray(raw.command) ? raw.command.map(String) : String(raw.command).split(/\s+/).filter(Boolean);
  return {
    name,
    image,
    role: imageRole(image),
    series: imageSeries(image),
    containerName: raw.container_name ? String(raw.container_name) : `${project.name}-${name}-1`,
    dependsOn,
    ports,
    volumes,
    environment,
    command,
    restart: raw.restart ? String(raw.restart) : 'no',
  };
}

function parsePort(p, svc) {
  if (typeof p === 'object' && p !== null) {
    return { hostIp: p.host_ip ?? '', hostPort: Number(p.published ?? 0), containerPort: Number(p.target), protocol: p.protocol ?? 'tcp' };
  }
  const s = String(p);
  const [spec, protocol = 'tcp'] = s.split('/');
  const parts = spec.split(':');
  let hostIp = '';
  let hostPort = 0;
  let containerPort;
  if (parts.length === 1) containerPort = parts[0];
  else if (parts.length === 2) [hostPort, containerPort] = parts;
  else [hostIp, hostPort, containerPort] = [parts.slice(0, -2).join(':'), parts.at(-2), parts.at(-1)];
  if (!/^\d+$/.test(String(containerPort)) || (hostPort !== '' && !/^\d*$/.test(String(hostPort)))) {
    throw new DockerError(`services.${svc}.ports contains an invalid type, it should be a number, or an object (${s})`);
  }
  return { hostIp, hostPort: Number(hostPort || 0), containerPort: Number(containerPort), protocol };
}

function parseVolume(v, project) {
  if (typeof v === 'object' && v !== null) {
    const type = v.type ?? 'volume';
    const source = type === 'bind' ? path.resolve(project.dir, String(v.source)) : path.join(volumesDir(), `${project.name}_${v.source}`, '_data');
    return { type, source, target: String(v.target), readOnly: !!v.read_only, name: type === 'volume' ? `${project.name}_${v.source}` : undefined };
  }
  const parts = String(v).split(':');
  const [src, target, mode = 'rw'] = parts.length === 1 ? [null, parts[0]] : parts;
  if (src === null) return { type: 'volume', source: path.join(volumesDir(), `${project.name}_anon`, '_data'), target, readOnly: false };
  const isPath = src.startsWith('/') || src.startsWith('.') || src.startsWith('~');
  if (isPath) return { type: 'bind', source: path.resolve(project.dir, src), target, readOnly: mode.split(',').includes('ro') };
  return { type: 'volume', source: path.join(volumesDir(), `${project.name}_${src}`, '_data'), target, readOnly: mode.split(',').includes('ro'), name: `${project.name}_${src}` };
}

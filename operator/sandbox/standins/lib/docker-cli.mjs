// The `docker` stand-in: the subset of docker / docker compose odoops uses
// (operator/sandbox/standins/README.md is the contract). Errors: one line on stderr, real exit codes.
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { loadProject } from './compose-file.mjs';
import {
  DockerError, composePsEntry, getContainer, imageRecord, inspectContainer, listContainers, liveState, localImage,
  logEvent, logFile, newContainerId, parseRef, psEntry, pullImage, removeContainer, removeImage, saveContainer, startContainer, statusText,
  stopContainer, portsText, humanDuration,
} from './engine.mjs';
import { formatOne } from './gotemplate.mjs';
import { mapArg } from './paths.mjs';
import { PG_BIN, pgAnswers, pgHost, pgPort } from './pgserver.mjs';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const ODOO_BIN = path.resolve(HERE, '../bin/odoo');
const COMPOSE_VERSION = '2.29.7';

// ------------------------------------------------------------------ flag parsing (cobra-like)
/**
 * spec: { name: { short?, value?: bool, multi?: bool } }. interspersed=false stops at the
 * first positional (run/exec: the rest is the container command).
 */
function parseFlags(args, spec, { interspersed = true, cmdPath, composeStyle }) {
  const flags = {};
  const pos = [];
  const unknown = (f) => new DockerError(
    f.startsWith('--') ? `unknown flag: ${f}` : `unknown shorthand flag: '${f[1]}' in ${f}`,
    composeStyle ? 1 : 125,
  );
  const seeHelp = composeStyle ? '' : `\nSee '${cmdPath} --help'.`;
  const set = (name, v) => {
    if (spec[name].multi) (flags[name] ??= []).push(v);
    else flags[name] = v;
  };
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (a === '--') { pos.push(...args.slice(i + 1)); break; }
    if (!a.startsWith('-') || a === '-') {
      if (!interspersed) { pos.push(...args.slice(i)); break; }
      pos.push(a);
      continue;
    }
    let name;
    let inline;
    if (a.startsWith('--')) {
      const eq = a.indexOf('=');
      const n = eq >= 0 ? a.slice(2, eq) : a.slice(2);
      inline = eq >= 0 ? a.slice(eq + 1) : undefined;
      if (!spec[n]) { const e = unknown(eq >= 0 ? a.slice(0, eq) : a); e.message += seeHelp; throw e; }
      name = n;
    } else {
      // shorthand, possibly bundled booleans (-dT) or with a value (-fFILE)
      for (let j = 1; j < a.length; j++) {
        const n = Object.keys(spec).find((k) => spec[k].short === a[j]);
        if (!n) { const e = unknown(`-${a[j]}`); e.message += seeHelp; throw e; }
        if (spec[n].value) {
          const rest = a.slice(j + 1);
          if (rest) set(n, rest.replace(/^=/, ''));
          else {
            if (i + 1 >= args.length) throw new DockerError(`flag needs an argument: '${a[j]}' in -${a[j]}${seeHelp}`, composeStyle ? 1 : 125);
            set(n, args[++i]);
          }
          break;
        }
        set(n, true);
      }
      continue;
    }
    if (spec[name].value) {
      if (inline === undefined) {
        if (i + 1 >= args.length) throw new DockerError(`flag needs an argument: --${name}${seeHelp}`, composeStyle ? 1 : 125);
        inline = args[++i];
      }
      set(name, inline);
    } else {
      set(name, inline === undefined ? true : inline !== 'false');
    }
  }
  return { flags, pos };
}

const err = (s) => process.stderr.write(s.endsWith('\n') ? s : `${s}\n`);
const out = (s) => process.stdout.write(s.endsWith('\n') ? s : `${s}\n`);
const progress = (kind, name, what) => err(kind ? ` ${kind} ${name}  ${what}` : ` ${name} ${what}`);

// ------------------------------------------------------------------ compose
const COMPOSE_GLOBAL = {
  file: { short: 'f', value: true, multi: true },
  'project-name': { short: 'p', value: true },
  'project-directory': { value: true },
  'env-file': { value: true, multi: true },
  profile: { value: true, multi: true },
  ansi: { value: true },
  progress: { value: true },
  'dry-run': {},
  help: { short: 'h' },
};

async function compose(args) {
  const { flags, pos } = parseFlags(args, COMPOSE_GLOBAL, { interspersed: false, cmdPath: 'docker compose', composeStyle: true });
  const [sub, ...rest] = pos;
  if (!sub || flags.help) {
    out('Usage:  docker compose [OPTIONS] COMMAND\n\nDefine and run multi-container applications with Docker (stand-in: see operator/sandbox/standins/README.md)');
    return sub ? 0 : 0;
  }
  if (sub === 'version') { out(`Docker Compose version v${COMPOSE_VERSION}`); return 0; }
  const handlers = { ps: composePs, up: composeUp, stop: composeStop, start: composeStart, restart: composeRestart, down: composeDown, pull: composePull, exec: composeExec, run: composeRun, logs: composeLogs };
  const h = handlers[sub];
  if (!h) throw new DockerError(`unknown docker command: "compose ${sub}"`);
  const loadOpts = { files: flags.file ?? [], projectName: flags['project-name'], projectDirectory: flags['project-directory'], envFile: flags['env-file']?.at(-1) };
  return h(rest, () => loadProject(loadOpts));
}

function checkServices(project, names) {
  for (const n of names) if (!project.services.has(n)) throw new DockerError(`no such service: ${n}`);
}

function projectContainers(project) {
  return listContainers().filter((c) => c.Project === project.name && !c.Oneoff);
}

/** Services plus their depends_on, dependencies first. */
function withDeps(project, names) {
  const order = [];
  const visit = (n, stack) => {
    if (order.includes(n) || stack.has(n)) return;
    stack.add(n);
    const svc = project.services.get(n);
    if (!svc) throw new DockerError(`no such service: ${n}`);
    for (const d of svc.dependsOn) visit(d, stack);
    order.push(n);
  };
  for (const n of names) visit(n, new Set());
  return order;
}

function configHash(svc) {
  const relevant = { image: svc.image, ports: svc.ports, volumes: svc.volumes, environment: svc.environment, command: svc.command, restart: svc.restart };
  return crypto.createHash('sha256').update(JSON.stringify(relevant)).digest('hex');
}

function newContainer(project, svc) {
  const img = imageRecord(svc.image);
  const hash = configHash(svc);
  const envObj = {};
  for (const e of img.Config.Env) envObj[e.slice(0, e.indexOf('='))] = e.slice(e.indexOf('=') + 1);
  Object.assign(envObj, svc.environment);
  for (const v of svc.volumes) if (v.type === 'volume') fs.mkdirSync(v.source, { recursive: true });
  return {
    Id: newContainerId(),
    Name: svc.containerName,
    Project: project.name,
    Service: svc.name,
    Oneoff: false,
    Image: svc.image,
    Role: svc.role,
    Series: svc.series,
    ConfigHash: hash,
    Created: new Date().toISOString(),
    StartedAt: '0001-01-01T00:00:00Z',
    FinishedAt: '0001-01-01T00:00:00Z',
    Status: 'created',
    ExitCode: 0,
    Pid: 0,
    Ports: svc.ports,
    Mounts: svc.volumes.map((v) => ({ Type: v.type, Name: v.name, Source: v.source, Destination: v.target, RW: !v.readOnly })),
    Env: Object.entries(envObj).map(([k, v]) => `${k}=${v}`),
    Cmd: svc.command ?? img.Config.Cmd,
    Entrypoint: img.Config.Entrypoint,
    Restart: svc.restart,
    Labels: {
      'com.docker.compose.config-hash': hash,
      'com.docker.compose.container-number': '1',
      'com.docker.compose.depends_on': svc.dependsOn.map((d) => `${d}:service_started:false`).join(','),
      'com.docker.compose.image': img.Id,
      'com.docker.compose.oneoff': 'False',
      'com.docker.compose.project': project.name,
      'com.docker.compose.project.config_files': project.files.join(','),
      'com.docker.compose.project.working_dir': project.dir,
      'com.docker.compose.service': svc.name,
      'com.docker.compose.version': COMPOSE_VERSION,
      ...img.Config.Labels,
    },
  };
}

/** Pulls images that are missing locally (compose's pull_policy: missing). */
function ensureImages(project, names) {
  const missing = names.map((n) => project.services.get(n)).filter((s) => !localImage(s.image));
  for (const svc of missing) {
    progress('', svc.name, 'Pulling');
  }
  for (const svc of missing) {
    try {
      pullImage(svc.image, null);
      progress('', svc.name, 'Pulled');
    } catch (e) {
      progress('', svc.name, `Error ${e.message.replace(/^Error response from daemon: /, '')}`);
      throw e;
    }
  }
}

async function upServices(project, names, { forceRecreate = false } = {}) {
  ensureImages(project, names);
  const existing = projectContainers(project);
  if (!existing.length) {
    progress('Network', `${project.name}_default`, 'Creating');
    progress('Network', `${project.name}_default`, 'Created');
  }
  for (const n of names) {
    const svc = project.services.get(n);
    let c = existing.find((x) => x.Service === n);
    const hash = configHash(svc);
    if (c && (c.ConfigHash !== hash || forceRecreate)) {
      progress('Container', c.Name, 'Recreate');
      await stopContainer(c);
      removeContainer(c);
      c = newContainer(project, svc);
      saveContainer(c);
      progress('Container', c.Name, 'Recreated');
    } else if (!c) {
      progress('Container', svc.containerName, 'Creating');
      c = newContainer(project, svc);
      saveContainer(c);
      progress('Container', c.Name, 'Created');
    }
    const st = await liveState(c);
    if (st.Running) {
      progress('Container', c.Name, 'Running');
      continue;
    }
    progress('Container', c.Name, 'Starting');
    await startContainer(c);
    progress('Container', c.Name, 'Started');
  }
}

async function composeUp(args, load) {
  const { flags, pos } = parseFlags(args, {
    detach: { short: 'd' }, 'no-deps': {}, 'force-recreate': {}, 'no-recreate': {}, 'remove-orphans': {},
    pull: { value: true }, wait: {}, 'quiet-pull': {}, 'no-start': {}, 'no-build': {}, build: {},
  }, { cmdPath: 'docker compose up', composeStyle: true });
  if (!flags.detach) throw new DockerError('docker stand-in: `up` without -d (attached mode) is not supported');
  const project = load();
  checkServices(project, pos);
  const targets = pos.length ? pos : [...project.services.keys()];
  const names = flags['no-deps'] ? targets : withDeps(project, targets);
  if (flags.pull === 'always') for (const n of names) pullImage(project.services.get(n).image, null);
  await upServices(project, names, { forceRecreate: !!flags['force-recreate'] });
  return 0;
}

function selectContainers(project, names) {
  checkServices(project, names);
  return projectContainers(project).filter((c) => !names.length || names.includes(c.Service))
    .sort((a, b) => a.Name.localeCompare(b.Name));
}

/** Dependents stop before their dependencies, like compose. */
function stopOrder(project, cs) {
  const order = withDeps(project, [...project.services.keys()]).reverse();
  return [...cs].sort((a, b) => order.indexOf(a.Service) - order.indexOf(b.Service));
}

async function composeStop(args, load) {
  const { flags, pos } = parseFlags(args, { timeout: { short: 't', value: true } }, { cmdPath: 'docker compose stop', composeStyle: true });
  const project = load();
  const cs = stopOrder(project, selectContainers(project, pos));
  for (const c of cs) {
    progress('Container', c.Name, 'Stopping');
    await stopContainer(c, flags.timeout ? Number(flags.timeout) : 10);
    progress('Container', c.Name, 'Stopped');
  }
  return 0;
}

async function composeStart(args, load) {
  const { pos } = parseFlags(args, {}, { cmdPath: 'docker compose start', composeStyle: true });
  const project = load();
  const cs = selectContainers(project, pos);
  for (const n of pos) if (!cs.some((c) => c.Service === n)) throw new DockerError(`service "${n}" has no container to start`);
  for (const c of cs) {
    if ((await liveState(c)).Running) continue;
    progress('Container', c.Name, 'Starting');
    await startContainer(c);
    progress('Container', c.Name, 'Started');
  }
  return 0;
}

async function composeRestart(args, load) {
  const { flags, pos } = parseFlags(args, { timeout: { short: 't', value: true }, 'no-deps': {} }, { cmdPath: 'docker compose restart', composeStyle: true });
  const project = load();
  // restart keeps the container's recorded config: compose/.env changes are NOT applied.
  for (const c of selectContainers(project, pos)) {
    progress('Container', c.Name, 'Restarting');
    await stopContainer(c, flags.timeout ? Number(flags.timeout) : 10);
    await startContainer(c);
    progress('Container', c.Name, 'Started');
  }
  return 0;
}

async function composeDown(args, load) {
  const { flags } = parseFlags(args, { volumes: { short: 'v' }, 'remove-orphans': {}, timeout: { short: 't', value: true }, rmi: { value: true } }, { cmdPath: 'docker compose down', composeStyle: true });
  const project = load();
  const cs = stopOrder(project, selectContainers(project, []));
  for (const c of cs) {
    progress('Container', c.Name, 'Stopping');
    await stopContainer(c, flags.timeout ? Number(flags.timeout) : 10);
    progress('Container', c.Name, 'Stopped');
    progress('Container', c.Name, 'Removing');
    removeContainer(c);
    progress('Container', c.Name, 'Removed');
    if (flags.volumes) for (const m of c.Mounts) if (m.Type === 'volume') fs.rmSync(path.dirname(m.Source), { recursive: true, force: true });
  }
  if (cs.length) {
    progress('Network', `${project.name}_default`, 'Removing');
    progress('Network', `${project.name}_default`, 'Removed');
  }
  return 0;
}

async function composePull(args, load) {
  const { flags, pos } = parseFlags(args, { quiet: { short: 'q' }, 'ignore-pull-failures': {}, 'include-deps': {}, policy: { value: true } }, { cmdPath: 'docker compose pull', composeStyle: true });
  const project = load();
  checkServices(project, pos);
  const names = pos.length ? pos : [...project.services.keys()];
  let failure = null;
  for (const n of names) if (!flags.quiet) progress('', n, 'Pulling');
  for (const n of names) {
    try {
      pullImage(project.services.get(n).image, null);
      if (!flags.quiet) progress('', n, 'Pulled');
    } catch (e) {
      if (!flags.quiet) progress('', n, `Error ${e.message.replace(/^Error response from daemon: /, '')}`);
      if (!flags['ignore-pull-failures']) failure ??= e;
    }
  }
  if (failure) throw failure;
  return 0;
}

async function composePs(args, load) {
  const { flags, pos } = parseFlags(args, {
    format: { value: true }, all: { short: 'a' }, quiet: { short: 'q' }, services: {}, status: { value: true, multi: true },
    'no-trunc': {}, orphans: {}, filter: { value: true },
  }, { cmdPath: 'docker compose ps', composeStyle: true });
  const project = load();
  const rows = [];
  for (const c of selectContainers(project, pos)) {
    const st = await liveState(c);
    if (!flags.all && !flags.status && st.Status !== 'running') continue;
    if (flags.status && !flags.status.includes(st.Status)) continue;
    rows.push([c, st]);
  }
  if (flags.quiet) { for (const [c] of rows) out(c.Id); return 0; }
  if (flags.services) { for (const [c] of rows) out(c.Service); return 0; }
  const fmt = flags.format ?? 'table';
  if (fmt === 'table') {
    table(['NAME', 'IMAGE', 'COMMAND', 'SERVICE', 'CREATED', 'STATUS', 'PORTS'], rows.map(([c, st]) => {
      const e = composePsEntry(c, st);
      return [e.Name, e.Image, e.Command, e.Service, e.RunningFor, e.Status, e.Ports];
    }));
    return 0;
  }
  for (const [c, st] of rows) out(formatOne(fmt, composePsEntry(c, st)));
  return 0;
}

function table(head, rows) {
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => String(r[i]).length)));
  const line = (r) => r.map((x, i) => (i === r.length - 1 ? String(x) : String(x).padEnd(widths[i] + 3))).join('').trimEnd();
  out(line(head));
  for (const r of rows) out(line(r));
}

async function composeLogs(args, load) {
  const { flags, pos } = parseFlags(args, { follow: { short: 'f' }, tail: { short: 'n', value: true }, timestamps: { short: 't' }, since: { value: true }, 'no-color': {}, 'no-log-prefix': {} }, { cmdPath: 'docker compose logs', composeStyle: true });
  const sinceMs = flags.since === undefined ? null : parseSince(flags.since);
  const tail = flags.tail === undefined || flags.tail === 'all' ? null : Number(flags.tail);
  if (tail !== null && !(Number.isInteger(tail) && tail >= 0)) throw new DockerError(`invalid value for "tail": ${flags.tail}`, 1);
  const project = load();
  for (const c of selectContainers(project, pos)) {
    let buf = Buffer.alloc(0);
    try { buf = fs.readFileSync(logFile(c.Name)); } catch { /* no log */ }
    let lines = sinceMs === null ? buf.toString('utf8').split('\n').filter(Boolean) : linesSince(buf, c.LogStarts ?? [], sinceMs);
    if (tail !== null) lines = tail === 0 ? [] : lines.slice(-tail);
    for (const l of lines) out(`${c.Service}-1  | ${l}`);
  }
  return 0;
}

/** `--since`: RFC 3339 (e.g. 2026-12-01T10:00:00.123456789Z), Unix seconds, or a duration back from now (42m, 1h30m). */
function parseSince(v) {
  if (/^\d+(\.\d+)?$/.test(v)) return Number(v) * 1000;
  const dur = /^(?:(\d+)h)?(?:(\d+)m)?(?:(\d+(?:\.\d+)?)s)?$/.exec(v);
  if (dur && v !== '') return Date.now() - ((Number(dur[1] ?? 0) * 60 + Number(dur[2] ?? 0)) * 60 + Number(dur[3] ?? 0)) * 1000;
  const ms = Date.parse(v);
  if (Number.isNaN(ms)) throw new DockerError(`invalid value for "since": failed to parse value as time or duration: "${v}"`, 1);
  return ms;
}

const ODOO_STAMP = /^(\d{4}-\d\d-\d\d) (\d\d:\d\d:\d\d),(\d{3}) /;

/**
 * The lines a real engine received at or after `sinceMs`. A real engine stamps each line on
 * receipt; the stand-in knows when each run of the container's server began (LogStarts: time
 * and byte offset): every line of a run begun at or after `since` counts; of earlier runs, the
 * lines from the first one whose own Odoo stamp (UTC: odoo-bin sets TZ=UTC) is at or after it.
 */
function linesSince(buf, starts, sinceMs) {
  const first = starts.find((s) => Date.parse(s.at) >= sinceMs && s.offset <= buf.length);
  const before = (first ? buf.subarray(0, first.offset) : buf).toString('utf8').split('\n').filter(Boolean);
  const after = first ? buf.subarray(first.offset).toString('utf8').split('\n').filter(Boolean) : [];
  const i = before.findIndex((l) => {
    const m = ODOO_STAMP.exec(l);
    return m !== null && Date.parse(`${m[1]}T${m[2]}.${m[3]}Z`) >= sinceMs;
  });
  return [...(i < 0 ? [] : before.slice(i)), ...after];
}

const envToObj = (arr) => Object.fromEntries(arr.map((e) => [e.slice(0, e.indexOf('=')), e.slice(e.indexOf('=') + 1)]));

const PG_TOOLS = new Set(['psql', 'pg_dump', 'pg_restore', 'createdb', 'dropdb', 'pg_isready', 'pg_dumpall', 'createuser', 'dropuser', 'vacuumdb']);

/** Runs CMD "inside" a container: on the server, with container paths mapped. */
function runInContainer({ role, env, mounts, argv, user, workdir }, execStyle) {
  const volumes = mounts.map((m) => [m.Destination, m.Source]);
  let cmd = argv.map((a) => mapArg(volumes, a));
  const childEnv = {
    ...env,
    PATH: process.env.PATH,
    HOME: process.env.HOME ?? '/root',
    ODOO_STANDIN_VOLUMES: JSON.stringify(volumes),
  };
  for (const [k, v] of Object.entries(process.env)) if ((k.startsWith('ODOO_STANDIN_') && k !== 'ODOO_STANDIN_VOLUMES') || k === 'ODOOPS_REAL_ODOO') childEnv[k] = v;
  if (process.env.DOCKER_STANDIN_ROOT) childEnv.DOCKER_STANDIN_ROOT = process.env.DOCKER_STANDIN_ROOT;
  if (role === 'odoo' && cmd[0] === 'odoo') cmd = [process.execPath, ODOO_BIN, ...cmd.slice(1)];
  if (role === 'postgres') {
    // The container's own PostgreSQL is the server's: its socket, its port.
    childEnv.PGHOST = pgHost();
    childEnv.PGPORT = String(pgPort());
    if (PG_TOOLS.has(cmd[0]) && fs.existsSync(path.join(PG_BIN, cmd[0]))) cmd[0] = path.join(PG_BIN, cmd[0]);
    for (let i = 0; i < cmd.length - 1; i++) {
      if ((cmd[i] === '-h' || cmd[i] === '--host') && ['localhost', '127.0.0.1', 'db'].includes(cmd[i + 1])) cmd[i + 1] = pgHost();
    }
  }
  void user;
  const cwd = workdir ? mapArg(volumes, workdir) : '/';
  return new Promise((resolve) => {
    const child = spawn(cmd[0], cmd.slice(1), { stdio: 'inherit', env: childEnv, cwd: fs.existsSync(cwd) ? cwd : '/' });
    child.on('error', (e) => {
      if (e.code === 'ENOENT') {
        err(execStyle
          ? `OCI runtime exec failed: exec failed: unable to start container process: exec: "${argv[0]}": executable file not found in $PATH: unknown`
          : `Error response from daemon: failed to create task for container: failed to create shim task: OCI runtime create failed: runc create failed: unable to start container process: exec: "${argv[0]}": executable file not found in $PATH: unknown`);
        resolve(execStyle ? 126 : 127);
      } else {
        err(`Error response from daemon: ${e.message}`);
        resolve(126);
      }
    });
    child.on('exit', (code, sig) => resolve(code ?? 128 + (sig === 'SIGKILL' ? 9 : sig === 'SIGTERM' ? 15 : 1)));
    for (const s of ['SIGTERM', 'SIGINT']) process.on(s, () => child.kill(s));
  });
}

function parseEnvFlags(list) {
  const o = {};
  for (const e of list ?? []) {
    const i = e.indexOf('=');
    if (i > 0) o[e.slice(0, i)] = e.slice(i + 1);
    else if (process.env[e] !== undefined) o[e] = process.env[e];
  }
  return o;
}

async function composeExec(args, load) {
  const { flags, pos } = parseFlags(args, {
    'no-TTY': { short: 'T' }, env: { short: 'e', value: true, multi: true }, user: { short: 'u', value: true },
    workdir: { short: 'w', value: true }, index: { value: true }, detach: { short: 'd' }, privileged: {}, interactive: { short: 'i' }, tty: { short: 't' },
  }, { interspersed: false, cmdPath: 'docker compose exec', composeStyle: true });
  const [service, ...argv] = pos;
  if (!service || !argv.length) throw new DockerError('"docker compose exec" requires at least 2 arguments.');
  if (flags.detach) throw new DockerError('docker stand-in: `exec -d` is not supported');
  const project = load();
  checkServices(project, [service]);
  const c = projectContainers(project).find((x) => x.Service === service);
  if (!c || !(await liveState(c)).Running) throw new DockerError(`service "${service}" is not running`);
  return runInContainer({ role: c.Role, env: { ...envToObj(c.Env), ...parseEnvFlags(flags.env) }, mounts: c.Mounts, argv, user: flags.user, workdir: flags.workdir }, true);
}

async function composeRun(args, load) {
  const { flags, pos } = parseFlags(args, {
    rm: {}, 'no-TTY': { short: 'T' }, 'no-deps': {}, env: { short: 'e', value: true, multi: true }, user: { short: 'u', value: true },
    workdir: { short: 'w', value: true }, name: { value: true }, interactive: { short: 'i' }, 'quiet-pull': {}, 'service-ports': {},
  }, { interspersed: false, cmdPath: 'docker compose run', composeStyle: true });
  const [service, ...argvIn] = pos;
  if (!service) throw new DockerError('"docker compose run" requires at least 1 argument.');
  const project = load();
  checkServices(project, [service]);
  const svc = project.services.get(service);
  if (!flags['no-deps']) {
    const deps = withDeps(project, [service]).filter((n) => n !== service);
    if (deps.length) await upServices(project, deps);
  }
  ensureImages(project, [service]);
  const img = imageRecord(svc.image);
  const env = { ...envToObj(img.Config.Env), ...svc.environment, ...parseEnvFlags(flags.env) };
  const argv = argvIn.length ? argvIn : svc.command ?? img.Config.Cmd ?? [];
  if (!argv.length) throw new DockerError('Error response from daemon: no command specified');
  const mounts = svc.volumes.map((v) => ({ Type: v.type, Source: v.source, Destination: v.target, RW: !v.readOnly }));
  for (const m of mounts) if (m.Type === 'volume') fs.mkdirSync(m.Source, { recursive: true });
  // A one-off container, as real compose makes one (and removes it with --rm): the event log shows it.
  const oneOff = { id: newContainerId(), name: flags.name ?? `${project.name}-${service}-run-${crypto.randomBytes(6).toString('hex')}` };
  logEvent('container', 'create', oneOff.id, { name: oneOff.name, image: svc.image });
  logEvent('container', 'start', oneOff.id, { name: oneOff.name, image: svc.image });
  const finished = (code) => {
    logEvent('container', 'die', oneOff.id, { name: oneOff.name, image: svc.image, exitCode: String(code) });
    if (flags.rm) logEvent('container', 'destroy', oneOff.id, { name: oneOff.name, image: svc.image });
    return code;
  };
  if (svc.role === 'odoo' && argv[0] === 'odoo' && argv[1] !== 'scaffold' && !argv.includes('--version')) {
    // The official image's entrypoint runs wait-for-psql.py before odoo.
    const waitS = Number(process.env.DOCKER_STANDIN_PSQL_WAIT ?? 3);
    const until = Date.now() + waitS * 1000;
    while (!(await pgAnswers()) && Date.now() < until) await new Promise((r) => setTimeout(r, 200));
    if (!(await pgAnswers())) {
      err('Database connection failure: connection to server at "db" (172.18.0.2), port 5432 failed: Connection refused\n\tIs the server running on that host and accepting TCP/IP connections?');
      return finished(1);
    }
  }
  return finished(await runInContainer({ role: svc.role, env, mounts, argv, user: flags.user, workdir: flags.workdir }, false));
}

// ------------------------------------------------------------------ plain docker
async function dockerPull(args) {
  const { flags, pos } = parseFlags(args, { quiet: { short: 'q' }, 'all-tags': { short: 'a' }, platform: { value: true } }, { cmdPath: 'docker pull' });
  if (pos.length !== 1) throw new DockerError(`"docker pull" requires exactly 1 argument.\nSee 'docker pull --help'.\n\nUsage:  docker pull [OPTIONS] NAME[:TAG|@DIGEST]\n\nDownload an image from a registry`, 1);
  if (flags.quiet) {
    pullImage(pos[0], null);
    out(parseRef(pos[0]).full);
  } else pullImage(pos[0], process.stdout);
  return 0;
}

async function dockerImageRm(args) {
  const { flags, pos } = parseFlags(args, { force: { short: 'f' }, 'no-prune': {} }, { cmdPath: 'docker image rm' });
  if (!pos.length) throw new DockerError(`"docker image rm" requires at least 1 argument.\nSee 'docker image rm --help'.`, 1);
  for (const ref of pos) for (const line of removeImage(ref, { force: !!flags.force })) out(line);
  return 0;
}

async function dockerImage(args) {
  const [sub, ...rest] = args;
  if (sub === 'rm' || sub === 'remove') return dockerImageRm(rest);
  if (sub !== 'inspect') throw new DockerError(`docker: 'image ${sub ?? ''}' is not supported by the docker stand-in`, 1);
  const { flags, pos } = parseFlags(rest, { format: { short: 'f', value: true }, platform: { value: true } }, { cmdPath: 'docker image inspect' });
  if (!pos.length) throw new DockerError(`"docker image inspect" requires at least 1 argument.\nSee 'docker image inspect --help'.`, 1);
  const found = [];
  const errors = [];
  for (const ref of pos) {
    const img = localImage(ref);
    if (img) found.push(img);
    else errors.push(`Error response from daemon: No such image: ${parseRef(ref).full}`);
  }
  printInspect(found, flags.format);
  for (const e of errors) err(e);
  return errors.length ? 1 : 0;
}

function printInspect(items, format) {
  if (format) {
    for (const it of items) out(formatOne(format, it));
  } else {
    out(JSON.stringify(items, null, 4));
  }
}

async function dockerInspect(args) {
  const { flags, pos } = parseFlags(args, { format: { short: 'f', value: true }, type: { value: true }, size: { short: 's' } }, { cmdPath: 'docker inspect' });
  if (!pos.length) throw new DockerError(`"docker inspect" requires at least 1 argument.\nSee 'docker inspect --help'.`, 1);
  const found = [];
  const errors = [];
  for (const name of pos) {
    const c = flags.type === 'image' ? null : getContainer(name);
    if (c) { found.push(inspectContainer(c, await liveState(c))); continue; }
    const img = flags.type === 'container' ? null : localImage(name);
    if (img) { found.push(img); continue; }
    errors.push(`Error: No such ${flags.type ?? 'object'}: ${name}`);
  }
  printInspect(found, flags.format);
  for (const e of errors) err(e);
  return errors.length ? 1 : 0;
}

async function dockerPs(args) {
  const { flags } = parseFlags(args, {
    all: { short: 'a' }, quiet: { short: 'q' }, format: { value: true }, filter: { short: 'f', value: true, multi: true },
    'no-trunc': {}, latest: { short: 'l' }, size: { short: 's' },
  }, { cmdPath: 'docker ps' });
  const rows = [];
  for (const c of listContainers().sort((a, b) => b.Created.localeCompare(a.Created))) {
    const st = await liveState(c);
    if (!flags.all && !st.Running) continue;
    if (!(flags.filter ?? []).every((f) => matchFilter(f, c, st))) continue;
    rows.push([c, st]);
  }
  if (flags.quiet) { for (const [c] of rows) out(flags['no-trunc'] ? c.Id : c.Id.slice(0, 12)); return 0; }
  if (flags.format && flags.format !== 'table') {
    for (const [c, st] of rows) out(formatOne(flags.format, psEntry(c, st)));
    return 0;
  }
  table(['CONTAINER ID', 'IMAGE', 'COMMAND', 'CREATED', 'STATUS', 'PORTS', 'NAMES'], rows.map(([c, st]) => [
    c.Id.slice(0, 12), c.Image, psEntry(c, st).Command, `${humanDuration(Date.now() - Date.parse(c.Created))} ago`, statusText(c, st), portsText(c, st.Running), c.Name,
  ]));
  return 0;
}

function matchFilter(f, c, st) {
  const i = f.indexOf('=');
  const [k, v] = i > 0 ? [f.slice(0, i), f.slice(i + 1)] : [f, ''];
  switch (k) {
    case 'name': return c.Name.includes(v);
    case 'status': return st.Status === v;
    case 'id': return c.Id.startsWith(v);
    case 'label': {
      const j = v.indexOf('=');
      return j > 0 ? c.Labels[v.slice(0, j)] === v.slice(j + 1) : Object.hasOwn(c.Labels, v);
    }
    default: throw new DockerError(`Error response from daemon: invalid filter '${k}'`, 1);
  }
}

async function dockerLogs(args) {
  const { pos } = parseFlags(args, { follow: { short: 'f' }, tail: { short: 'n', value: true }, timestamps: { short: 't' } }, { cmdPath: 'docker logs' });
  const c = getContainer(pos[0] ?? '');
  if (!c) throw new DockerError(`Error response from daemon: No such container: ${pos[0]}`);
  try { process.stdout.write(fs.readFileSync(logFile(c.Name), 'utf8')); } catch { /* empty */ }
  return 0;
}

// ------------------------------------------------------------------ main
export async function main(argv) {
  try {
    if (argv[0] === '--version' || argv[0] === '-v') { out('Docker version 27.3.1, build ce12230'); return 0; }
    const [cmd, ...rest] = argv;
    switch (cmd) {
      case 'compose': return await compose(rest);
      case 'pull': return await dockerPull(rest);
      case 'image': return await dockerImage(rest);
      case 'rmi': return await dockerImageRm(rest);
      case 'inspect': return await dockerInspect(rest);
      case 'ps': return await dockerPs(rest);
      case 'logs': return await dockerLogs(rest);
      case 'version': out(`Client: Docker Engine - Community (stand-in)\n Version:           27.3.1\nServer: Docker Engine - Community (stand-in)\n Engine:\n  Version:          27.3.1`); return 0;
      case undefined: out('Usage:  docker [OPTIONS] COMMAND\n\n(docker stand-in: see operator/sandbox/standins/README.md)'); return 0;
      default:
        if (cmd.startsWith('-')) throw new DockerError(`unknown flag: ${cmd}\nSee 'docker --help'.`, 125);
        throw new DockerError(`docker: '${cmd}' is not a docker command.\nSee 'docker --help'`, 1);
    }
  } catch (e) {
    if (e instanceof DockerError) {
      err(e.message);
      return e.code;
    }
    err(`docker stand-in internal error: ${e?.stack ?? e}`);
    return 1;
  }
}

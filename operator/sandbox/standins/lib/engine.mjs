// The emulated Docker engine: images (sandbox registry rule, deterministic digests),
// containers recorded as JSON files, "running" = a live process (odoo role) or the
// server's PostgreSQL answering (postgres role). State lives under DOCKER_STANDIN_ROOT.
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { spawn } from 'node:child_process';
import { odooServerLaunch } from './odoo-server.mjs';
import { pgAnswers } from './pgserver.mjs';

/** An error real docker reports as one line on stderr. */
export class DockerError extends Error {
  constructor(message, code = 1) {
    super(message);
    this.code = code;
  }
}

export const root = () => process.env.DOCKER_STANDIN_ROOT || '/var/lib/docker-standin';
export const volumesDir = () => path.join(root(), 'volumes');
const imagesDir = () => path.join(root(), 'images');
const containersDir = () => path.join(root(), 'containers');

const sha256 = (s) => crypto.createHash('sha256').update(s).digest('hex');

// ------------------------------------------------------------------ events
export const eventsFile = () => path.join(root(), 'events.jsonl');

/**
 * What the engine did, one JSON line each (like `docker events --format '{{json .}}'`):
 * {time, Type: container|image, Action: create|start|die|stop|destroy|pull|delete, Actor: {ID, Attributes}}.
 * Tests read it to prove what a command did not do (a read-only probe creates and pulls nothing).
 */
export function logEvent(type, action, id, attributes = {}) {
  fs.mkdirSync(root(), { recursive: true });
  const line = JSON.stringify({ time: Math.floor(Date.now() / 1000), timeNano: Number(process.hrtime.bigint()), Type: type, Action: action, Actor: { ID: id, Attributes: attributes } });
  fs.appendFileSync(eventsFile(), `${line}\n`);
}

function writeJson(file, value) {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, `${JSON.stringify(value, null, 2)}\n`);
  fs.renameSync(tmp, file);
}
function readJson(file) {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch {
    return null;
  }
}

// ------------------------------------------------------------------ images
/** Splits a reference into { repo, tag, full } (docker's normalisation: default tag latest). */
export function parseRef(ref) {
  const at = ref.indexOf('@');
  const base = at >= 0 ? ref.slice(0, at) : ref;
  const slash = base.lastIndexOf('/');
  const colon = base.lastIndexOf(':');
  const hasTag = colon > slash;
  const repo = hasTag ? base.slice(0, colon) : base;
  const tag = hasTag ? base.slice(colon + 1) : 'latest';
  return { repo, tag, full: `${repo}:${tag}` };
}

const SERIES = ['14.0', '15.0', '16.0', '17.0', '18.0', '19.0'];

export function imageSeries(ref) {
  const { tag } = parseRef(ref);
  const m = /^(\d+\.0)(?:-.+)?$/.exec(tag);
  return m && SERIES.includes(m[1]) ? m[1] : null;
}

export function imageRole(ref) {
  const { repo } = parseRef(ref);
  if (/^postgres/.test(repo.split('/').pop())) return 'postgres';
  if (imageSeries(ref)) return 'odoo';
  return 'generic';
}

/** The sandbox registry: Odoo series tags and postgres images exist; nothing else. */
export function pullable(ref) {
  const { repo } = parseRef(ref);
  const last = repo.split('/').pop();
  if (last === 'postgres' && (repo === 'postgres' || /^(docker\.io\/)?(library\/)?postgres$/.test(repo))) return true;
  return imageSeries(ref) !== null;
}

export function imageRecord(ref) {
  const { repo, tag, full } = parseRef(ref);
  const series = imageSeries(ref);
  const role = imageRole(ref);
  const env = ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', 'LANG=C.UTF-8'];
  let config = { Env: env, Cmd: null, Entrypoint: null, ExposedPorts: {}, Labels: {}, WorkingDir: '/', User: '' };
  if (role === 'odoo') {
    config = {
      ...config,
      User: 'odoo',
      Env: [...env, `ODOO_VERSION=${series}`, 'ODOO_RC=/etc/odoo/odoo.conf'],
      Cmd: ['odoo'],
      Entrypoint: ['/entrypoint.sh'],
      ExposedPorts: { '8069/tcp': {}, '8071/tcp': {}, '8072/tcp': {} },
      Volumes: { '/mnt/extra-addons': {}, '/var/lib/odoo': {} },
      Labels: { maintainer: 'Odoo S.A. <info@odoo.com>' },
    };
  } else if (role === 'postgres') {
    config = {
      ...config,
      Env: [...env, 'PG_MAJOR=15', 'PGDATA=/var/lib/postgresql/data'],
      Cmd: ['postgres'],
      Entrypoint: ['docker-entrypoint.sh'],
      ExposedPorts: { '5432/tcp': {} },
      Volumes: { '/var/lib/postgresql/data': {} },
    };
  }
  return {
    Id: `sha256:${sha256(`image:${full}`)}`,
    RepoTags: [full],
    RepoDigests: [`${repo}@sha256:${sha256(full)}`],
    Parent: '',
    Comment: '',
    Created: '2026-11-01T00:00:00.000000000Z',
    DockerVersion: '',
    Author: '',
    Config: config,
    Architecture: 'amd64',
    Os: 'linux',
    Size: role === 'odoo' ? 1487654321 : 425312345,
    GraphDriver: { Data: null, Name: 'overlay2' },
    RootFS: { Type: 'layers', Layers: [`sha256:${sha256(`layer1:${full}`)}`, `sha256:${sha256(`layer2:${full}`)}`] },
    Metadata: { LastTagTime: '0001-01-01T00:00:00Z' },
  };
}

const imageFile = (ref) => path.join(imagesDir(), `${sha256(parseRef(ref).full)}.json`);

// What docker prints after "Pulling from": the path without registry host; library/ on Hub.
function pullPath(repo) {
  const parts = repo.split('/');
  const hasHost = parts.length > 1 && (/[.:]/.test(parts[0]) || parts[0] === 'localhost');
  const hub = !hasHost || parts[0] === 'docker.io';
  const p = hasHost ? parts.slice(1).join('/') : repo;
  return hub && !p.includes('/') ? `library/${p}` : p;
}

export function localImage(ref) {
  return readJson(imageFile(ref));
}

/** docker pull; writes the real CLI's progress to `out`. Throws DockerError when unknown. */
export function pullImage(ref, out) {
  const { repo, tag, full } = parseRef(ref);
  if (!pullable(ref)) {
    throw new DockerError(`Error response from daemon: manifest for ${full} not found: manifest unknown: manifest unknown`);
  }
  const rec = imageRecord(ref);
  const had = localImage(ref);
  logEvent('image', 'pull', full, { name: full });
  if (out) {
    out.write(`${tag}: Pulling from ${pullPath(repo)}\n`);
    if (!had) for (const l of rec.RootFS.Layers) out.write(`${l.slice(7, 19)}: Pull complete\n`);
    out.write(`Digest: ${rec.RepoDigests[0].split('@')[1]}\n`);
    out.write(had ? `Status: Image is up to date for ${full}\n` : `Status: Downloaded newer image for ${full}\n`);
    out.write(`${ref.includes(':') || ref.includes('@') ? ref : full}\n`);
  }
  if (!had) writeJson(imageFile(ref), rec);
  return rec;
}

/** docker image rm: refused while a container uses the image (unless forced), like real docker. */
export function removeImage(ref, { force = false } = {}) {
  const { full } = parseRef(ref);
  const rec = localImage(ref);
  if (!rec) throw new DockerError(`Error response from daemon: No such image: ${full}`);
  const user = listContainers().find((c) => parseRef(c.Image).full === full);
  if (user && !force) {
    throw new DockerError(`Error response from daemon: conflict: unable to remove repository reference "${ref}" (must force) - container ${user.Id.slice(0, 12)} is using its referenced image ${rec.Id.slice(7, 19)}`);
  }
  fs.rmSync(imageFile(ref), { force: true });
  logEvent('image', 'delete', rec.Id, { name: full });
  return [`Untagged: ${full}`, `Deleted: ${rec.Id}`];
}

// ------------------------------------------------------------------ containers
const containerFile = (name) => path.join(containersDir(), `${name}.json`);
export const logFile = (name) => path.join(containersDir(), `${name}.log`);

export function listContainers() {
  let files = [];
  try {
    files = fs.readdirSync(containersDir()).filter((f) => f.endsWith('.json'));
  } catch { /* no containers yet */ }
  return files.map((f) => readJson(path.join(containersDir(), f))).filter(Boolean);
}
export function getContainer(nameOrId) {
  const n = nameOrId.replace(/^\//, '');
  const direct = readJson(containerFile(n));
  if (direct) return direct;
  const matches = listContainers().filter((c) => c.Id.startsWith(n));
  return matches.length === 1 ? matches[0] : null;
}
export function saveContainer(c) {
  if (!fs.existsSync(containerFile(c.Name))) logEvent('container', 'create', c.Id, { name: c.Name, image: c.Image });
  writeJson(containerFile(c.Name), c);
}
export function removeContainer(c) {
  fs.rmSync(containerFile(c.Name), { force: true });
  fs.rmSync(logFile(c.Name), { force: true });
  logEvent('container', 'destroy', c.Id, { name: c.Name, image: c.Image });
}

export function newContainerId() {
  return crypto.randomBytes(32).toString('hex');
}

function pidAlive(pid, tag) {
  if (!pid) return false;
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    const cmd = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8');
    if (cmd.includes(tag)) return true;
    return false;
  } catch {
    return false;
  }
}

/** The container's state now: { Status, Running, ExitCode, Pid }. */
export async function liveState(c) {
  if (c.Status !== 'running') return { Status: c.Status, Running: false, ExitCode: c.ExitCode ?? 0, Pid: 0, FinishedAt: c.FinishedAt };
  if (c.Role === 'odoo') {
    if (pidAlive(c.Pid, c.Id)) return { Status: 'running', Running: true, ExitCode: 0, Pid: c.Pid };
    return { Status: 'exited', Running: false, ExitCode: 137, Pid: 0, FinishedAt: c.FinishedAt ?? c.StartedAt };
  }
  if (c.Role === 'postgres') {
    if (await pgAnswers()) return { Status: 'running', Running: true, ExitCode: 0, Pid: c.Pid ?? 0 };
    return { Status: 'exited', Running: false, ExitCode: 0, Pid: 0, FinishedAt: c.FinishedAt ?? c.StartedAt };
  }
  return { Status: 'running', Running: true, ExitCode: 0, Pid: c.Pid ?? 0 };
}

/** Starts the container's main process (odoo role: the emulated HTTP server). */
export async function startContainer(c) {
  const now = new Date().toISOString();
  if (c.Role === 'odoo') {
    const pub = (c.Ports ?? []).find((p) => p.containerPort === 8069 && p.hostPort);
    const host = pub ? pub.hostIp || '0.0.0.0' : '0.0.0.0';
    const port = pub ? pub.hostPort : 0;
    fs.mkdirSync(containersDir(), { recursive: true });
    const logFd = fs.openSync(logFile(c.Name), 'a');
    // Where this run of the server begins in the log, and when: what `logs --since` needs
    // (a real engine stamps every line it receives; the stand-in knows each run's start).
    c.LogStarts = [...(c.LogStarts ?? []), { at: new Date().toISOString(), offset: fs.fstatSync(logFd).size }].slice(-50);
    // The emulated Odoo server, or real odoo-bin in the real-Odoo tier (odoo-server.mjs).
    const launch = odooServerLaunch(c, { host, port, readyFd: 3 });
    const child = spawn(launch.command, launch.args, {
      detached: true,
      stdio: ['ignore', logFd, logFd, 'pipe'],
      env: launch.env,
    });
    fs.closeSync(logFd);
    const msg = await new Promise((resolve) => {
      let buf = '';
      const timer = setTimeout(() => resolve('ERROR timeout waiting for the server to start'), 10000);
      child.stdio[3].on('data', (d) => {
        buf += d;
        if (buf.includes('\n')) { clearTimeout(timer); resolve(buf.trim()); }
      });
      child.on('exit', (code) => { clearTimeout(timer); resolve(buf.trim() || `ERROR exited with code ${code}`); });
    });
    child.stdio[3].destroy();
    child.unref();
    if (!msg.startsWith('READY')) {
      try { process.kill(child.pid, 'SIGKILL'); } catch { /* already gone */ }
      c.Status = 'created';
      saveContainer(c);
      if (/in use/i.test(msg)) {
        throw new DockerError(`Error response from daemon: driver failed programming external connectivity on endpoint ${c.Name} (${c.Id}): Bind for ${host}:${port} failed: port is already allocated`);
      }
      throw new DockerError(`Error response from daemon: failed to start container ${c.Name}: ${msg.replace(/^ERROR /, '')}`);
    }
    c.Pid = child.pid;
  } else {
    c.Pid = 0;
  }
  logEvent('container', 'start', c.Id, { name: c.Name, image: c.Image });
  c.Status = 'running';
  c.StartedAt = now;
  c.FinishedAt = '0001-01-01T00:00:00Z';
  c.ExitCode = 0;
  saveContainer(c);
}

/**
 * Once a container's main process is gone nothing of the container remains (its PID namespace
 * ends): the rest of its process group — real Odoo's prefork workers and gevent process, which
 * hold the listening socket, or the stand-in's psql children — is killed, as a real engine does,
 * and the port is free when `stop` returns. The main process leads its group (spawned detached).
 */
async function endContainerProcesses(group) {
  const alive = () => { try { process.kill(-group, 0); return true; } catch { return false; } };
  if (!group || !alive()) return;
  try { process.kill(-group, 'SIGKILL'); } catch { /* gone */ }
  const until = Date.now() + 5000;
  while (alive() && Date.now() < until) await new Promise((r) => setTimeout(r, 25));
}

export async function stopContainer(c, timeoutS = 10) {
  if (c.Role === 'odoo' && pidAlive(c.Pid, c.Id)) {
    try { process.kill(c.Pid, 'SIGTERM'); } catch { /* gone */ }
    const until = Date.now() + timeoutS * 1000;
    while (pidAlive(c.Pid, c.Id) && Date.now() < until) await new Promise((r) => setTimeout(r, 25));
    if (pidAlive(c.Pid, c.Id)) {
      try { process.kill(c.Pid, 'SIGKILL'); } catch { /* gone */ }
      c.ExitCode = 137;
    } else c.ExitCode = 0;
  }
  if (c.Role === 'odoo') await endContainerProcesses(c.Pid);
  if (c.Status === 'running') logEvent('container', 'stop', c.Id, { name: c.Name, image: c.Image });
  c.Status = 'exited';
  c.Pid = 0;
  c.FinishedAt = new Date().toISOString();
  saveContainer(c);
}

// ------------------------------------------------------------------ rendering
/** Go's units.HumanDuration, as docker prints "Up 2 minutes". */
export function humanDuration(ms) {
  const s = Math.floor(ms / 1000);
  if (s < 1) return 'Less than a second';
  if (s === 1) return '1 second';
  if (s < 60) return `${s} seconds`;
  const m = Math.floor(s / 60);
  if (m === 1) return 'About a minute';
  if (m < 60) return `${m} minutes`;
  const h = Math.round(s / 3600);
  if (h === 1) return 'About an hour';
  if (h < 48) return `${h} hours`;
  if (h < 24 * 7 * 2) return `${Math.floor(h / 24)} days`;
  if (h < 24 * 30 * 2) return `${Math.floor(h / 24 / 7)} weeks`;
  if (h < 24 * 365 * 2) return `${Math.floor(h / 24 / 30)} months`;
  return `${Math.floor(h / 24 / 365)} years`;
}

function goTime(iso) {
  const d = new Date(iso);
  const p = (n) => String(n).padStart(2, '0');
  return `${d.getUTCFullYear()}-${p(d.getUTCMonth() + 1)}-${p(d.getUTCDate())} ${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())} +0000 UTC`;
}

export function statusText(c, st) {
  if (st.Status === 'running') return `Up ${humanDuration(Date.now() - Date.parse(c.StartedAt))}`;
  if (st.Status === 'created') return 'Created';
  const fin = st.FinishedAt && !st.FinishedAt.startsWith('0001') ? st.FinishedAt : c.Created;
  return `Exited (${st.ExitCode}) ${humanDuration(Date.now() - Date.parse(fin))} ago`;
}

/** Published and exposed ports: [{URL, TargetPort, PublishedPort, Protocol}] like compose. */
export function publishers(c) {
  const out = [];
  const seen = new Set();
  for (const p of c.Ports ?? []) {
    out.push({ URL: p.hostPort ? p.hostIp || '0.0.0.0' : '', TargetPort: p.containerPort, PublishedPort: p.hostPort, Protocol: p.protocol });
    seen.add(`${p.containerPort}/${p.protocol}`);
  }
  for (const e of Object.keys(imageRecord(c.Image).Config.ExposedPorts ?? {})) {
    if (seen.has(e)) continue;
    const [port, proto] = e.split('/');
    out.push({ URL: '', TargetPort: Number(port), PublishedPort: 0, Protocol: proto });
  }
  return out.sort((a, b) => a.TargetPort - b.TargetPort);
}

export function portsText(c, running) {
  if (!running) return '';
  return publishers(c).map((p) => (p.PublishedPort ? `${p.URL}:${p.PublishedPort}->${p.TargetPort}/${p.Protocol}` : `${p.TargetPort}/${p.Protocol}`)).join(', ');
}

const labelsText = (labels) => Object.entries(labels).map(([k, v]) => `${k}=${v}`).join(',');
const commandText = (c) => {
  const full = [...(c.Entrypoint ?? []), ...(c.Cmd ?? [])].join(' ');
  return `"${full.length > 20 ? `${full.slice(0, 19)}…` : full}"`;
};

/** One object of `docker compose ps --format json` (compose >= 2.21). */
export function composePsEntry(c, st) {
  return {
    Command: commandText(c),
    CreatedAt: goTime(c.Created),
    ExitCode: st.ExitCode,
    Health: '',
    ID: c.Id.slice(0, 12),
    Image: c.Image,
    Labels: labelsText(c.Labels),
    LocalVolumes: String((c.Mounts ?? []).filter((m) => m.Type === 'volume').length),
    Mounts: (c.Mounts ?? []).map((m) => (m.Type === 'volume' ? m.Name : m.Source)).join(','),
    Name: c.Name,
    Names: c.Name,
    Networks: `${c.Project}_default`,
    Ports: portsText(c, st.Running),
    Project: c.Project,
    Publishers: publishers(c),
    RunningFor: `${humanDuration(Date.now() - Date.parse(c.Created))} ago`,
    Service: c.Service,
    Size: '0B',
    State: st.Status,
    Status: statusText(c, st),
  };
}

/** One object of `docker ps --format json`. */
export function psEntry(c, st) {
  const e = composePsEntry(c, st);
  delete e.Name; delete e.Project; delete e.Publishers; delete e.Service; delete e.Health; delete e.ExitCode;
  return e;
}

/** `docker inspect` of a container. */
export function inspectContainer(c, st) {
  const img = imageRecord(c.Image);
  const portMap = {};
  for (const p of publishers(c)) {
    const k = `${p.TargetPort}/${p.Protocol}`;
    portMap[k] = p.PublishedPort ? [{ HostIp: p.URL, HostPort: String(p.PublishedPort) }] : null;
  }
  const bindings = {};
  for (const p of c.Ports ?? []) bindings[`${p.containerPort}/${p.protocol}`] = [{ HostIp: p.hostIp, HostPort: String(p.hostPort || '') }];
  return {
    Id: c.Id,
    Created: c.Created,
    Path: (c.Entrypoint ?? c.Cmd ?? [''])[0],
    Args: [...(c.Entrypoint ?? []).slice(1), ...(c.Entrypoint ? c.Cmd ?? [] : (c.Cmd ?? []).slice(1))],
    State: {
      Status: st.Status,
      Running: st.Running,
      Paused: false,
      Restarting: false,
      OOMKilled: false,
      Dead: false,
      Pid: st.Pid,
      ExitCode: st.ExitCode,
      Error: '',
      StartedAt: c.StartedAt ?? '0001-01-01T00:00:00Z',
      FinishedAt: st.FinishedAt ?? c.FinishedAt ?? '0001-01-01T00:00:00Z',
    },
    Image: img.Id,
    ResolvConfPath: `/var/lib/docker/containers/${c.Id}/resolv.conf`,
    HostnamePath: `/var/lib/docker/containers/${c.Id}/hostname`,
    HostsPath: `/var/lib/docker/containers/${c.Id}/hosts`,
    LogPath: `/var/lib/docker/containers/${c.Id}/${c.Id}-json.log`,
    Name: `/${c.Name}`,
    RestartCount: 0,
    Driver: 'overlay2',
    Platform: 'linux',
    MountLabel: '',
    ProcessLabel: '',
    AppArmorProfile: 'docker-default',
    HostConfig: {
      Binds: (c.Mounts ?? []).filter((m) => m.Type === 'bind').map((m) => `${m.Source}:${m.Destination}${m.RW ? '' : ':ro'}`),
      NetworkMode: `${c.Project}_default`,
      PortBindings: bindings,
      RestartPolicy: { Name: c.Restart ?? 'no', MaximumRetryCount: 0 },
      AutoRemove: false,
    },
    Mounts: (c.Mounts ?? []).map((m) => ({ Type: m.Type, ...(m.Name ? { Name: m.Name } : {}), Source: m.Source, Destination: m.Destination, Driver: m.Type === 'volume' ? 'local' : undefined, Mode: m.RW ? 'rw' : 'ro', RW: m.RW, Propagation: m.Type === 'bind' ? 'rprivate' : '' })),
    Config: {
      Hostname: c.Id.slice(0, 12),
      Domainname: '',
      User: img.Config.User ?? '',
      ExposedPorts: img.Config.ExposedPorts,
      Tty: false,
      OpenStdin: false,
      Env: c.Env,
      Cmd: c.Cmd,
      Image: c.Image,
      Volumes: img.Config.Volumes ?? null,
      WorkingDir: img.Config.WorkingDir ?? '/',
      Entrypoint: c.Entrypoint,
      Labels: c.Labels,
    },
    NetworkSettings: {
      Ports: st.Running ? portMap : {},
      Networks: { [`${c.Project}_default`]: { Aliases: [c.Name, c.Service], NetworkID: sha256(`net:${c.Project}`), IPAddress: st.Running ? '172.18.0.2' : '' } },
    },
  };
}

/**
 * The real `odoops serve` process: refuses to start without a webhook secret, answers
 * /healthz and /metrics, runs scheduled drift as per-client jobs, and on SIGTERM lets the
 * running job finish, never starts the queued one, and exits 0.
 *
 * The clients' "servers" are TCP listeners of this test that accept and stay silent, so a
 * drift check is held in its SSH handshake for as long as the test wants (a barrier, not a
 * delay), then released by closing the connection.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { commit, git, readExample } from '../desired/helpers.ts';
import { metric, parseMetrics, request, tempDir, until } from './helpers.ts';
import { startFakeForge } from '../forge/fake/index.ts';

const bin = fileURLToPath(new URL('../../bin/odoops.mjs', import.meta.url));
const SECRET = 'whsec-9d2f61b0c4e8a7';

/** A listener standing in for a client's sshd that accepts connections and never answers. */
async function silentServer() {
  const sockets: net.Socket[] = [];
  const server = net.createServer((s) => {
    s.on('error', () => undefined);
    sockets.push(s);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    port: (server.address() as net.AddressInfo).port,
    connections: () => sockets.length,
    dropAll: () => sockets.forEach((s) => s.destroy()),
    close: () => new Promise<void>((r) => { sockets.forEach((s) => s.destroy()); server.close(() => r()); }),
  };
}

/** fleet.yaml of the examples with its forge pointed at `forgeUrl` and the given webhook secret reference. */
function fleetYaml(forgeUrl: string, webhookSecret: string | null): string {
  const text = readExample('fleet.yaml')
    .replace(/^(    url: )https:\/\/gitlab\.example\.com$/m, `$1${forgeUrl}`)
    .replace(/^(    token: )env:ODOOPS_GITLAB_TOKEN$/m, `$1env:FORGE_TOKEN${webhookSecret ? `\n    webhookSecret: ${webhookSecret}` : ''}`);
  assert.ok(text.includes(forgeUrl) && text.includes('env:FORGE_TOKEN'), 'the examples\' fleet.yaml declares a GitLab forge');
  return text;
}

function configRepo(ports: Record<string, number>, forgeUrl = 'http://127.0.0.1:9', webhookSecret: string | null = 'env:HOOK_SECRET'): string {
  const dir = tempDir('odoops-serve-config-');
  git(dir, 'init', '-q', '-b', 'main');
  const files: Record<string, string> = { 'fleet.yaml': fleetYaml(forgeUrl, webhookSecret) };
  for (const [client, port] of Object.entries(ports)) {
    files[`clients/${client}.yaml`] = readExample(`clients/${client}.yaml`)
      .replace(/^  host: .*$/m, '  host: 127.0.0.1')
      .replace(/^  port: .*\n/m, '')
      .replace(/^  host: 127\.0\.0\.1$/m, `  host: 127.0.0.1\n  port: ${port}`);
  }
  commit(dir, files, 'fleet');
  return dir;
}

function sshKey(dir: string): string {
  const key = path.join(dir, 'id_ed25519');
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', key]);
  return key;
}

interface Serve {
  child: ChildProcess;
  lines: Record<string, any>[];
  raw: () => string;
  exit: Promise<number | null>;
  url: () => string;
}

function startServe(args: string[], env: NodeJS.ProcessEnv): Serve {
  const child = spawn(process.execPath, [bin, 'serve', '--listen', '127.0.0.1:0', ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  const lines: Record<string, any>[] = [];
  let out = '';
  let err = '';
  let partial = '';
  child.stdout!.setEncoding('utf8').on('data', (d: string) => {
    out += d;
    partial += d;
    const parts = partial.split('\n');
    partial = parts.pop()!;
    for (const p of parts) if (p) lines.push(JSON.parse(p));
  });
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (err += d));
  const exit = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
  return {
    child,
    lines,
    raw: () => out + err,
    exit,
    url: () => lines.find((l) => l.event === 'started')!.url as string,
  };
}

const baseEnv = () => {
  const env = { ...process.env };
  delete env.ODOOPS_WEBHOOK_SECRET;
  return env;
};

test('refuses to start without a webhook secret (fleet.yaml operator.forge.webhookSecret), and never prints one', () => {
  const dir = tempDir();
  const key = sshKey(dir);
  const serve = (args: string[], env: NodeJS.ProcessEnv = baseEnv()) =>
    spawnSync(process.execPath, [bin, 'serve', '--listen', '127.0.0.1:0', '--state-dir', path.join(dir, 'state'), '--ssh-key', key, ...args], { env, encoding: 'utf8' });
  const noSecret = serve(['--repo', configRepo({ acme: 1 }, 'http://127.0.0.1:9', null)], { ...baseEnv(), FORGE_TOKEN: 't' });
  assert.is(noSecret.status, 1, noSecret.stderr);
  assert.match(noSecret.stderr, /no webhook secret: set fleet\.yaml operator\.forge\.webhookSecret/);
  const unset = serve(['--repo', configRepo({ acme: 1 })], { ...baseEnv(), FORGE_TOKEN: 't' });
  assert.is(unset.status, 1);
  assert.match(unset.stderr, /secret env:HOOK_SECRET \(fleet\.yaml operator\.forge\.webhookSecret\): environment variable HOOK_SECRET is not set/);
  const pasted = serve(['--webhook-secret', SECRET]);
  assert.is(pasted.status, 1);
  assert.match(pasted.stderr, /not a secret reference/);
  assert.not.ok(pasted.stderr.includes(SECRET), 'a secret pasted instead of a reference is not echoed');
  const badListen = spawnSync(process.execPath, [bin, 'serve', '--listen', 'localhost'], { env: { ...baseEnv(), HOOK_SECRET: SECRET }, encoding: 'utf8' });
  assert.is(badListen.status, 2);
  assert.match(badListen.stderr, /--listen must be HOST:PORT/);
});

test('serves healthz and metrics; on SIGTERM the running drift check finishes, the queued one never starts, exit 0', async () => {
  const work = tempDir();
  const acme = await silentServer();
  const boreal = await silentServer();
  const forge = await startFakeForge({ platform: 'gitlab' });
  try {
    const repoDir = configRepo({ acme: acme.port, boreal: boreal.port }, forge.url);
    const stateDir = path.join(work, 'state');
    fs.mkdirSync(stateDir);
    // A state from an operator that last ran long ago: the latest drift fire is due now.
    fs.writeFileSync(path.join(stateDir, 'state.json'), JSON.stringify({
      version: 1, pendingApplies: {}, holds: {}, drift: { baseline: '2000-01-01T00:00:00.000Z', clients: {}, lastSuccessAt: null },
    }));
    const s = startServe(
      ['--state-dir', stateDir, '--repo', repoDir, '--concurrency', '1', '--interval', '3600', '--ssh-key', sshKey(work), '--connect-timeout', '600'],
      { ...baseEnv(), HOOK_SECRET: SECRET, FORGE_TOKEN: forge.botToken },
    );
    try {
      // acme's check is in its SSH handshake; boreal's waits behind it (one job at a time).
      await until(() => acme.connections() === 1, 'acme drift check connecting');
      await until(() => s.lines.some((l) => l.event === 'tick' && Array.isArray(l.queued) && l.queued.length === 2), 'both checks queued');
      const health = await request(`${s.url()}/healthz`);
      assert.is(health.status, 200);
      assert.is(health.json().status, 'ready');
      assert.equal(health.json().jobs, { queued: 1, running: 1 });
      const m = parseMetrics((await request(`${s.url()}/metrics`)).text);
      assert.is(metric(m, 'odoops_jobs', { state: 'running', kind: 'drift' }), 1);
      assert.is(metric(m, 'odoops_jobs', { state: 'queued', kind: 'drift' }), 1);
      assert.is(metric(m, 'odoops_config_last_fetch_timestamp_seconds') > 0, true);
      const hook = await request(`${s.url()}/hooks/github`, { method: 'POST', headers: { 'x-hub-signature-256': 'sha256=00' }, body: '{}' });
      assert.is(hook.status, 401, 'a GitLab operator refuses GitHub deliveries');
      const badToken = await request(`${s.url()}/hooks/gitlab`, { method: 'POST', headers: { 'x-gitlab-event': 'Push Hook', 'x-gitlab-token': 'wrong' }, body: '{}' });
      assert.is(badToken.status, 401, 'a wrong GitLab token is refused');

      s.child.kill('SIGTERM');
      await until(() => s.lines.some((l) => l.event === 'stopping'), 'stopping logged');
      const stopping = s.lines.find((l) => l.event === 'stopping')!;
      assert.is(stopping.running.length, 1);
      assert.is(stopping.cancelled.length, 1);
      // Still running: the process waits for the job, it does not cut it off.
      assert.is(s.child.exitCode, null);
      acme.dropAll();
      const code = await s.exit;
      assert.is(code, 0, s.raw());
      assert.is(boreal.connections(), 0, 'the queued check never started');
      const finished = s.lines.filter((l) => l.event === 'job-finished');
      assert.equal(finished.map((l) => [l.key, l.result]), [['boreal', 'cancelled'], ['acme', 'unreachable']]);
      assert.is(s.lines[s.lines.length - 1]!.event, 'stopped');
      assert.not.ok(s.raw().includes(SECRET), 'the secret is in no output');
      const state = JSON.parse(fs.readFileSync(path.join(stateDir, 'state.json'), 'utf8'));
      assert.is(state.drift.clients.acme.result, 'unreachable');
      assert.is(state.drift.clients.boreal, undefined, 'boreal is still due: checked after the restart');
      assert.not.ok(fs.existsSync(path.join(stateDir, 'serve.pid')), 'the state directory is released');
    } finally {
      if (s.child.exitCode === null) s.child.kill('SIGKILL');
    }
  } finally {
    await acme.close();
    await boreal.close();
    await forge.close();
  }
});

test.run();

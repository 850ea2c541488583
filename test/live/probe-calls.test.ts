/**
 * What one probe costs a server, counted (issue 10): the probe starts as few processes as the
 * server allows. On a sandbox server with two instances, counting every `docker` and `git`
 * the probe starts (wrappers ahead of the stand-ins on PATH log each call, then run the real
 * one): one `docker ps`, one `docker image inspect` for all images, one `docker exec` (psql)
 * per instance (each has its own PostgreSQL), no `docker compose` (it loads the compose file),
 * one `git ls-remote` per addons repository whatever the number of instances using it.
 * Counts, not timings: the timings are in test/bench/probe.ts.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { loadDesiredState } from '../../operator/desired/load.ts';
import type { HostCommand } from '../../operator/host/command.ts';
import { probe } from '../../operator/host/commands.ts';
import { connectSsh, type HostSession } from '../../operator/live/ssh.ts';
import { sandboxExec } from '../../operator/sandbox/index.ts';
import type { ClientSpec } from '../../operator/desired/types.ts';
import { serverSpec, startSandbox, stopSandbox, type SandboxInfo } from '../util/sandbox.ts';

const test = suite('the probe starts few processes on a server');
let info: SandboxInfo;
let session: HostSession;
let spec: ClientSpec;
let wrapperDir: string;
let serverPath: string;

const sh = (script: string, label: string): HostCommand => ({ argv: ['sh', '-c', script], label, timeoutMs: 30_000 });

test.before(async () => {
  info = await startSandbox(1);
  spec = (await loadDesiredState({ repo: info.repoDir })).clients.find((c) => c.name === 'acme')!;
  wrapperDir = path.join(info.dir, 'probe-calls');
  session = await connectSsh('acme', serverSpec(info), { privateKeyPath: info.privateKeyPath });
  serverPath = (await session.exec(sh('printf %s "$PATH"', 'PATH'))).stdout;
  for (const tool of ['docker', 'git']) {
    const real = (await session.exec(sh(`command -v ${tool}`, `where is ${tool}`))).stdout.trim();
    assert.ok(real.startsWith('/'), `${tool} on the server: ${real}`);
    const wrapper = `#!/bin/sh\necho "${tool} $*" >> ${wrapperDir}/calls.log\nexec ${real} "$@"\n`;
    const put = await sandboxExec(info, 'acme', ['sh', '-c', 'mkdir -p "$(dirname "$1")" && cat > "$1" && chmod +x "$1"', 'sh', `${wrapperDir}/bin/${tool}`], { input: wrapper });
    assert.is(put.code, 0, put.stderr);
  }
});
test.after(async () => {
  await session?.close();
  await stopSandbox(info);
});

interface RawInstance { present: boolean; imagePresent: boolean | null; odooVersion: string | null; running: boolean; modules: Record<string, unknown>; addons: Record<string, { desiredCommit: string | null }>; errors: string[] }

/** Runs the product's probe command with the counting wrappers first on PATH; returns its answer and the calls. */
async function countedProbe(): Promise<{ instances: Record<string, RawInstance>; calls: string[] }> {
  rmSync(path.join(wrapperDir, 'calls.log'), { force: true });
  const command = probe(
    spec.instances.map((i) => ({ name: i.name, database: i.database, series: i.series, options: [], secretOptions: [], addons: i.addons.map((a) => ({ name: a.name, url: a.url, ref: a.ref })) })),
    { commandTimeoutMs: 60_000, secretKey: '00'.repeat(32) },
  );
  const res = await session.exec({ ...command, argv: ['env', `PATH=${wrapperDir}/bin:${serverPath}`, ...command.argv] });
  assert.is(res.code, 0, res.stderr);
  const calls = readFileSync(path.join(wrapperDir, 'calls.log'), 'utf8').split('\n').filter(Boolean);
  return { instances: (JSON.parse(res.stdout) as { instances: Record<string, RawInstance> }).instances, calls };
}

const subcommand = (call: string) => call.split(' ').slice(0, 3).join(' ');

test('one docker ps, one image inspect, one docker exec per instance, one ls-remote per repository', async () => {
  const { instances, calls } = await countedProbe();
  const names = spec.instances.map((i) => i.name).sort();
  assert.equal(Object.keys(instances).sort(), names);
  assert.ok(names.length >= 2, 'the sandbox client has several instances');
  for (const name of names) {
    const i = instances[name]!;
    assert.equal(i.errors, [], `${name}: ${i.errors.join('; ')}`);
    assert.ok(i.present && i.running && i.imagePresent, `${name} read: ${JSON.stringify(i).slice(0, 300)}`);
    assert.is(i.odooVersion, '17.0', 'series from the image metadata');
    assert.ok(Object.keys(i.modules).length > 10, `${name}: ir_module_module read through docker exec`);
    for (const [repo, r] of Object.entries(i.addons)) assert.match(r.desiredCommit ?? '', /^[0-9a-f]{40}$/, `${name}/${repo} ref resolved`);
  }
  const docker = calls.filter((c) => c.startsWith('docker '));
  assert.equal(docker.filter((c) => subcommand(c) === 'docker ps --format').length, 1, calls.join('\n'));
  assert.equal(docker.filter((c) => subcommand(c) === 'docker image inspect').length, 1, calls.join('\n'));
  assert.equal(docker.filter((c) => c.startsWith('docker exec ') && c.includes(' psql ')).length, names.length, calls.join('\n'));
  assert.equal(docker.filter((c) => c.startsWith('docker compose')), [], 'no compose call');
  assert.is(docker.length, 2 + names.length, calls.join('\n'));
  const urls = new Set(spec.instances.flatMap((i) => i.addons.map((a) => a.url)));
  assert.is(calls.filter((c) => c.includes(' ls-remote ')).length, urls.size, calls.join('\n'));
});

test('an image missing from the server: reported absent, asked once more on its own, never pulled', async () => {
  const image = spec.instances[0]!.image;
  const rm = await sandboxExec(info, 'acme', ['docker', 'image', 'rm', '-f', image]);
  assert.is(rm.code, 0, rm.stderr);
  const { instances, calls } = await countedProbe();
  for (const i of spec.instances.filter((x) => x.image === image)) assert.is(instances[i.name]!.imagePresent, false, i.name);
  const images = new Set(spec.instances.map((i) => i.image));
  assert.ok(calls.filter((c) => subcommand(c) === 'docker image inspect').length <= 1 + images.size, calls.join('\n'));
  assert.equal(calls.filter((c) => /^docker (pull|compose|run|create)/.test(c)), [], calls.join('\n'));
});

test.run();

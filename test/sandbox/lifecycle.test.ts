import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, readdir, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { readSandbox, sandboxDown, sandboxExec, sandboxUp, upSandbox } from '../../operator/sandbox/index.ts';
import { pidsInNamespace, sleep } from '../../operator/sandbox/proc.ts';
import { readState, type SandboxState } from '../../operator/sandbox/state.ts';
import { stopSandbox, type SandboxInfo } from '../util/sandbox.ts';

const bin = fileURLToPath(new URL('../../bin/odoops.mjs', import.meta.url));
const t = suite('sandbox lifecycle');
const made: string[] = [];
const infos: SandboxInfo[] = [];

async function tempDir(): Promise<string> {
  const d = await mkdtemp(path.join(os.tmpdir(), 'odoops-sandbox-'));
  made.push(d);
  return d;
}

t.after(async () => {
  for (const i of infos) await stopSandbox(i).catch(() => {});
  for (const d of made) if (existsSync(d)) await sandboxDown({ dir: d }).catch(() => rm(d, { recursive: true, force: true }));
});

function odoops(args: string[], opts: { notRoot?: boolean } = {}) {
  // Not root: a new user namespace with no uid mapping makes odoops see uid 65534, while the
  // files stay readable even when the checkout sits under a 0700 directory (mktemp -d, CI clones).
  const argv = opts.notRoot ? ['unshare', '--user', '--', process.execPath, bin, ...args] : [process.execPath, bin, ...args];
  const r = spawnSync(argv[0]!, argv.slice(1), { encoding: 'utf8', cwd: os.tmpdir() });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** State letter and process group of a process, or null once it is gone (a zombie counts as gone). */
async function procStat(pid: number): Promise<{ state: string; pgrp: number } | null> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => null);
  if (stat === null) return null;
  // "pid (comm) state ppid pgrp ...": comm may hold spaces and parentheses.
  const [state, , pgrp] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return state === 'Z' ? null : { state: state!, pgrp: Number(pgrp) };
}

/** Live processes of a process group. */
async function groupMembers(pgid: number): Promise<number[]> {
  const pids = (await readdir('/proc')).filter((n) => /^\d+$/.test(n)).map(Number);
  const out: number[] = [];
  for (const pid of pids) if ((await procStat(pid))?.pgrp === pgid) out.push(pid);
  return out;
}

/** Polls `check` until it returns true; fails with `what` after `limitMs` (a safety net, not a timing). */
async function waitFor(what: string, check: () => Promise<boolean>, limitMs = 60_000): Promise<void> {
  const deadline = Date.now() + limitMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`gave up waiting: ${what}`);
    await sleep(20);
  }
}

function sh(cmd: string[]): string {
  return spawnSync(cmd[0]!, cmd.slice(1), { encoding: 'utf8' }).stdout;
}

/** Everything a sandbox may leave on the machine, for before/after comparisons: client servers and role hosts. */
async function traces(state: SandboxState) {
  const hosts = [...state.servers, ...state.hosts];
  const netns = sh(['ip', 'netns', 'list']).split('\n').filter((l) => hosts.some((s) => l.split(' ')[0] === s.netns));
  const bridge = `odsb${state.slot}br`;
  const links = sh(['ip', '-o', 'link']).split('\n').filter((l) => [...hosts.map((s) => s.veth), bridge].some((v) => l.includes(` ${v}@`) || l.includes(` ${v}:`)));
  const mounts = (await readFile('/proc/mounts', 'utf8')).split('\n').filter((l) => l.includes(state.dir) || hosts.some((s) => l.includes(`/run/netns/${s.netns} `)));
  const pids: number[] = [];
  for (const s of state.servers) {
    for (const pid of [s.holderPid, s.sshdPid, s.postgresPid]) if (pid && existsSync(`/proc/${pid}`) && (await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '')) !== '') pids.push(pid);
  }
  for (const h of state.hosts) {
    for (const pid of [h.holderPid, h.sshdPid, h.servicePid]) if (pid && existsSync(`/proc/${pid}`) && (await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '')) !== '') pids.push(pid);
  }
  for (const s of hosts) if (s.netnsInode) pids.push(...(await pidsInNamespace('net', s.netnsInode)));
  const addrs = sh(['ip', '-o', '-4', 'addr']).split('\n').filter((l) => l.includes(`10.213.${state.slot}.`));
  return { netns, links, mounts, pids: [...new Set(pids)], addrs, dir: existsSync(state.dir), // The slot file may be claimed again by another sandbox at once: only our claim counts.
    slot: (await readFile(`/run/odoops-sandbox/slots/${state.slot}`, 'utf8').catch(() => '')) === state.dir };
}

t('down leaves no process, namespace, veth, bridge, address, mount or directory behind (role hosts included)', async () => {
  const dir = await tempDir();
  const info = await sandboxUp({ clients: 2, dir, bare: true, backupHosts: 1, monitoring: 1, logHost: true });
  const state = (await readState(dir))!;
  const before = await traces(state);
  assert.is(before.netns.length, 6, 'two servers, backup1, s3, monitoring1, log');
  assert.is(before.links.length, 7, 'six veths and the bridge');
  assert.ok(before.mounts.length >= 6, 'netns bind mounts exist while up');
  assert.ok(before.pids.length >= 6 + 3 * 2 + 1, `holder, sshd and postgres per server, holder and sshd per sshd host, s3rver: ${before.pids}`);
  assert.ok(before.dir && before.slot);
  await sandboxDown({ dir: info.dir });
  const after = await traces(state);
  assert.equal(after, { netns: [], links: [], mounts: [], pids: [], addrs: [], dir: false, slot: false });
  assert.is(await readSandbox(dir), null);
});

t('up twice on the same directory reports the running sandbox and starts nothing new', async () => {
  const dir = await tempDir();
  const first = await sandboxUp({ clients: 1, dir });
  infos.push(first);
  const state1 = (await readState(dir))!;
  const runtime1 = (await stat(path.join(dir, 'runtime/standins/bin/docker'))).ino;
  const second = await upSandbox({ clients: 1, dir });
  assert.ok(second.alreadyRunning);
  assert.is.not((await stat(path.join(dir, 'runtime/standins/bin/docker'))).ino, runtime1, 'the stand-ins copy is refreshed');
  assert.equal(second.info, first);
  const state2 = (await readState(dir))!;
  assert.equal(state2.servers.map((s) => [s.holderPid, s.sshdPid, s.postgresPid]), state1.servers.map((s) => [s.holderPid, s.sshdPid, s.postgresPid]));
  const cli = odoops(['sandbox', 'up', '--clients', '1', '--dir', dir]);
  assert.is(cli.code, 0, cli.stderr);
  assert.match(cli.stdout, /already running/);
  assert.is(sh(['ip', 'netns', 'list']).split('\n').filter((l) => l.startsWith(`odsb${state1.slot}-`)).length, 1, 'still one namespace');
});

t('up on a stale sandbox (its processes died, e.g. after a reboot) cleans it and starts afresh', async () => {
  const dir = await tempDir();
  const first = await sandboxUp({ clients: 1, dir });
  infos.push(first);
  const old = (await readState(dir))!;
  const holder = old.servers[0]!.holderPid!;
  process.kill(holder, 'SIGKILL');
  await waitFor(`holder ${holder} to die`, async () => (await procStat(holder)) === null);
  const again = await upSandbox({ clients: 1, dir });
  assert.not.ok(again.alreadyRunning);
  const st = (await readState(dir))!;
  assert.is.not(st.servers[0]!.holderPid, old.servers[0]!.holderPid);
  assert.is(st.status, 'up');
  assert.is(sh(['ip', 'netns', 'list']).split('\n').filter((l) => l.startsWith(`${st.servers[0]!.netns} `) || l === st.servers[0]!.netns).length, 1);
  // The old server's processes (sshd, PostgreSQL) were stopped, not leaked.
  for (const pid of [old.servers[0]!.sshdPid!, old.servers[0]!.postgresPid!]) assert.not.ok(existsSync(`/proc/${pid}/ns`) && (await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '')).includes(old.dir), `pid ${pid} leaked`);
});

t('two sandboxes coexist on distinct subnets and names', async () => {
  const a = await sandboxUp({ clients: 1, dir: await tempDir() });
  infos.push(a);
  const b = await sandboxUp({ clients: 1, dir: await tempDir() });
  infos.push(b);
  assert.is.not(a.servers[0]!.host, b.servers[0]!.host);
  assert.is.not(a.servers[0]!.netns, b.servers[0]!.netns);
  // Separate networks: nothing routes from one sandbox to the other.
  const cross = await sandboxExec(a, a.servers[0]!.client, ['timeout', '5', 'bash', '-c', 'exec 3<>"/dev/tcp/$1/22"', 'bash', b.servers[0]!.host]);
  assert.is.not(cross.code, 0, 'a server of one sandbox reaches a server of another');
  await sandboxDown({ dir: a.dir });
  // b survives a's removal.
  const st = (await readState(b.dir))!;
  assert.ok((await pidsInNamespace('net', st.servers[0]!.netnsInode!)).length >= 3);
});

t('CLI: --clients 0, a non-number or an unknown fault are usage errors (exit 2, one line)', async () => {
  const dir = path.join(os.tmpdir(), `odoops-sandbox-never-${process.pid}`);
  for (const args of [
    ['sandbox', 'up', '--clients', '0', '--dir', dir],
    ['sandbox', 'up', '--clients', 'three', '--dir', dir],
    ['sandbox', 'up', '--clients', '2.5', '--dir', dir],
    ['sandbox', 'fault', 'acme', 'explode', '--dir', dir],
    ['sandbox', 'up', '--clients', '1', '--dir', `${dir} with spaces`],
    ['sandbox', 'up', '--clients', '1', '--dir', '/srv/sandbox'],
  ]) {
    const r = odoops(args);
    assert.is(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
    assert.is(r.stderr.trim().split('\n')[0]!.length > 0, true);
    assert.match(r.stderr, /clients|fault|explode|choices|path|must not be under/i);
    assert.not.match(r.stderr, /at .*\.ts:\d+/, 'no stack trace');
  }
  assert.not.ok(existsSync(dir), 'nothing created');
  assert.not.ok(existsSync('/srv/sandbox'), 'nothing created');
});

t('CLI: not root -> one clear message, exit 1', async () => {
  const r = odoops(['sandbox', 'up', '--clients', '1', '--dir', '/nonexistent/sbx'], { notRoot: true });
  assert.is(r.code, 1, r.stderr);
  assert.match(r.stderr, /needs root/);
});

t('CLI: sandbox down --dir cleans up after an `up` that was killed half-way', async () => {
  const dir = await tempDir();
  // Its own process group: what the killed `up` had started (ip, nsenter, initdb, ...) is
  // found, and waited for, by group; the daemons it started leave the group (setsid).
  const child = spawn(process.execPath, [bin, 'sandbox', 'up', '--clients', '3', '--backup-hosts', '1', '--log-host', '--dir', dir], { stdio: 'ignore', detached: true });
  let exited: number | null | undefined;
  const exit = new Promise((r) => child.once('exit', (code) => r((exited = code))));
  // Kill it once some servers exist (an `up` that ends first cannot be killed half-way: fail).
  await waitFor('up to start a server', async () => {
    if (exited !== undefined) throw new Error(`up ended (exit ${exited}) before it could be killed half-way`);
    const st = await readState(dir).catch(() => null);
    return !!(st?.servers.some((s) => s.holderPid) && st.hosts.some((h) => h.holderPid || h.servicePid));
  }, 600_000);
  child.kill('SIGKILL');
  await exit;
  // Commands the dead `up` had started may still be creating things: wait until they are done.
  await waitFor(`the killed up's commands to end (process group ${child.pid})`, async () => (await groupMembers(child.pid!)).length === 0);
  const state = (await readState(dir))!;
  const r = odoops(['sandbox', 'down', '--dir', dir]);
  assert.is(r.code, 0, r.stderr);
  const after = await traces(state);
  assert.equal(after, { netns: [], links: [], mounts: [], pids: [], addrs: [], dir: false, slot: false });
});

t('down refuses a directory that is not a sandbox', async () => {
  const dir = await tempDir();
  await import('node:fs/promises').then((fs) => fs.writeFile(path.join(dir, 'precious.txt'), 'keep me'));
  const r = odoops(['sandbox', 'down', '--dir', dir]);
  assert.is(r.code, 1);
  assert.match(r.stderr, /not a sandbox directory/);
  assert.ok(existsSync(path.join(dir, 'precious.txt')));
  await rm(dir, { recursive: true });
});

t.run();

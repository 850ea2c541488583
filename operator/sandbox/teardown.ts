/**
 * `sandbox down`: removes every process (found by network-namespace inode, recorded PIDs),
 * namespace, veth, bridge, mount and directory a sandbox made, from DIR/sandbox.json only
 * (names derive from the slot, the roles and the counts recorded before anything was made),
 * so it also cleans up after an `up` that was killed half-way.
 */
import { existsSync } from 'node:fs';
import { readdir, rm, rmdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { OdoopsError } from '../util/errors.ts';
import { deleteBridge } from './network.ts';
import { mapLimit, pidsInNamespace, run, sleep, stopPid } from './proc.ts';
import { assertRoot } from './preflight.ts';
import { plannedRoleHosts } from './roles.ts';
import { netnsName, readState, releaseSlot, vethName, type SandboxState } from './state.ts';

/** Stop every process inside a network namespace: PostgreSQL first (fast shutdown), then the rest. */
async function stopEverything(ino: number, postgresPid?: number): Promise<void> {
  if (postgresPid) await stopPid(postgresPid, ino, { signal: 'SIGINT', graceMs: 5000 });
  let pids = await pidsInNamespace('net', ino);
  const signal = (sig: NodeJS.Signals) => {
    for (const pid of pids) {
      try {
        process.kill(pid, sig);
      } catch {
        /* gone */
      }
    }
  };
  signal('SIGTERM');
  const deadline = Date.now() + 3000;
  while (pids.length && Date.now() < deadline) {
    await sleep(20);
    pids = await pidsInNamespace('net', ino);
  }
  for (let round = 0; pids.length && round < 50; round++) {
    signal('SIGKILL');
    await sleep(20);
    pids = await pidsInNamespace('net', ino);
  }
}

async function teardownHost(netns: string, veth: string, recordedIno: number | undefined, postgresPid?: number): Promise<void> {
  const ino = recordedIno ?? (await stat(`/run/netns/${netns}`).then((s) => s.ino, () => undefined));
  if (ino !== undefined) await stopEverything(ino, postgresPid);
  await run(['ip', 'link', 'del', veth]);
  await run(['ip', 'netns', 'del', netns]);
}

/** Every host the record says may exist: client servers 1..clients and the role hosts asked for. */
function allHosts(state: SandboxState): { netns: string; veth: string; ino?: number; postgresPid?: number }[] {
  const out: { netns: string; veth: string; ino?: number; postgresPid?: number }[] = [];
  for (let index = 1; index <= state.clients; index++) {
    const rec = state.servers.find((s) => s.index === index);
    out.push({ netns: netnsName(state.slot, index), veth: vethName(state.slot, index), ino: rec?.netnsInode, postgresPid: rec?.postgresPid });
  }
  for (const planned of plannedRoleHosts(state, state.options)) {
    const rec = state.hosts.find((h) => h.name === planned.name);
    out.push({ netns: planned.netns, veth: planned.veth, ino: rec?.netnsInode });
  }
  return out;
}

export async function downSandbox(opts: { dir: string }): Promise<{ found: boolean }> {
  assertRoot();
  const dir = path.resolve(opts.dir);
  const state = await readState(dir);
  if (!state) {
    if (!existsSync(dir)) return { found: false };
    if ((await readdir(dir)).length === 0) {
      await rmdir(dir);
      return { found: false };
    }
    throw new OdoopsError(`--dir ${dir}: no sandbox.json there, not a sandbox directory; nothing removed`);
  }
  await mapLimit(allHosts(state), 8, (h) => teardownHost(h.netns, h.veth, h.ino, h.postgresPid));
  if (state.version >= 2) await deleteBridge(state.slot);
  await rm(dir, { recursive: true, force: true });
  await releaseSlot(state.slot, dir);
  return { found: true };
}

export async function sandboxDown(opts: { dir: string }): Promise<void> {
  await downSandbox(opts);
}

/**
 * Network namespaces for the renderer tests: a hub (the "client server") linked by one
 * point-to-point veth pair to each peer (monitoring server, log host, a stranger). Every
 * address lives inside namespaces this helper creates, so nothing reaches the machine's
 * own network; `destroy` stops the processes it started (by PID, checked against the
 * namespace) and deletes the namespaces.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { openSync, closeSync } from 'node:fs';
import { netnsOf, pidsInNamespace, run, runOk, sleep, stopPid, type RunResult } from '../../operator/sandbox/proc.ts';

export interface Peer {
  name: string;
  netns: string;
  /** The peer's address on its link. */
  address: string;
  /** The hub's address on that link. */
  hubAddress: string;
}

export class TestNet {
  private started: { pid: number; ino: number }[] = [];
  private constructor(
    readonly hub: string,
    readonly peers: Map<string, Peer>,
    private readonly inodes: Map<string, number>,
  ) {}

  /** `hub` plus one linked namespace per peer name; link i is 10.77.<i+1>.0/24 (hub .2, peer .1). */
  static async create(label: string, peerNames: string[]): Promise<TestNet> {
    const prefix = `odr${process.pid}${label}`;
    const hub = `${prefix}-hub`;
    const all = [hub, ...peerNames.map((p) => `${prefix}-${p}`)];
    const inodes = new Map<string, number>();
    const peers = new Map<string, Peer>();
    const net = new TestNet(hub, peers, inodes);
    try {
      for (const ns of all) {
        await runOk(['ip', 'netns', 'add', ns]);
        inodes.set(ns, (await netnsInode(ns))!);
        await runOk(['ip', '-n', ns, 'link', 'set', 'lo', 'up']);
      }
      for (const [i, p] of peerNames.entries()) {
        const netns = `${prefix}-${p}`;
        const peer: Peer = { name: p, netns, address: `10.77.${i + 1}.1`, hubAddress: `10.77.${i + 1}.2` };
        // Created inside the hub, its peer end moved straight into the other namespace:
        // interface names never appear in the machine's own namespace.
        await runOk(['ip', '-n', hub, 'link', 'add', `to-${p}`, 'type', 'veth', 'peer', 'name', 'to-hub', 'netns', netns]);
        await runOk(['ip', '-n', hub, 'addr', 'add', `${peer.hubAddress}/24`, 'dev', `to-${p}`]);
        await runOk(['ip', '-n', hub, 'link', 'set', `to-${p}`, 'up']);
        await runOk(['ip', '-n', netns, 'addr', 'add', `${peer.address}/24`, 'dev', 'to-hub']);
        await runOk(['ip', '-n', netns, 'link', 'set', 'to-hub', 'up']);
        peers.set(p, peer);
      }
    } catch (err) {
      await net.destroy();
      throw err;
    }
    return net;
  }

  peer(name: string): Peer {
    const p = this.peers.get(name);
    if (!p) throw new Error(`no peer ${name}`);
    return p;
  }

  /** Runs argv inside a namespace (never throws on a non-zero exit). */
  exec(netns: string, argv: string[], opts: { timeoutMs?: number; input?: string; env?: NodeJS.ProcessEnv } = {}): Promise<RunResult> {
    return run(['ip', 'netns', 'exec', netns, ...argv], { timeoutMs: opts.timeoutMs ?? 30000, input: opts.input, env: opts.env });
  }

  /** Starts a long-lived process inside a namespace; output appended to logFile. */
  async start(netns: string, argv: string[], logFile: string, env?: NodeJS.ProcessEnv): Promise<ChildProcess> {
    const fd = openSync(logFile, 'a');
    const child = spawn('ip', ['netns', 'exec', netns, ...argv], { stdio: ['ignore', fd, fd], env: env ?? process.env });
    closeSync(fd);
    await new Promise<void>((resolve, reject) => {
      child.once('spawn', () => resolve());
      child.once('error', reject);
    });
    // `ip netns exec` execs the program in place: same PID once it has entered the namespace.
    const ino = this.inodes.get(netns)!;
    for (let i = 0; i < 400 && (await netnsOf(child.pid!)) !== ino; i++) await sleep(5);
    this.started.push({ pid: child.pid!, ino });
    return child;
  }

  /** Stops one process started here, by PID (only if still in its namespace). */
  async stop(child: ChildProcess, signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
    const rec = this.started.find((s) => s.pid === child.pid);
    if (!rec) return;
    await stopPid(rec.pid, rec.ino, { signal, graceMs: 5000 });
    this.started = this.started.filter((s) => s !== rec);
  }

  /** Polls `probe` until it returns true, at most `attempts` times, `intervalMs` apart. */
  async until(what: string, probe: () => Promise<boolean>, attempts = 200, intervalMs = 50): Promise<void> {
    for (let i = 0; i < attempts; i++) {
      if (await probe()) return;
      await sleep(intervalMs);
    }
    throw new Error(`timed out waiting for ${what}`);
  }

  async destroy(): Promise<void> {
    for (const s of this.started) await stopPid(s.pid, s.ino, { signal: 'SIGTERM', graceMs: 3000 });
    this.started = [];
    for (const [ns, ino] of this.inodes) {
      // Anything still inside one of our namespaces was started by this test (daemons that
      // forked, e.g. nrpe without -f): stop it before the namespace goes.
      for (const pid of await pidsInNamespace('net', ino)) await stopPid(pid, ino, { signal: 'SIGKILL', graceMs: 2000 });
      await run(['ip', 'netns', 'del', ns]);
    }
    this.inodes.clear();
  }
}

async function netnsInode(ns: string): Promise<number | null> {
  const r = await run(['stat', '-L', '-c', '%i', `/run/netns/${ns}`]);
  return r.code === 0 ? Number(r.stdout.trim()) : null;
}

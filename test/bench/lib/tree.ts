/**
 * Runs a command as a whole process tree and measures the tree, whatever the program:
 *  - wall time and CPU (user + system) of every process of the tree, from reaper.py, which is
 *    the tree's child subreaper (daemonizing children such as ssh ControlPersist masters stay
 *    in the tree; what is left when the command exits is stopped and counted);
 *  - peak memory: the sum of the RSS of the tree's processes, sampled from /proc (every 50 ms
 *    by default). Shared pages (forked workers, copy-on-write) count once per process, as the
 *    kernel reports RSS; short-lived processes between two samples are missed.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const REAPER = fileURLToPath(new URL('./reaper.py', import.meta.url));
/** The machine's Python (the bench's PATH may start with another one). */
const PYTHON = '/usr/bin/python3';
const PAGE_KB = 4;

export interface TreeSample {
  wallMs: number;
  cpuMs: number;
  /** Highest sum of the RSS of the tree's processes seen by the sampler. */
  peakTreeRssMb: number;
  /** Highest number of processes of the tree seen at once. */
  peakProcesses: number;
  /** Processes still running when the command exited (stopped by the reaper). */
  leftBehind: number;
  code: number;
  stdout: string;
  stderr: string;
}

interface ProcStat {
  ppid: number;
  rssKb: number;
  zombie: boolean;
}

function readStat(pid: number): ProcStat | null {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return null; // exited between readdir and read
  }
  // Fields after the command name (which may hold spaces and parentheses): state is [0], ppid [1], rss [21].
  const f = text.slice(text.lastIndexOf(')') + 2).split(' ');
  return { ppid: Number(f[1]), rssKb: Number(f[21]) * PAGE_KB, zombie: f[0] === 'Z' };
}

/**
 * Samples the RSS of the descendants of `root` (not `root` itself). Reading every process's
 * stat at each tick costs several ms on a busy machine, so processes seen outside the tree
 * are skipped until the next full rescan (every `rescanEvery` ticks, so a reused PID is
 * missed for one second at most). A process outside the tree cannot join it (only the
 * tree's own orphans are re-parented to its subreaper).
 */
export class TreeMemorySampler {
  private timer: NodeJS.Timeout | undefined;
  private outside = new Set<number>();
  private ticks = 0;
  peakRssKb = 0;
  peakProcesses = 0;

  constructor(private readonly root: number, private readonly intervalMs = 50, private readonly rescanEvery = 20) {}

  start(): void {
    this.sample();
    this.timer = setInterval(() => this.sample(), this.intervalMs);
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  sample(): void {
    if (this.ticks++ % this.rescanEvery === 0) this.outside.clear();
    const stats = new Map<number, ProcStat>();
    for (const entry of readdirSync('/proc')) {
      const pid = Number(entry);
      if (!Number.isInteger(pid) || this.outside.has(pid)) continue;
      const st = readStat(pid);
      if (st) stats.set(pid, st);
    }
    const children = new Map<number, number[]>();
    for (const [pid, st] of stats) children.set(st.ppid, [...(children.get(st.ppid) ?? []), pid]);
    const inTree = new Set<number>();
    const todo = [...(children.get(this.root) ?? [])];
    while (todo.length) {
      const pid = todo.pop()!;
      if (!stats.get(pid)!.zombie) inTree.add(pid);
      todo.push(...(children.get(pid) ?? []));
    }
    let rss = 0;
    for (const [pid, st] of stats) {
      if (inTree.has(pid)) rss += st.rssKb;
      else if (pid !== this.root) this.outside.add(pid);
    }
    this.peakRssKb = Math.max(this.peakRssKb, rss);
    this.peakProcesses = Math.max(this.peakProcesses, inTree.size);
  }
}

export interface TreeOptions {
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  sampleMs?: number;
}

/** Runs argv under reaper.py, sampling the tree's memory while it runs. */
export async function runTree(argv: string[], opts: TreeOptions = {}): Promise<TreeSample> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'odoops-bench-tree-'));
  const usageFile = path.join(dir, 'usage.json');
  try {
    const child = spawn(PYTHON, [REAPER, usageFile, '--', ...argv], {
      env: { ...process.env, ...opts.env }, cwd: opts.cwd, stdio: ['ignore', 'pipe', 'pipe'],
    });
    const sampler = new TreeMemorySampler(child.pid!, opts.sampleMs ?? 50);
    sampler.start();
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => err.push(b));
    const reaperCode = await new Promise<number | null>((resolve, reject) => {
      child.on('error', reject);
      child.on('close', (code) => resolve(code));
    });
    sampler.stop();
    const stderr = Buffer.concat(err).toString('utf8');
    if (reaperCode !== 0) throw new Error(`reaper.py exited ${reaperCode} running ${argv[0]}: ${stderr.trim().split('\n').at(-1)}`);
    const u = JSON.parse(readFileSync(usageFile, 'utf8')) as { code: number; wallS: number; userS: number; systemS: number; leftBehind: number };
    return {
      wallMs: u.wallS * 1000, cpuMs: (u.userS + u.systemS) * 1000, peakTreeRssMb: sampler.peakRssKb / 1024, peakProcesses: sampler.peakProcesses,
      leftBehind: u.leftBehind, code: u.code, stdout: Buffer.concat(out).toString('utf8'), stderr,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * SSH transport: one connection per server, reused for every command odoops runs there.
 * The host key is pinned (ServerSpec.hostKey); a mismatch refuses before anything runs.
 * Every command is an argv quoted with shellCommand(); every exec has a timeout.
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { NodeSSH } from 'node-ssh';
import type { ServerSpec } from '../desired/types.ts';
import { OdoopsError, errorMessage } from '../util/errors.ts';
import { shellCommand } from '../util/shell.ts';

export interface ExecOptions {
  /** Fed to the command's standard input, then closed. */
  stdin?: string;
  /** Default 120 s. The command is killed (server-side `timeout`, then the channel) when it runs longer. */
  timeoutMs?: number;
}

export interface ExecResult {
  code: number;
  stdout: string;
  stderr: string;
  /** The shell text that ran (for reports and the journal). */
  command: string;
  timedOut?: boolean;
}

/** A long-lived remote command (the server lock): stdin stays open until end(). */
export interface RemoteProcess {
  readonly command: string;
  write(data: string): void;
  /** Close stdin. */
  end(): void;
  /** Called with each chunk of stdout as it arrives. */
  onStdout(listener: (chunk: string) => void): void;
  /** Resolves when the remote command ends (or the connection drops: code -1). */
  readonly exited: Promise<{ code: number; stderr: string }>;
}

/** What odoops needs from a server connection; tests may swap the transport, never the logic. */
export interface HostSession {
  /** "acme (203.0.113.10:22)", for messages. */
  readonly label: string;
  exec(argv: readonly string[], opts?: ExecOptions): Promise<ExecResult>;
  spawn(argv: readonly string[]): RemoteProcess;
  close(): Promise<void>;
}

export interface ConnectOptions {
  /** Private key path; default $ODOOPS_SSH_KEY, then ~/.ssh/id_ed25519. */
  privateKeyPath?: string;
  /** How long to wait for the connection and handshake; default 10 s. */
  readyTimeoutMs?: number;
  /** Default exec timeout; default 120 s. */
  defaultTimeoutMs?: number;
  /** SSH keepalive interval; default 15 s (3 missed = connection dead). */
  keepaliveIntervalMs?: number;
}

/** OpenSSH-style fingerprint of a host key blob: "SHA256:" + unpadded base64 of its SHA-256. */
export function fingerprint(key: Buffer): string {
  return `SHA256:${createHash('sha256').update(key).digest('base64').replace(/=+$/, '')}`;
}

export function sshKeyPath(explicit?: string): string {
  return explicit ?? process.env.ODOOPS_SSH_KEY ?? path.join(os.homedir(), '.ssh', 'id_ed25519');
}

export class HostKeyMismatchError extends OdoopsError {
  constructor(label: string, readonly expected: string, readonly got: string) {
    super(`host key mismatch for ${label}: expected ${expected}, got ${got}; refusing to connect`);
    this.name = 'HostKeyMismatchError';
  }
}

export class UnreachableError extends OdoopsError {
  constructor(label: string, reason: string) {
    super(`cannot reach ${label}: ${reason}`);
    this.name = 'UnreachableError';
  }
}

const KILL_GRACE_S = 5;

/** Opens the one SSH connection to a client's server. Throws HostKeyMismatchError or UnreachableError. */
export async function connectSsh(client: string, server: ServerSpec, opts: ConnectOptions = {}): Promise<HostSession> {
  const label = `${client} (${server.host}:${server.port})`;
  const keyPath = sshKeyPath(opts.privateKeyPath);
  let privateKey: string;
  try {
    privateKey = await readFile(keyPath, 'utf8');
  } catch (err) {
    throw new OdoopsError(`cannot read SSH private key ${keyPath} (set --ssh-key or ODOOPS_SSH_KEY): ${errorMessage(err)}`);
  }
  let seen: string | null = null;
  const ssh = new NodeSSH();
  try {
    await ssh.connect({
      host: server.host,
      port: server.port,
      username: server.user,
      privateKey,
      readyTimeout: opts.readyTimeoutMs ?? 10_000,
      // Dead links are noticed within ~45 s even while a long command is silent.
      keepaliveInterval: opts.keepaliveIntervalMs ?? 15_000,
      keepaliveCountMax: 3,
      hostVerifier: (key: Buffer) => {
        seen = fingerprint(key);
        return seen === server.hostKey;
      },
    });
  } catch (err) {
    ssh.dispose();
    if (seen !== null && seen !== server.hostKey) throw new HostKeyMismatchError(label, server.hostKey, seen);
    throw new UnreachableError(label, errorMessage(err));
  }
  return new SshSession(label, ssh, opts.defaultTimeoutMs ?? 120_000);
}

class SshSession implements HostSession {
  /** Why the connection ended (keepalive timeout, reset), once it has. */
  private lost: string | null = null;

  constructor(
    readonly label: string,
    private readonly ssh: NodeSSH,
    private readonly defaultTimeoutMs: number,
  ) {
    // An 'error' without a listener would crash the whole run: a dropped link is this
    // server's problem only. Open channels are closed by ssh2, so pending execs resolve.
    ssh.connection?.on('error', (err: Error) => {
      this.lost = errorMessage(err);
    });
    ssh.connection?.on('close', () => {
      this.lost ??= 'connection closed';
    });
  }

  exec(argv: readonly string[], opts: ExecOptions = {}): Promise<ExecResult> {
    const command = shellCommand(argv);
    const timeoutMs = opts.timeoutMs ?? this.defaultTimeoutMs;
    const seconds = Math.max(1, Math.ceil(timeoutMs / 1000));
    // Server-side `timeout` kills the whole process group even if our channel is gone;
    // the local timer is the backstop when the server does not answer at all.
    const wrapped = shellCommand(['timeout', '-k', String(KILL_GRACE_S), String(seconds), 'sh', '-c', command]);
    const conn = this.ssh.connection;
    if (!conn || this.lost) return Promise.reject(new UnreachableError(this.label, this.lost ?? 'connection closed'));
    return new Promise<ExecResult>((resolve, reject) => {
      conn.exec(wrapped, (err: Error | undefined, channel: any) => {
        if (err) {
          reject(new UnreachableError(this.label, `${errorMessage(err)} (running: ${command})`));
          return;
        }
        const out: Buffer[] = [];
        const errOut: Buffer[] = [];
        let done = false;
        let code: number | null = null;
        let timedOut = false;
        const finish = () => {
          if (done) return;
          done = true;
          clearTimeout(timer);
          let stderr = Buffer.concat(errOut).toString('utf8');
          let exit = code ?? -1;
          if (code === null && this.lost) stderr = `${stderr}${stderr ? '\n' : ''}connection lost (${this.lost}) while running: ${command}`;
          // GNU timeout exits 124 (TERM) or 137 (KILL after grace) when it fired.
          if (timedOut || exit === 124 || exit === 137) {
            timedOut = true;
            exit = 124;
            stderr = `${stderr}${stderr && !stderr.endsWith('\n') ? '\n' : ''}timed out after ${seconds} s: ${command}`;
          }
          resolve({ code: exit, stdout: Buffer.concat(out).toString('utf8'), stderr, command, ...(timedOut ? { timedOut } : {}) });
        };
        const timer = setTimeout(() => {
          timedOut = true;
          try {
            channel.signal('KILL');
          } catch {
            // Servers that refuse signal requests still get the channel closed.
          }
          try {
            channel.close();
          } catch {
            // already closed
          }
          finish();
        }, (seconds + KILL_GRACE_S + 5) * 1000);
        channel.on('data', (d: Buffer) => out.push(d));
        channel.stderr.on('data', (d: Buffer) => errOut.push(d));
        channel.on('exit', (c: number | null) => {
          if (typeof c === 'number') code = c;
        });
        channel.on('close', finish);
        if (opts.stdin !== undefined) channel.end(opts.stdin);
        else channel.end();
      });
    });
  }

  spawn(argv: readonly string[]): RemoteProcess {
    const command = shellCommand(argv);
    const conn = this.ssh.connection;
    let channel: any = null;
    const pending: string[] = [];
    let ended = false;
    const listeners: ((chunk: string) => void)[] = [];
    const exited = new Promise<{ code: number; stderr: string }>((resolve) => {
      if (!conn || this.lost) {
        resolve({ code: -1, stderr: this.lost ?? 'connection closed' });
        return;
      }
      conn.exec(command, (err: Error | undefined, ch: any) => {
        if (err) {
          resolve({ code: -1, stderr: errorMessage(err) });
          return;
        }
        channel = ch;
        let code = -1;
        const errOut: Buffer[] = [];
        ch.on('data', (d: Buffer) => {
          const s = d.toString('utf8');
          for (const l of listeners) l(s);
        });
        ch.stderr.on('data', (d: Buffer) => errOut.push(d));
        ch.on('exit', (c: number | null) => {
          if (typeof c === 'number') code = c;
        });
        ch.on('close', () => resolve({ code, stderr: Buffer.concat(errOut).toString('utf8') }));
        for (const p of pending) ch.write(p);
        if (ended) ch.end();
      });
    });
    return {
      command,
      exited,
      write: (data) => (channel ? channel.write(data) : pending.push(data)),
      end: () => {
        ended = true;
        if (channel) channel.end();
      },
      onStdout: (l) => listeners.push(l),
    };
  }

  async close(): Promise<void> {
    this.ssh.dispose();
  }
}

/**
 * SSH transport: one connection per server, reused for every command odoops runs there.
 * The host key is pinned (ServerSpec.hostKey); a mismatch refuses before anything runs.
 * Every command is a HostCommand (operator/host/): its argv quoted with shellCommand(), run
 * under a server-side timeout, its output read back up to a limit.
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { NodeSSH } from 'node-ssh';
import type { ServerSpec } from '../desired/types.ts';
import type { HostCommand } from '../host/command.ts';
import { KILL_GRACE_S, commandText, outputLimit, serverCommandLine } from '../host/commands.ts';
import { OdoopsError, errorMessage } from '../util/errors.ts';

/** Why a command ended without its own exit code: typed, so nobody parses the message. */
export type ExecFailure = 'timeout' | 'output-limit' | 'connection-lost';

export interface ExecResult {
  code: number;
  stdout: string;
  stderr: string;
  /** The command as people read it (its argv quoted), for reports and the journal. */
  command: string;
  label: string;
  failure?: ExecFailure;
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
  exec(command: HostCommand): Promise<ExecResult>;
  spawn(command: HostCommand): RemoteProcess;
  close(): Promise<void>;
}

export interface ConnectOptions {
  /** Private key path; default $ODOOPS_SSH_KEY, then ~/.ssh/id_ed25519. */
  privateKeyPath?: string;
  /** How long to wait for the connection and handshake; default 10 s. */
  readyTimeoutMs?: number;
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

/** Terminal: a person must check the server's key. */
export class HostKeyMismatchError extends OdoopsError {
  readonly code = 'host-key-mismatch';
  readonly transient = false;
  constructor(label: string, readonly expected: string, readonly got: string) {
    super(`host key mismatch for ${label}: expected ${expected}, got ${got}; refusing to connect`);
    this.name = 'HostKeyMismatchError';
  }
}

/** Transient: the link or sshd may be back at the next attempt. */
export class UnreachableError extends OdoopsError {
  readonly code = 'unreachable';
  readonly transient = true;
  constructor(label: string, reason: string) {
    super(`cannot reach ${label}: ${reason}`);
    this.name = 'UnreachableError';
  }
}

const mib = (n: number) => `${Math.round((n / (1024 * 1024)) * 10) / 10} MiB`;

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
  return new SshSession(label, ssh);
}

class SshSession implements HostSession {
  /** Why the connection ended (keepalive timeout, reset), once it has. */
  private lost: string | null = null;

  constructor(
    readonly label: string,
    private readonly ssh: NodeSSH,
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

  exec(command: HostCommand): Promise<ExecResult> {
    const text = commandText(command);
    // Server-side `timeout` kills the whole process group even if our channel is gone;
    // the local timer is the backstop when the server does not answer at all.
    const { text: wrapped, seconds } = serverCommandLine(command);
    const limit = outputLimit(command);
    const conn = this.ssh.connection;
    if (!conn || this.lost) return Promise.reject(new UnreachableError(this.label, this.lost ?? 'connection closed'));
    return new Promise<ExecResult>((resolve, reject) => {
      conn.exec(wrapped, (err: Error | undefined, channel: any) => {
        if (err) {
          reject(new UnreachableError(this.label, `${errorMessage(err)} (running: ${command.label})`));
          return;
        }
        const out: Buffer[] = [];
        const errOut: Buffer[] = [];
        let bytes = 0;
        let done = false;
        let code: number | null = null;
        let failure: ExecFailure | undefined;
        const stop = () => {
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
        };
        const finish = () => {
          if (done) return;
          done = true;
          clearTimeout(timer);
          let stderr = Buffer.concat(errOut).toString('utf8');
          let exit = code ?? -1;
          const add = (line: string) => {
            stderr = `${stderr}${stderr && !stderr.endsWith('\n') ? '\n' : ''}${line}`;
          };
          // GNU timeout exits 124 (TERM) or 137 (KILL after grace) when it fired.
          if (failure === undefined && (exit === 124 || exit === 137)) failure = 'timeout';
          if (failure === undefined && code === null && this.lost) failure = 'connection-lost';
          if (failure === 'timeout') {
            exit = 124;
            add(`timed out after ${seconds} s: ${command.label}`);
          } else if (failure === 'output-limit') {
            exit = 125;
            add(`output over the ${mib(limit)} limit: stopped ${command.label}`);
          } else if (failure === 'connection-lost') {
            add(`connection lost (${this.lost}) while running: ${command.label}`);
          }
          resolve({ code: exit, stdout: Buffer.concat(out).toString('utf8'), stderr, command: text, label: command.label, ...(failure ? { failure } : {}) });
        };
        const timer = setTimeout(() => {
          failure = 'timeout';
          stop();
          finish();
        }, (seconds + KILL_GRACE_S + 5) * 1000);
        const collect = (into: Buffer[]) => (d: Buffer) => {
          if (failure === 'output-limit') return;
          if (bytes + d.length > limit) {
            // Keep what fits, stop the command: a runaway never fills odoops' memory.
            into.push(d.subarray(0, Math.max(0, limit - bytes)));
            bytes = limit;
            failure = 'output-limit';
            stop();
            return;
          }
          bytes += d.length;
          into.push(d);
        };
        channel.on('data', collect(out));
        channel.stderr.on('data', collect(errOut));
        channel.on('exit', (c: number | null) => {
          if (typeof c === 'number') code = c;
        });
        channel.on('close', finish);
        if (command.stdin !== undefined) channel.end(command.stdin);
        else channel.end();
      });
    });
  }

  spawn(hostCommand: HostCommand): RemoteProcess {
    // Long-lived (the server lock): not under `timeout`; the caller bounds how long it waits.
    const command = commandText(hostCommand);
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

/**
 * Flags many commands share, with one wording and one check each: numbers of seconds and
 * counts, the config repo and revision to read, and the SSH settings of commands that
 * connect to servers.
 */
import { readFileSync } from 'node:fs';
import { Option, type Command } from 'commander';
import { sshKeyPath, type ConnectOptions } from '../live/ssh.ts';
import { OdoopsError, UsageError, errorMessage } from '../util/errors.ts';

export function positiveNumber(value: string, flag: string, { integer = false } = {}): number {
  const n = Number(value);
  if (!/^\d+(\.\d+)?$/.test(value.trim()) || !Number.isFinite(n) || n <= 0 || (integer && !Number.isInteger(n))) {
    throw new UsageError(`${flag} must be a positive ${integer ? 'whole number' : 'number'}, got "${value}"`);
  }
  return n;
}

/** --lock-timeout: 0 (do not wait for a server another run holds) or a positive number of seconds, in ms. */
export function lockTimeoutMs(lockTimeout: string): number {
  return lockTimeout === '0' ? 0 : positiveNumber(lockTimeout, '--lock-timeout') * 1000;
}

export interface SourceFlags {
  repo?: string;
  rev?: string;
}

/** --repo and --rev of a command that reads the config repo at a commit. */
export function addSourceOptions(cmd: Command): Command {
  return cmd
    .option('--repo <path|url>', 'config repo: local path or git URL (default: current directory)')
    .option('--rev <rev>', 'branch, tag or commit to read (default: HEAD)');
}

export interface SshFlags {
  sshKey?: string;
  connectTimeout: string;
}

export function addSshOptions(cmd: Command): Command {
  return cmd
    .option('--ssh-key <path>', 'private key for SSH (default: $ODOOPS_SSH_KEY, then ~/.ssh/id_ed25519)')
    .addOption(new Option('--connect-timeout <seconds>', 'SSH connection timeout').default('10'));
}

/** Connection settings from --ssh-key and --connect-timeout. */
export function sshSettings(opts: SshFlags): ConnectOptions {
  const readyTimeoutMs = positiveNumber(opts.connectTimeout, '--connect-timeout') * 1000;
  return { readyTimeoutMs, ...(opts.sshKey ? { privateKeyPath: opts.sshKey } : {}) };
}

/** Reads the SSH key once: a missing or unreadable key is one error for the whole run, not one per server. */
export function checkSshKey(opts: SshFlags): void {
  const keyPath = sshKeyPath(opts.sshKey);
  try {
    readFileSync(keyPath);
  } catch (err) {
    throw new OdoopsError(`cannot read SSH private key ${keyPath} (set --ssh-key or ODOOPS_SSH_KEY): ${errorMessage(err)}`);
  }
}

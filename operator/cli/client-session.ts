/**
 * What the one-client commands (backup, backups, restore, reinstall) share: the options
 * that select the config repo and SSH settings, the client's resolved desired state, and an
 * SSH session to its server (host key pinned).
 */
import type { Command } from 'commander';
import { loadDesiredState } from '../desired/load.ts';
import type { ClientSpec, DesiredState, ServerSpec } from '../desired/types.ts';
import { connectSsh, type HostSession } from '../live/ssh.ts';
import { UsageError } from '../util/errors.ts';
import { addSourceOptions, addSshOptions, sshSettings, type SourceFlags, type SshFlags } from './flags.ts';
import { unknownClientMessage } from '../desired/unknown-client.ts';

export interface ClientCommandOptions extends SourceFlags, SshFlags {
  json?: boolean;
}

export function addClientOptions(cmd: Command): Command {
  return addSshOptions(addSourceOptions(cmd)).option('--json', 'print the result as JSON');
}

export async function loadClient(opts: ClientCommandOptions, client: string): Promise<{ desired: DesiredState; spec: ClientSpec }> {
  const desired = await loadDesiredState({ repo: opts.repo, rev: opts.rev });
  const spec = desired.clients.find((c) => c.name === client);
  if (!spec) throw new UsageError(unknownClientMessage([client], desired.clients.map((c) => c.name)));
  return { desired, spec };
}

export function connectClient(opts: ClientCommandOptions, name: string, server: ServerSpec): Promise<HostSession> {
  return connectSsh(name, server, sshSettings(opts));
}

/** "1.2 GiB", "340 MiB", "12 KiB". */
export function formatBytes(n: number | null | undefined): string {
  if (n === null || n === undefined) return '?';
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let v = n;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return `${u === 0 ? v : v.toFixed(1)} ${units[u]}`;
}

/** "3h12m", "2d4h", "45s". */
export function formatAge(ms: number | null | undefined): string {
  if (ms === null || ms === undefined) return '?';
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m`;
  const h = Math.floor(m / 60);
  if (h < 48) return `${h}h${m % 60 ? `${m % 60}m` : ''}`;
  return `${Math.floor(h / 24)}d${h % 24 ? `${h % 24}h` : ''}`;
}

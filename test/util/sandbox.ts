/**
 * Test helpers for the sandbox fleet: each call gets its own temp directory (and so its
 * own subnet, namespaces and ports); always pair startSandbox with stopSandbox in after().
 */
import { mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { ServerSpec } from '../../operator/desired/types.ts';
import { sandboxDown, sandboxUp, type SandboxInfo, type SandboxServer, type UpOptions } from '../../operator/sandbox/index.ts';

export type { SandboxInfo, SandboxServer };

/** `options`: e.g. `{ bare: true }` for servers with nothing provisioned. */
export async function startSandbox(clients = 1, options: Omit<UpOptions, 'clients' | 'dir'> = {}): Promise<SandboxInfo> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'odoops-sandbox-'));
  return sandboxUp({ ...options, clients, dir });
}

export async function stopSandbox(info: SandboxInfo | undefined): Promise<void> {
  if (info) await sandboxDown({ dir: info.dir });
}

export function server(info: SandboxInfo, client: string): SandboxServer {
  const s = info.servers.find((x) => x.client === client);
  if (!s) throw new Error(`no sandbox client ${client}`);
  return s;
}

/** The ServerSpec odoops' SSH layer expects, for a sandbox client (first one by default). */
export function serverSpec(info: SandboxInfo, client = info.servers[0]!.client): ServerSpec {
  const s = server(info, client);
  return { host: s.host, port: s.port, user: s.user, hostKey: s.hostKey, os: 'ubuntu-22.04' };
}

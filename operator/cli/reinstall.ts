/**
 * odoops reinstall CLIENT --host NEW_HOST --host-key SHA256:...: rebuild a client on a fresh
 * server from its off-site backups (operator/backup/reinstall.ts), then print the config
 * change (server.host and server.hostKey of the client file) as a patch on stdout for
 * `git apply`. The old server is never connected to.
 */
import type { Command } from 'commander';
import { unifiedDiff, withNewServer } from '../backup/config-patch.ts';
import { reinstall } from '../backup/reinstall.ts';
import { openRepo, readConfigFiles } from '../desired/repo.ts';
import { OdoopsError, UsageError } from '../util/errors.ts';
import { addClientOptions, loadClient, type ClientCommandOptions } from './client-session.ts';
import { positiveNumber } from './fleet.ts';

interface ReinstallOptions extends ClientCommandOptions {
  host: string;
  hostKey: string;
  healthTimeout: string;
}

export function register(program: Command): void {
  addClientOptions(
    program
      .command('reinstall')
      .description('rebuild a client on a fresh server from its latest backups; prints the config change as a patch')
      .argument('<client>', 'client name')
      .requiredOption('--host <address>', 'the new server (host name or address)')
      .requiredOption('--host-key <fingerprint>', "the new server's SSH host key fingerprint (SHA256:...)")
      .option('--health-timeout <seconds>', 'how long each restored instance may take to answer /web/health', '120'),
  ).action(async (client: string, opts: ReinstallOptions) => {
    if (!/^SHA256:[A-Za-z0-9+/]{43}$/.test(opts.hostKey)) throw new UsageError(`--host-key must be an SSH SHA256 fingerprint (SHA256: and 43 base64 characters), got ${JSON.stringify(opts.hostKey)}`);
    if (!/^[A-Za-z0-9.:-]+$/.test(opts.host) || opts.host.startsWith('-')) throw new UsageError(`--host must be a host name or address, got ${JSON.stringify(opts.host)}`);
    const { desired, spec } = await loadClient(opts, client);
    if (!spec.backups) throw new UsageError(`${client} has no backups declared: nothing to reinstall from`);
    if (spec.server.host === opts.host) throw new UsageError(`${opts.host} is ${client}'s current server: reinstall goes onto a new one`);
    const repo = await openRepo(opts.repo);
    const files = await readConfigFiles(repo, desired.source);
    const file = files.clients.find((f) => f.path === spec.file);
    if (!file) throw new OdoopsError(`cannot read ${spec.file} from the config repo`);
    const result = await reinstall({
      spec, fleet: desired.fleet, revision: desired.revision, host: opts.host, hostKey: opts.hostKey,
      ssh: { readyTimeoutMs: positiveNumber(opts.connectTimeout, '--connect-timeout') * 1000, ...(opts.sshKey ? { privateKeyPath: opts.sshKey } : {}) },
      healthTimeoutMs: positiveNumber(opts.healthTimeout, '--health-timeout') * 1000,
      onStep: (l) => { if (!opts.json) process.stderr.write(`  ${l}\n`); },
    });
    const patch = unifiedDiff(spec.file, file.text, withNewServer(file.text, opts.host, opts.hostKey));
    if (opts.json) process.stdout.write(`${JSON.stringify({ ...result, patch }, null, 2)}\n`);
    else {
      for (const r of result.restored) {
        process.stderr.write(`${client}/${r.instance}: restored from snapshot ${r.fetched.snapshot.slice(0, 8)} (${r.fetched.time}, ${r.fetched.destination}), healthy\n`);
      }
      process.stderr.write(`${client} now runs on ${opts.host}; apply this change to the config repo (git apply) and merge it:\n`);
      process.stdout.write(patch);
    }
  });
}

/**
 * odoops reinstall CLIENT --host NEW_HOST --host-key SHA256:...: rebuild a client on a fresh
 * server from its off-site backups (operator/backup/reinstall.ts), then propose the config
 * change (server.host and server.hostKey of the client file): with a forge configured
 * (fleet.yaml operator.forge), as a commit on a new branch pushed to the config repo's
 * remote and a merge request (operator/backup/config-proposal.ts); otherwise, or with
 * --patch, as a patch on stdout for `git apply`. If the MR cannot be made, the patch is
 * printed all the same. The old server is never connected to.
 */
import type { Command } from 'commander';
import { unifiedDiff, withNewServer } from '../backup/config-patch.ts';
import { proposeChange, ProposalError, type Proposal } from '../backup/config-proposal.ts';
import { reinstall, type ReinstallResult } from '../backup/reinstall.ts';
import { openRepo, readConfigFiles } from '../desired/repo.ts';
import { sourceCommit } from '../desired/source.ts';
import { createForge } from '../forge/index.ts';
import { OdoopsError, UsageError } from '../util/errors.ts';
import { addClientOptions, loadClient, type ClientCommandOptions } from './client-session.ts';
import { positiveNumber, sshSettings } from './flags.ts';

interface ReinstallOptions extends ClientCommandOptions {
  host: string;
  hostKey: string;
  healthTimeout: string;
  patch?: boolean;
  remote: string;
  targetBranch?: string;
}

/** The MR's text: what was restored, then the patch. */
function description(client: string, host: string, result: ReinstallResult, patch: string): string {
  const restored = result.restored.map((r) => `- ${r.instance}: snapshot \`${r.fetched.snapshot.slice(0, 8)}\` of ${r.fetched.time} from ${r.fetched.destination}, healthy`);
  return [
    `\`odoops reinstall\` rebuilt **${client}** on \`${host}\` from its latest backups:`,
    '',
    ...restored,
    '',
    `Merging points ${client} at the new server. The old server was not touched.`,
    '',
    '```diff',
    patch.trimEnd(),
    '```',
    '',
  ].join('\n');
}

/** "20261201T230512": the branch name's time stamp (UTC). */
function stamp(d: Date): string {
  return d.toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, '');
}

export function register(program: Command): void {
  addClientOptions(
    program
      .command('reinstall')
      .description('rebuild a client on a fresh server from its latest backups; prints the config change as a patch')
      .argument('<client>', 'client name')
      .requiredOption('--host <address>', 'the new server (host name or address)')
      .requiredOption('--host-key <fingerprint>', "the new server's SSH host key fingerprint (SHA256:...)")
      .option('--health-timeout <seconds>', 'how long each restored instance may take to answer /web/health', '120')
      .option('--patch', 'print the config change as a patch even when a forge is configured (no branch, no MR)')
      .option('--remote <name>', 'remote of the config repo the branch is pushed to', 'origin')
      .option('--target-branch <branch>', "the MR's target (default: the remote's default branch)"),
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
    // Checked before the long part: a forge token that does not resolve, or a change that
    // cannot be committed (read from uncommitted edits), is said now, not after the restore.
    const forgeConfig = opts.patch ? undefined : desired.fleet.operator.forge;
    const forge = forgeConfig ? createForge(forgeConfig) : null;
    const base = sourceCommit(desired.source);
    if (forge && !base) throw new UsageError(`${opts.repo ?? 'the config repo'} has uncommitted changes: the merge request is made on a commit (commit them, pass --rev, or pass --patch)`);
    const result = await reinstall({
      spec, fleet: desired.fleet, revision: desired.revision, host: opts.host, hostKey: opts.hostKey,
      ssh: sshSettings(opts),
      healthTimeoutMs: positiveNumber(opts.healthTimeout, '--health-timeout') * 1000,
      onStep: (l) => { if (!opts.json) process.stderr.write(`  ${l}\n`); },
    });
    const changed = withNewServer(file.text, opts.host, opts.hostKey);
    const patch = unifiedDiff(spec.file, file.text, changed);
    let proposal: Proposal | null = null;
    let proposalError: ProposalError | null = null;
    if (forge && base) {
      const title = `${client}: reinstalled on ${opts.host}`;
      try {
        proposal = await proposeChange(
          repo,
          { base, path: spec.file, content: changed, branch: `odoops/reinstall-${client}-${stamp(new Date())}`, message: `${title}\n\nserver.host and server.hostKey of the new server (odoops reinstall).\n` },
          forge,
          { remote: opts.remote, ...(opts.targetBranch ? { targetBranch: opts.targetBranch } : {}), title, description: description(client, opts.host, result, patch) },
        );
      } catch (err) {
        if (!(err instanceof ProposalError)) throw err;
        proposalError = err;
        process.exitCode = 1;
      }
    }
    if (opts.json) {
      const mr = proposal ? { branch: proposal.branch, commit: proposal.commit, targetBranch: proposal.targetBranch, number: proposal.mr.number, url: proposal.mr.url, created: proposal.mr.created } : null;
      const error = proposalError ? { code: proposalError.code, message: proposalError.message, pushed: proposalError.pushed } : null;
      process.stdout.write(`${JSON.stringify({ ...result, patch, mergeRequest: mr, mergeRequestError: error }, null, 2)}\n`);
      return;
    }
    for (const r of result.restored) {
      process.stderr.write(`${client}/${r.instance}: restored from snapshot ${r.fetched.snapshot.slice(0, 8)} (${r.fetched.time}, ${r.fetched.destination}), healthy\n`);
    }
    if (proposal) {
      const verb = proposal.mr.created ? 'opened' : 'already open:';
      process.stdout.write(`${client} now runs on ${opts.host}; merge request ${verb} ${proposal.mr.url} (branch ${proposal.branch}, commit ${proposal.commit.slice(0, 12)})\n`);
      return;
    }
    if (proposalError) process.stderr.write(`error: the merge request was not made: ${proposalError.message}\n`);
    process.stderr.write(`${client} now runs on ${opts.host}; apply this change to the config repo (git apply) and merge it:\n`);
    process.stdout.write(patch);
  });
}

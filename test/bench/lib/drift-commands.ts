/**
 * The commands `odoops drift` runs on one server, taken from the product itself: odoops'
 * own reads (the live-state probe, then the backup status when the client declares backups,
 * as operator/reconcile/index.ts does in plan mode) run against a session that records each
 * HostCommand instead of sending it. The Ansible play of the benchmark then runs exactly
 * these, so both tools read the same facts.
 */
import type { HostCommand } from '../../../operator/host/command.ts';
import type { ClientSpec } from '../../../operator/desired/types.ts';
import type { ExecResult, HostSession } from '../../../operator/live/ssh.ts';
import { probeLive } from '../../../operator/live/probe.ts';
import { observeBackups } from '../../../operator/backup/observe.ts';
import { resolveClientSecrets } from '../../../operator/reconcile/secrets.ts';

export interface DriftCommands {
  /** The live-state probe: must succeed. */
  probe: HostCommand;
  /** Other reads, in order (backup status: absent until backups are installed, exit 127). */
  others: HostCommand[];
}

/** A session that answers every command with an empty success and keeps what it was asked. */
function recordingSession(label: string): { session: HostSession; commands: HostCommand[] } {
  const commands: HostCommand[] = [];
  const session: HostSession = {
    label,
    async exec(c: HostCommand): Promise<ExecResult> {
      commands.push(c);
      return { code: 0, stdout: '{"host":{"hostname":"recorded","os":"debian-12"},"state":null,"instances":{}}', stderr: '', command: c.label, label: c.label };
    },
    spawn(c: HostCommand) {
      throw new Error(`drift spawns no long-lived command (asked: ${c.label})`);
    },
    async close() {},
  };
  return { session, commands };
}

export async function driftCommands(spec: ClientSpec, env: NodeJS.ProcessEnv = process.env): Promise<DriftCommands> {
  const { session, commands } = recordingSession(spec.name);
  const live = await probeLive(session, spec, { secrets: resolveClientSecrets(spec, env) });
  if (!live.reachable) throw new Error(`recording the probe of ${spec.name}: ${live.reason}`);
  const [probe, ...rest] = commands;
  if (!probe || rest.length) throw new Error(`expected one probe command for ${spec.name}, recorded ${commands.length}`);
  const before = commands.length;
  await observeBackups(session, spec, new Date());
  return { probe, others: commands.slice(before) };
}

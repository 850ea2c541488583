/** What the provisioning executors share: the marker's author, the helper's refusal, secret options for rendering. */
import type { HostCommand } from '../../../host/command.ts';
import { guarded } from '../../../host/commands.ts';
import type { MarkerRef } from '../../../host/provision.ts';
import type { ExecResult } from '../../../live/ssh.ts';
import { isSecretOption } from '../../../plan/diff.ts';
import type { ProvisionMarker } from '../../../provision/types.ts';
import { ActionFailure, failureOf, type ExecContext } from '../../context.ts';

/** Exit code of provision.py when it refuses (data odoops did not create is there). */
const REFUSED_EXIT = 3;

/** Provisioning refused: the marker (written on the server) says what exists. Never retried by itself. */
export class ProvisionRefused extends ActionFailure {
  constructor(readonly marker: ProvisionMarker, command: string) {
    super(`provisioning refused: ${marker.message ?? 'data odoops did not create is on the server'}${marker.exists?.length ? ` (exists: ${marker.exists.join(', ')})` : ''}`, command);
    this.name = 'ProvisionRefused';
  }
}

export const markerRef = (ctx: Pick<ExecContext, 'runId' | 'revision' | 'now'>, instance: string): MarkerRef => ({
  instance, runId: ctx.runId, revision: ctx.revision, at: ctx.now().toISOString(),
});

/** Runs a provisioning helper command: exit 3 is a refusal (ProvisionRefused), any other non-zero exit a failure. */
export async function runHelper(ctx: Pick<ExecContext, 'session' | 'runId'>, command: HostCommand): Promise<ExecResult & { json: unknown }> {
  const res = await ctx.session.exec(guarded(command, ctx.runId));
  if (res.code === REFUSED_EXIT) {
    const out = JSON.parse(res.stdout) as { marker: ProvisionMarker };
    throw new ProvisionRefused(out.marker, res.command);
  }
  if (res.code !== 0) throw failureOf(res);
  return { ...res, json: JSON.parse(res.stdout) as unknown };
}

/** Secret option values of the instance as the renderer wants them: reference -> value. */
export function secretsByReference(ctx: Pick<ExecContext, 'instance' | 'secrets'>): Map<string, string> {
  const out = new Map<string, string>();
  for (const [key, v] of Object.entries(ctx.instance.options)) {
    if (!isSecretOption(v)) continue;
    const value = ctx.secrets.options[ctx.instance.name]?.[key];
    if (value === undefined) throw new ActionFailure(`option ${key}: secret ${v.secret} is not resolved`);
    out.set(v.secret, value);
  }
  return out;
}

/**
 * A provisioning step failed. Nothing is rolled back (provisioning only creates, and never
 * what was there before): the provisioning marker on the server now says which step failed,
 * why, and what exists, and the instance's result says the same. A refusal (data odoops did
 * not create) blocks the instance with `data-exists`; any other failure is
 * `provision-incomplete`, and the next apply continues where it stopped.
 */
import { provisionFailed } from '../../../host/provision.ts';
import { provisionMarkerFile } from '../../../host/paths.ts';
import type { Action } from '../../../plan/types.ts';
import type { ProvisionMarker } from '../../../provision/types.ts';
import { redact } from '../../../secrets/index.ts';
import { errorMessage } from '../../../util/errors.ts';
import type { ActionFailure, ExecContext } from '../../context.ts';
import type { ActionResult, InstanceResult } from '../../types.ts';
import { markerRef, ProvisionRefused, runHelper } from './common.ts';

export async function provisionFailureResult(ctx: ExecContext, failed: Action, err: ActionFailure, actions: ActionResult[]): Promise<InstanceResult> {
  const instance = ctx.instance.name;
  const where = provisionMarkerFile(instance);
  if (err instanceof ProvisionRefused) {
    const message = `${err.message}; nothing of it was changed; blocked by ${where} until a person has dealt with that data and removed the marker`;
    return { instance, outcome: 'blocked', detail: message, reason: { code: 'data-exists', message }, actions };
  }
  const why = redact(err.message, ctx.secrets.values);
  let marker: ProvisionMarker | null = null;
  let markerProblem = '';
  try {
    const res = await runHelper(ctx, provisionFailed({ ...markerRef(ctx, instance), database: ctx.instance.database, step: failed.kind, message: why }));
    marker = res.json as ProvisionMarker | null;
  } catch (e) {
    markerProblem = `; the provisioning marker could not be updated (${errorMessage(e)})`;
  }
  const exists = marker?.exists?.length ? `; exists: ${marker.exists.join(', ')}` : marker ? '; nothing of the instance exists yet' : '';
  const stopped = `provisioning stopped at ${failed.kind}: ${why}`;
  const message = markerProblem
    ? `${stopped}${markerProblem}; see ${where}`
    : marker
      ? `${stopped}${exists}; marker ${where}; the next apply continues from there`
      : `${stopped}; nothing was created`;
  return { instance, outcome: 'failed', detail: message, reason: { code: 'provision-incomplete', message }, actions };
}

import { provisionFinish } from '../../../host/provision.ts';
import type { ProvisionAction } from '../../../provision/types.ts';
import type { ExecContext } from '../../context.ts';
import { markerRef, runHelper } from './common.ts';

/** Healthy and recorded: the instance is provisioned, its marker goes. */
export async function provisionDoneStep(action: Extract<ProvisionAction, { kind: 'provision-done' }>, ctx: ExecContext): Promise<void> {
  await runHelper(ctx, provisionFinish(markerRef(ctx, action.instance)));
}

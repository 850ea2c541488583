import type { Action } from '../../plan/types.ts';
import { dockerPull } from '../../host/commands.ts';
import { run, type ExecContext } from '../context.ts';

/** Pull before anything stops, so a missing image fails while the old one still runs. */
export async function pullImage(action: Extract<Action, { kind: 'pull-image' }>, ctx: ExecContext): Promise<void> {
  await run(ctx, dockerPull(action.image));
}

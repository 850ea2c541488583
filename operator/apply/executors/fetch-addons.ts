import type { Action } from '../../plan/types.ts';
import { addonsFetch } from '../../host/commands.ts';
import { addonsDir } from '../../host/paths.ts';
import { ActionFailure, run, type ExecContext } from '../context.ts';

/** The commit's objects come before anything stops, so an unreachable repository fails while the old code serves. */
export async function fetchAddons(action: Extract<Action, { kind: 'fetch-addons' }>, ctx: ExecContext): Promise<void> {
  const { repo } = action;
  const credential = ctx.secrets.credentials[action.instance]?.[repo.name];
  const res = await run(ctx, addonsFetch({ dir: addonsDir(action.instance, repo.name), url: repo.url, ref: repo.ref, commit: action.toCommit, ...(credential ? { credential } : {}) }));
  const found = res.stdout.trim().split('\n').pop() ?? '';
  if (action.toCommit && found !== action.toCommit) throw new ActionFailure(`addons ${repo.name}: fetched ${found || 'nothing'}, expected ${action.toCommit}`, res.command, res.stderr);
  ctx.note(`${repo.name}: ${found.slice(0, 12)} fetched`);
}

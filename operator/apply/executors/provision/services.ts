import { composeUp } from '../../../host/commands.ts';
import type { ProvisionAction } from '../../../provision/types.ts';
import { run, type ExecContext } from '../../context.ts';

/** `docker compose up -d db`: the instance's PostgreSQL. */
export async function provisionStartDbStep(action: Extract<ProvisionAction, { kind: 'provision-start-db' }>, ctx: ExecContext): Promise<void> {
  await run(ctx, composeUp(action.instance, 'db'));
}

/** `docker compose up -d`: Odoo starts on its new database (the health check follows). */
export async function provisionStartStep(action: Extract<ProvisionAction, { kind: 'provision-start' }>, ctx: ExecContext): Promise<void> {
  await run(ctx, composeUp(action.instance));
}

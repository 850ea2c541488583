import { provisionLayout } from '../../../host/provision.ts';
import { envFile, filestoreDir } from '../../../host/paths.ts';
import type { ProvisionAction } from '../../../provision/types.ts';
import { DB_PASSWORD_KEY, DB_PASSWORD_SLOT, instanceDirectories, ODOO_CONTAINER_GID, renderInstance } from '../../../render/instance.ts';
import type { ExecContext } from '../../context.ts';
import { markerRef, runHelper, secretsByReference } from './common.ts';

/** The odoo user of the official image (uid = gid = 101) writes the filestore. */
const FILESTORE_OWNER = `${ODOO_CONTAINER_GID}:${ODOO_CONTAINER_GID}`;

/**
 * The provisioning marker, then the instance layout rendered by operator/render/instance.ts
 * (compose.yaml, .env 0600, odoo.conf 0640 root:101). The contents travel on stdin. The
 * database password is made on the server by the helper (kept when the step runs again):
 * the operator never sees it. Refused when the server holds data odoops did not create.
 */
export async function provisionLayoutStep(action: Extract<ProvisionAction, { kind: 'provision-layout' }>, ctx: ExecContext): Promise<void> {
  const files = renderInstance(ctx.instance, DB_PASSWORD_SLOT, secretsByReference(ctx));
  const dirs = instanceDirectories(ctx.instance).map((d) => (d.path === filestoreDir(action.instance) ? { ...d, owner: FILESTORE_OWNER } : d));
  await runHelper(ctx, provisionLayout({
    ...markerRef(ctx, action.instance),
    dirs,
    files: files.map((f) => ({ path: f.path, content: f.content, mode: f.mode, ...(f.owner ? { owner: f.owner } : {}) })),
    dbPassword: { slot: DB_PASSWORD_SLOT, envFile: envFile(action.instance), key: DB_PASSWORD_KEY },
  }));
  ctx.note(`wrote ${files.map((f) => f.path.split('/').pop()).join(', ')}`);
}

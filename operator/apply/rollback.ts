/**
 * Rollback of one instance after a failed step: only what the run touched (ExecContext.touched)
 * comes back from the snapshot. The database only when install/upgrade/uninstall started, and
 * then without ever dropping it: the dump is restored into a new database that is swapped in,
 * the current one renamed aside and dropped only once the instance is healthy again. If any
 * step fails, a "needs manual restore" marker blocks the instance until `odoops resolve`.
 */
import {
  composeStop, composeUp, dropAside, filestoreAside, restoreDatabase, restoreFiles, restoreFilestore, type FileScope,
} from '../host/commands.ts';
import { errorMessage } from '../util/errors.ts';
import { ActionFailure, protocolLines, run, type ExecContext, type Touched } from './context.ts';
import { instanceHealth, startOdoo } from './health.ts';
import { writeMarker } from './marker.ts';

export type RollbackOutcome =
  /** Nothing had changed on the server: nothing to undo. */
  | { kind: 'nothing-changed' }
  /** Only odoo had been stopped (for the snapshot): started again and healthy. */
  | { kind: 'restarted' }
  | {
    kind: 'restored';
    what: string[];
    /**
     * The changed instance had served users before it failed its health check: the database and
     * filestore it left are kept (renamed aside) so that no user write is lost.
     */
    keptAside?: { database: string | null; filestore: string | null };
  }
  /** The rollback itself failed: a marker now blocks the instance. */
  | { kind: 'failed'; message: string; markerWritten: boolean };

/** Scratch names for the swap: short enough for PostgreSQL's 63-byte identifiers. */
function swapNames(instance: string, runId: string): { restoreInto: string; aside: string; tag: string } {
  const tag = `${instance.slice(0, 20)}_${runId.replace(/[^A-Za-z0-9]/g, '_').slice(0, 24)}`.toLowerCase();
  return { restoreInto: `odoops_restore_${tag}`, aside: `odoops_aside_${tag}`, tag };
}

export function describeTouched(touched: ReadonlySet<Touched>): string[] {
  const names: Record<Touched, string> = {
    'odoo-stopped': 'odoo (stopped for the snapshot)', env: '.env', conf: 'odoo.conf', addons: 'addons checkouts', container: 'the odoo container', database: 'database and filestore',
  };
  return [...touched].map((t) => names[t]);
}

export async function rollback(ctx: ExecContext, onStep: (label: string) => void = () => undefined): Promise<RollbackOutcome> {
  const touched = ctx.touched;
  const inst = ctx.instance;
  if (touched.size === 0) return { kind: 'nothing-changed' };
  const step = async <T>(label: string, fn: () => Promise<T>): Promise<T> => {
    onStep(label);
    return fn();
  };
  let asideDatabase: string | null = null;
  let keptAside: { database: string | null; filestore: string | null } | null = null;
  try {
    const onlyStopped = [...touched].every((t) => t === 'odoo-stopped');
    if (onlyStopped) {
      await step('start odoo', () => startOdoo(ctx));
      ctx.healthyAt = await step('health check', () => instanceHealth(ctx, { scanLog: false }));
      return { kind: 'restarted' };
    }
    const snap = ctx.snapshot;
    if (!snap) throw new ActionFailure('no complete snapshot to restore from');
    if (touched.has('database') && !snap.withDatabase) throw new ActionFailure(`the database changed but snapshot ${snap.dir} has no dump`);
    const restored: string[] = [];
    await step('stop odoo', () => run(ctx, composeStop(inst.name, 'odoo')));
    const files: FileScope[] = (['env', 'conf', 'addons'] as const).filter((f) => touched.has(f));
    if (files.length) {
      await step(`restore ${files.join(', ')}`, () => run(ctx, restoreFiles(inst.name, snap.dir, files)));
      restored.push(...files.map((f) => (f === 'env' ? '.env' : f === 'conf' ? 'odoo.conf' : 'addons commits')));
    }
    let asideFilestore: string | null = null;
    if (touched.has('database')) {
      const names = swapNames(inst.name, ctx.runId);
      await step('start db', () => run(ctx, composeUp(inst.name, 'db')));
      const res = await step('restore database', () =>
        run(ctx, restoreDatabase({ instance: inst.name, database: inst.database, dir: snap.dir, dumped: snap.dumped, restoreInto: names.restoreInto, aside: names.aside })),
      );
      asideDatabase = protocolLines(res.stdout).get('ASIDE')?.[0] ?? null;
      const fsAside = filestoreAside(inst.name, names.tag);
      await step('restore filestore', () => run(ctx, restoreFilestore(inst.name, snap.dir, fsAside)));
      asideFilestore = fsAside;
      restored.push(snap.dumped ? 'database' : 'database (renamed aside: it did not exist before)', 'filestore');
    }
    await step('start odoo', () => startOdoo(ctx));
    ctx.healthyAt = await step('health check', () => instanceHealth(ctx, { scanLog: false }));
    // Users may have written to the changed instance once it served: what it left is kept.
    if (ctx.served && touched.has('database')) {
      keptAside = { database: snap.dumped ? asideDatabase : null, filestore: asideFilestore };
    } else if (asideDatabase !== null || asideFilestore !== null) {
      // Healthy on the restored state: only now may what the failed change left go.
      await step('drop what the failed change left', () => run(ctx, dropAside(inst.name, snap.dumped ? asideDatabase : null, asideFilestore)));
    }
    return { kind: 'restored', what: restored.length ? restored : ['the odoo container (started again on its pre-change files)'], ...(keptAside ? { keptAside } : {}) };
  } catch (e) {
    const message = e instanceof ActionFailure || e instanceof Error ? e.message : errorMessage(e);
    const markerWritten = await writeMarker(ctx, {
      reason: `rollback failed: ${message}`,
      snapshot: ctx.snapshot?.dir ?? null,
      asideDatabase,
    });
    return { kind: 'failed', message, markerWritten };
  }
}

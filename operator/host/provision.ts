/**
 * The host contract's provisioning commands: the provisioning helper (provision.py: marker,
 * layout, database claim) and Odoo's database initialisation. Like every host command,
 * values travel as argv elements or on stdin (the files' contents, secret options included,
 * are in the helper's request on stdin, never in argv). docs/host-commands.md lists them.
 */
import { readFileSync } from 'node:fs';
import { TIMEOUTS, type HostCommand } from './command.ts';
import { cmd, composeArgv, odooRun, python } from './commands.ts';
import { addonsRoot, composeFile, confFile, envFile, filestoreDir, ODOO_CONF, provisionMarkerFile } from './paths.ts';

export const PROVISION_PY = readFileSync(new URL('./provision.py', import.meta.url), 'utf8');

/** How long the database claim waits for a freshly started PostgreSQL to answer. */
export const DATABASE_START_WAIT_S = 120;

/** Who and what writes the marker. */
export interface MarkerRef {
  instance: string;
  runId: string;
  revision: string;
  /** ISO 8601 */
  at: string;
}

export interface LayoutEntry {
  path: string;
  mode: number;
  /** "user:group" (names or numbers), root:root when absent. */
  owner?: string;
}

export interface LayoutRequest extends MarkerRef {
  dirs: LayoutEntry[];
  files: (LayoutEntry & { content: string })[];
  /**
   * The files hold `slot` where the instance's database password goes: the helper puts the
   * one already in `envFile` (`key=...`) there, else a new random one, on the server only.
   */
  dbPassword?: { slot: string; envFile: string; key: string };
}

const marker = (r: MarkerRef) => ({ path: provisionMarkerFile(r.instance), runId: r.runId, revision: r.revision, at: r.at });

/** `psql` in the instance's db service reading pg_database for one name (SQL on stdin, the name a psql variable). */
const databaseQuery = (instance: string, database: string): string[] =>
  composeArgv(instance, 'exec', '-T', 'db', 'psql', '-U', 'odoo', '-d', 'postgres', '-X', '-q', '-At', '-v', 'ON_ERROR_STOP=1', '-v', `db=${database}`, '-f', '-');

const helper = (request: object, label: string, timeoutMs: number = TIMEOUTS.quick): HostCommand =>
  python(PROVISION_PY, 'provision.py', request, label, timeoutMs);

/**
 * Marker first (in-progress), then directories and files. Refused (exit 3, marker "refused")
 * when there is no marker and a filestore, layout files or addons checkouts are already there.
 */
export const provisionLayout = (r: LayoutRequest): HostCommand =>
  helper(
    {
      op: 'layout',
      marker: marker(r),
      refuseIfFound: { files: [composeFile(r.instance), envFile(r.instance), confFile(r.instance)], filestore: filestoreDir(r.instance), addons: addonsRoot(r.instance) },
      dirs: r.dirs,
      files: r.files,
      ...(r.dbPassword ? { dbPassword: r.dbPassword } : {}),
    },
    `lay out ${r.instance}`,
  );

/**
 * Reads pg_database in the db service (waiting for it to answer): absent -> the marker says
 * "creating" (from now on the database is odoops'); present and created by odoops -> its state ("creating" or "created");
 * present otherwise -> refused (exit 3).
 */
export const provisionClaimDatabase = (r: MarkerRef & { database: string }): HostCommand =>
  helper(
    { op: 'claim-database', marker: marker(r), database: r.database, query: databaseQuery(r.instance, r.database), waitSeconds: DATABASE_START_WAIT_S },
    `check that database ${r.database} does not exist yet`,
    (DATABASE_START_WAIT_S + 60) * 1000,
  );

export const provisionMark = (r: MarkerRef & { fields: { database?: 'created'; step?: string } }): HostCommand =>
  helper({ op: 'mark', marker: marker(r), fields: r.fields }, `provisioning marker of ${r.instance}`);

/** After a failed step: the marker says "failed", the step, why, and what exists now. Prints the marker. */
export const provisionFailed = (r: MarkerRef & { database: string; step: string; message: string }): HostCommand =>
  helper(
    {
      op: 'failed',
      marker: marker(r),
      step: r.step,
      message: r.message,
      inventory: {
        files: [composeFile(r.instance), envFile(r.instance), confFile(r.instance)],
        composeFile: composeFile(r.instance),
        addons: addonsRoot(r.instance),
        filestore: filestoreDir(r.instance),
        database: r.database,
        query: databaseQuery(r.instance, r.database),
      },
    },
    `record the failed provisioning of ${r.instance}`,
    TIMEOUTS.compose,
  );

/** Statuses of a provisioning marker a person may clear with `odoops resolve` (in-progress: a run is at it, or the next apply continues). */
export const CLEARABLE_PROVISION_STATUSES = ['failed', 'refused'] as const;

/**
 * Reads the provisioning marker; with `confirm`, removes it if its status is clearable and
 * none of the layout files is there. Prints {marker, cleared, layout: names present}.
 */
export const provisionClear = (r: { instance: string; confirm: boolean }): HostCommand =>
  helper(
    { op: 'clear', path: provisionMarkerFile(r.instance), confirm: r.confirm, clearable: CLEARABLE_PROVISION_STATUSES, layout: [composeFile(r.instance), envFile(r.instance), confFile(r.instance)] },
    r.confirm ? `clear the provisioning marker of ${r.instance}` : `read the provisioning marker of ${r.instance}`,
  );

export const provisionFinish = (r: MarkerRef): HostCommand => helper({ op: 'finish', marker: marker(r) }, `provisioning of ${r.instance} done`);

/** Odoo's initialisation of a new database and its first modules: no demo data, then exit. */
export const odooInitialize = (instance: string, database: string, modules: string[]): HostCommand =>
  cmd(
    odooRun(instance, ['-c', ODOO_CONF, '-d', database, '-i', modules.join(','), '--without-demo=all', '--stop-after-init', '--no-http']),
    `odoo -i ${modules.join(',')} --without-demo=all`,
    TIMEOUTS.odoo,
  );

/**
 * A command odoops runs on a server, typed: what runs (argv, each element one shell word),
 * what to call it in messages, how long it may take, what it reads on stdin. Only
 * operator/host/ builds these (test/host/purity.test.ts checks it).
 */

export interface HostCommand {
  readonly argv: readonly string[];
  /** A short name for messages and progress, e.g. "pg_dump acme_prod", "odoo -i crm". */
  readonly label: string;
  /** The server kills the command (and its process group) after this long. */
  readonly timeoutMs: number;
  /** Fed to the command's standard input, then closed. The only way secrets travel. */
  readonly stdin?: string;
  /** Stdout + stderr read back at most; beyond it the command is stopped and fails. Default MAX_OUTPUT_BYTES. */
  readonly maxOutputBytes?: number;
  /**
   * Set by `guarded()`: the run that must hold the server lock for this command to start.
   * The command then runs under the lock's command fence (see host/scripts/guard.sh).
   */
  readonly fence?: string;
}

const s = 1000;
const min = 60 * s;

/** How long each kind of server command may run. One table, so call sites carry no magic numbers. */
export const TIMEOUTS = {
  /** File edits, journal lines, markers, state.json, small reads. */
  quick: 30 * s,
  /** One HTTP request of the health check (curl --max-time is shorter). */
  httpProbe: 15 * s,
  /** docker compose up/stop/restart of one instance. */
  compose: 5 * min,
  /** Reading ir_module_module. */
  moduleQuery: 1 * min,
  /** One git clone/fetch + checkout. */
  checkout: 10 * min,
  /** docker pull. */
  pull: 15 * min,
  /** odoo -i / -u / shell (module installs can migrate a lot of data). */
  odoo: 30 * min,
  /** The whole pre-change snapshot: dump, verification, filestore archive, retention. */
  snapshot: 60 * min,
  /** Restoring a database from its snapshot. */
  restoreDatabase: 60 * min,
  /** Restoring the filestore from its snapshot. */
  restoreFilestore: 30 * min,
  /** Stopping a dead run's commands and waiting for them to end (the lock script's drain). */
  drain: 30 * s,
  /** Per host command inside the probe (its Python runs them in parallel). */
  probeCommand: 1 * min,
  /** The lock answering at all (LOCKED / BUSY / HELD), on top of the wait the caller allows. */
  lockAnswer: 20 * s,
  /** A whole backup run: dumps, restic backup to every destination, forget --prune, check. */
  backup: 4 * 60 * min,
  /** Listing every destination's snapshots (each restic call has its own limit inside). */
  backupList: 5 * min,
  /** Restoring one snapshot from a destination into a restore directory, verified. */
  backupFetch: 2 * 60 * min,
} as const;

/** Output read back per command: a runaway command fails instead of filling odoops' memory. */
export const MAX_OUTPUT_BYTES = 16 * 1024 * 1024;

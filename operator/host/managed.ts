/**
 * The host contract of managed files (operator/managed/): reading their digests, installing a
 * rendering (save, write, validate, arm the timed revert, activate), confirming or reverting
 * it, and the commands that activate each kind of file. Everything goes through the constant
 * program managed-files.py with its request on stdin; activation commands are argv lists.
 */
import { MAX_OUTPUT_BYTES, TIMEOUTS, type HostCommand } from './command.ts';
import { ODOOPS_DIR } from './paths.ts';
import { MANAGED_FILES_PY, PYTHON_BOOTSTRAP } from './scripts.ts';

/** Where a rendering being installed keeps the previous files until it is confirmed. */
export const MANAGED_STATE_DIR = `${ODOOPS_DIR}/managed`;

/** A command run on the server by managed-files.py (validation or activation). */
export interface ManagedStep {
  argv: readonly string[];
  label: string;
  timeoutMs: number;
}

export interface ManagedFileWrite {
  path: string;
  content: string;
  mode: number;
  /** "user:group"; root:root when absent. */
  owner?: string;
}

const python = (request: object, label: string, timeoutMs: number, maxOutputBytes = MAX_OUTPUT_BYTES): HostCommand => ({
  argv: ['python3', '-c', PYTHON_BOOTSTRAP, 'managed-files.py'],
  label,
  timeoutMs,
  stdin: `${MANAGED_FILES_PY}\0${JSON.stringify(request)}`,
  maxOutputBytes,
});

const step = (s: ManagedStep) => ({ argv: [...s.argv], label: s.label, timeout: Math.max(1, Math.ceil(s.timeoutMs / 1000)) });

/** Digest, mode and owner (and content, unless secret) of every managed file, in one call. Read-only. */
export function managedRead(files: { path: string; secret: boolean }[], secretKey: string): HostCommand {
  return python({ op: 'read', secretKey, files }, 'read managed files', TIMEOUTS.quick, 64 * 1024 * 1024);
}

export interface ManagedInstallRequest {
  /** Names the saved-files directory of this install: [A-Za-z0-9_.-]+. */
  token: string;
  label: string;
  files: ManagedFileWrite[];
  validate: ManagedStep[];
  activate: ManagedStep[];
  /** Arm a revert that runs on its own after `revertAfterS` unless confirmed. */
  guard: boolean;
  revertAfterS: number;
}

export function managedInstall(r: ManagedInstallRequest): HostCommand {
  if (!/^[A-Za-z0-9_.-]+$/.test(r.token)) throw new Error(`managed install token ${JSON.stringify(r.token)} is not a plain name`);
  const steps = [...r.validate, ...r.activate];
  const timeoutMs = TIMEOUTS.quick + steps.reduce((n, s) => n + s.timeoutMs, 0) * 2;
  return python(
    {
      op: 'install',
      token: r.token,
      label: r.label,
      stateDir: MANAGED_STATE_DIR,
      files: r.files.map((f) => ({ path: f.path, content: f.content, mode: f.mode, owner: f.owner ?? 'root:root' })),
      validate: r.validate.map(step),
      activate: r.activate.map(step),
      guard: r.guard,
      revertAfter: r.revertAfterS,
      bootstrap: PYTHON_BOOTSTRAP,
      program: r.guard ? MANAGED_FILES_PY : '',
    },
    `install ${r.label}`,
    timeoutMs,
  );
}

export const managedConfirm = (token: string, label: string): HostCommand =>
  python({ op: 'confirm', token, stateDir: MANAGED_STATE_DIR }, `confirm ${label}`, TIMEOUTS.quick);

export const managedRevert = (token: string, label: string, activateMs: number): HostCommand =>
  python({ op: 'revert', token, stateDir: MANAGED_STATE_DIR }, `revert ${label}`, TIMEOUTS.quick + activateMs * 2);

/** What a new SSH connection runs to prove it works end to end (a session, a command, its exit code). */
export const connectionCheck = (): HostCommand => ({ argv: ['true'], label: 'new SSH connection check', timeoutMs: TIMEOUTS.quick });

// --- activation: how each kind of managed file is taken into use ---

const s = 1000;

/** systemd's reload (the unit's ExecReload; started if it was not running). */
export const serviceReload = (unit: string): ManagedStep => ({ argv: ['systemctl', 'reload-or-restart', unit], label: `reload ${unit}`, timeoutMs: 60 * s });

/** For daemons that read their configuration only at start (rsyslog). */
export const serviceRestart = (unit: string): ManagedStep => ({ argv: ['systemctl', 'restart', unit], label: `restart ${unit}`, timeoutMs: 60 * s });

/**
 * Loads odoops' nftables table from its file, or, when the file is gone (a revert of a first
 * install), deletes the table: the previous state had none.
 */
export const nftLoad = (file: string, family: string, table: string): ManagedStep => ({
  argv: ['sh', '-c', 'if [ -e "$1" ]; then exec nft -f "$1"; fi; nft list table "$2" "$3" >/dev/null 2>&1 || exit 0; exec nft delete table "$2" "$3"', 'nft-load', file, family, table],
  label: `load nftables table ${family} ${table}`,
  timeoutMs: 30 * s,
});

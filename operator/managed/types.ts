/**
 * Managed files: rendered files odoops keeps in place on a server (NRPE, Traefik, the
 * security baseline, rsyslog, and whatever other concerns register), with how each is
 * validated, activated and guarded. Pure types.
 */
import type { ManagedStep } from '../host/managed.ts';
import type { Reason } from '../plan/types.ts';
import type { Rendering } from '../render/types.ts';

/**
 * How a change is made safe against locking odoops out: `ssh` = after activation odoops must
 * open a NEW SSH connection; until it has, a timed revert armed on the server restores the
 * previous files on its own (a cut link reverts too).
 */
export type ManagedGuard = 'none' | 'ssh';

/** A Rendering kept on a server, with what the managed-files mechanism needs to apply it. */
export interface ManagedRendering extends Rendering {
  /** Stable name of the unit, e.g. "baseline/sshd", "nrpe", "nagios/monitoring1". */
  unit: string;
  /** Run after the files are written and validated (reload a daemon, load a ruleset). */
  activate: ManagedStep[];
  /** Apply fixes it; an unsafe unit's drift is only reported. */
  safe: boolean;
  guard: ManagedGuard;
}

/** What the server holds at one managed path. */
export interface LiveManagedFile {
  path: string;
  exists: boolean;
  /** "sha256:<hex>" of the content; for secret files an HMAC keyed for one read ("hmac:<hex>"). */
  digest: string | null;
  mode: number | null;
  owner: string | null;
  /** The content, for files holding no secret (and not too large). */
  content?: string;
  /** Why it could not be read. */
  error?: string;
}

export interface LiveManaged {
  /** By path. */
  files: Record<string, LiveManagedFile>;
}

export type FileChangeKind = 'create' | 'update';

export interface ManagedFileChange {
  path: string;
  change: FileChangeKind;
  /** What differs: content, mode, owner (several for an update). */
  differs: ('content' | 'mode' | 'owner')[];
  from: { mode: number | null; owner: string | null } | null;
  to: { mode: number; owner: string };
  /** Unified diff of the content; secret files say so instead of showing anything. */
  diff: string;
  secret: boolean;
}

/** The typed action of a plan: make one unit's files on the server what was rendered. */
export interface WriteManagedFilesAction {
  kind: 'write-managed-files';
  unit: string;
  target: string;
  digest: string;
  files: ManagedFileChange[];
  /** Labels of the validation and activation steps, for humans. */
  validate: string[];
  activate: string[];
  guard: ManagedGuard;
}

export type ManagedAction = WriteManagedFilesAction;

/** A unit whose files differ from the rendering (drift), whether apply fixes it or not. */
export interface ManagedDrift {
  unit: string;
  target: string;
  safe: boolean;
  files: ManagedFileChange[];
}

export interface ManagedPlan {
  /** What the target is: the client, or a monitoring server's name. */
  target: string;
  drift: ManagedDrift[];
  /** Only safe units; in the order they run. */
  actions: ManagedAction[];
  /** Units that cannot be planned (a renderer refused, a secret is missing, a file could not be read). */
  refused: { unit: string; reason: Reason }[];
  /** Why nothing could be planned at all (the files could not be read). */
  blocked?: Reason;
}

export type ManagedOutcome = 'applied' | 'refused' | 'reverted' | 'failed' | 'skipped';

export interface ManagedActionResult {
  unit: string;
  outcome: ManagedOutcome;
  /** Steps done on the server, for humans ("written", "validated: sshd configuration", ...). */
  steps: string[];
  /** Why it was refused, reverted, failed or skipped. */
  detail?: string;
  durationMs: number;
}

export interface ManagedApplyResult {
  target: string;
  /** Set when nothing could be done on the target (unreachable, lock held). */
  error?: Reason;
  actions: ManagedActionResult[];
}

/**
 * What every renderer returns: typed files for a server (path, content, mode, owner), the
 * commands that validate them there before they are activated, and a stable digest.
 * Renderers are pure: desired state (and resolved secret values) in, files out.
 */
import { OdoopsError } from '../util/errors.ts';

export interface RenderedFile {
  /** Absolute path on the target server. */
  path: string;
  content: string;
  /** Permission bits, e.g. 0o644. */
  mode: number;
  /** "user:group" when it is not root:root. */
  owner?: string;
  /** Holds a resolved secret: never printed, logged or put in a report; written 0600/0640. */
  secret?: boolean;
}

/** A command that checks written files on the server (argv, never shell text). */
export interface ValidationCommand {
  argv: string[];
  /** What it checks, for humans: "sshd configuration". */
  label: string;
  timeoutMs: number;
}

export interface Rendering {
  /** What was rendered, e.g. "nrpe acme" or "nagios (fleet)". */
  target: string;
  files: RenderedFile[];
  /** Commands that validate the files on the server; empty when no such program exists. */
  validate: ValidationCommand[];
  /** sha256 of the files (paths, modes, owners, contents), stable across runs: equal digests, equal output. */
  digest: string;
}

export type RenderErrorCode =
  /** A setting the renderer needs is absent (e.g. no logHost in fleet.yaml). */
  | 'missing-setting'
  /** A value the target program cannot take (e.g. a host name where nftables needs an address). */
  | 'invalid-value'
  /** A secret reference has no resolved value in the input. */
  | 'missing-secret';

/** A renderer refusing its input. Terminal: the config must change; retrying cannot help. */
export class RenderError extends OdoopsError {
  readonly transient = false;
  constructor(
    readonly code: RenderErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'RenderError';
  }
}

/**
 * Resolved values of the secret references a renderer needs (reference -> value). Filled on
 * the operator side (operator/secrets); renderers only look values up and mark the files
 * that carry them `secret`.
 */
export type ResolvedSecrets = ReadonlyMap<string, string>;

export function secretValue(secrets: ResolvedSecrets, ref: string, what: string): string {
  const v = secrets.get(ref);
  if (v === undefined) throw new RenderError('missing-secret', `${what}: secret ${ref} was not resolved`);
  return v;
}

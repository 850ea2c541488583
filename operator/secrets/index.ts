/**
 * Secret references, resolved on the operator side only. The config repo holds
 * `env:NAME` (an environment variable of the operator process) or `file:PATH` (a file on the
 * operator host: absolute, `~/...`, or relative to the operator's working directory). The resolved value
 * never goes into argv, logs, reports, comments or the journal: callers send it over stdin
 * and pass the values they resolved to `redact` before printing anything that could hold them.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { OdoopsError } from '../util/errors.ts';

/** "env:NAME" or "file:PATH" — the syntax the schemas accept (`$defs/secretRef`). */
export type SecretRef = string;

export const SECRET_REF_PATTERN = /^(env:[A-Za-z_][A-Za-z0-9_]*|file:[A-Za-z0-9_./~-]+)$/;

export class SecretError extends OdoopsError {
  constructor(
    readonly ref: SecretRef,
    reason: string,
    /** Where the reference was written, e.g. "clients/acme.yaml instances.production.options.smtp_password". */
    readonly where?: string,
  ) {
    super(`secret ${ref}${where ? ` (${where})` : ''}: ${reason}`);
    this.name = 'SecretError';
  }
}

export interface ResolveOptions {
  env?: NodeJS.ProcessEnv;
  /** Directory relative file: paths are read from; default the working directory. */
  cwd?: string;
  where?: string;
}

/**
 * The value a reference points to. A file's single trailing newline is dropped (files made
 * with `echo` end with one); an empty value is an error, never a silent empty password.
 */
export function resolveSecret(ref: SecretRef, opts: ResolveOptions = {}): string {
  // A malformed reference may be the secret itself pasted in: never echo it.
  if (!SECRET_REF_PATTERN.test(ref)) throw new SecretError('(hidden)', 'not a secret reference (env:NAME or file:PATH)', opts.where);
  const env = opts.env ?? process.env;
  let value: string | undefined;
  if (ref.startsWith('env:')) {
    value = env[ref.slice(4)];
    if (value === undefined) throw new SecretError(ref, `environment variable ${ref.slice(4)} is not set`, opts.where);
  } else {
    const raw = ref.slice(5);
    const file = raw.startsWith('~/') ? path.join(env.HOME ?? '/root', raw.slice(2)) : path.resolve(opts.cwd ?? process.cwd(), raw);
    try {
      value = readFileSync(file, 'utf8').replace(/\r?\n$/, '');
    } catch (err) {
      throw new SecretError(ref, `cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? 'error'}`, opts.where);
    }
  }
  if (value === '') throw new SecretError(ref, 'is empty', opts.where);
  return value;
}

/** Replaces every occurrence of each secret value (4+ characters) with "[secret]". */
export function redact(text: string, secrets: Iterable<string>): string {
  let out = text;
  for (const s of secrets) {
    if (s.length < 4) continue;
    out = out.split(s).join('[secret]');
  }
  return out;
}

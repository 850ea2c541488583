/**
 * The secrets one client's desired state references (secret option values, addons
 * credentials), resolved on the operator side for one run. Values go to the server on stdin
 * only; `values` is what every report, journal line and progress message is redacted of.
 */
import type { ClientSpec } from '../desired/types.ts';
import { isSecretOption } from '../plan/diff.ts';
import { redact, resolveSecret } from '../secrets/index.ts';
import { errorMessage } from '../util/errors.ts';

export interface ResolvedSecrets {
  /** Secret option values: instance -> option -> value. */
  options: Record<string, Record<string, string>>;
  /** Addons credentials: instance -> repository name -> "user:token" or token. */
  credentials: Record<string, Record<string, string>>;
  /** References that could not be resolved: instance -> messages (never the value). */
  missing: Record<string, string[]>;
  /** Every resolved value, for redaction. */
  values: string[];
}

export const NO_SECRETS: ResolvedSecrets = { options: {}, credentials: {}, missing: {}, values: [] };

export function resolveClientSecrets(spec: ClientSpec, env: NodeJS.ProcessEnv = process.env): ResolvedSecrets {
  const out: ResolvedSecrets = { options: {}, credentials: {}, missing: {}, values: [] };
  const take = (instance: string, ref: string, where: string): string | null => {
    try {
      const value = resolveSecret(ref, { env, where: `${spec.file} ${where}` });
      out.values.push(value);
      return value;
    } catch (err) {
      (out.missing[instance] ??= []).push(errorMessage(err));
      return null;
    }
  };
  for (const inst of spec.instances) {
    for (const [key, v] of Object.entries(inst.options)) {
      if (!isSecretOption(v)) continue;
      const value = take(inst.name, v.secret, `instances.${inst.name}.options.${key}`);
      if (value !== null) (out.options[inst.name] ??= {})[key] = value;
    }
    for (const [i, repo] of inst.addons.entries()) {
      if (!repo.credentials) continue;
      const value = take(inst.name, repo.credentials, `instances.${inst.name}.addons.${i}.credentials`);
      if (value !== null) (out.credentials[inst.name] ??= {})[repo.name] = value;
    }
  }
  return out;
}

/** A copy of any JSON-like data with every secret value replaced by "[secret]". */
export function redactDeep<T>(data: T, values: readonly string[]): T {
  if (values.length === 0) return data;
  const walk = (v: unknown): unknown => {
    if (typeof v === 'string') return redact(v, values);
    if (Array.isArray(v)) return v.map(walk);
    if (v && typeof v === 'object' && !(v instanceof Date)) return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, walk(x)]));
    return v;
  };
  return walk(data) as T;
}

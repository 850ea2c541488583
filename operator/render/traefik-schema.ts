/**
 * Checks a Traefik dynamic configuration against Traefik v3's published JSON schema for the
 * file provider (SchemaStore, Apache-2.0, vendored unchanged in vendor/ with its source
 * commit). No Traefik binary runs here; this catches unknown keys, missing services and
 * wrong types, not rule syntax.
 */
import Ajv, { type ValidateFunction } from 'ajv';
import schema from './vendor/traefik-v3-file-provider.json' with { type: 'json' };

let validator: ValidateFunction | null = null;

/** Problems as "/json/path: message"; empty when the configuration is valid. */
export function traefikSchemaErrors(config: unknown): string[] {
  // strict: false: the schema uses keywords and defaults ajv's strict mode refuses.
  validator ??= new Ajv.default({ strict: false, allErrors: true }).compile(schema);
  if (validator(config)) return [];
  return (validator.errors ?? []).map((e) => `${e.instancePath || '/'}: ${e.message ?? e.keyword}${e.params && 'additionalProperty' in e.params ? ` (${String(e.params.additionalProperty)})` : ''}`);
}

/**
 * schema/*.json and operator/desired/types.ts in lock-step: every object in the schemas maps
 * to a TypeScript type with exactly the same keys (minus the listed, explained exceptions).
 * The TypeScript side is read with the compiler's type checker, so Partial<>, Pick<> and
 * nested types are resolved the way tsc sees them.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import ts from 'typescript';
import path from 'node:path';
import { readSchema } from '../../operator/desired/schema.ts';

const typesFile = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../../operator/desired/types.ts');
type J = Record<string, any>;
const client = readSchema('client') as J;
const fleet = readSchema('fleet') as J;
const defs = client.$defs as J;

/** schema object -> type path; schemaOnly: keys of the file that are not in the resolved type; typeOnly: computed keys. */
const MAPPINGS: { name: string; schema: J; type: string; schemaOnly?: string[]; typeOnly?: string[] }[] = [
  { name: 'client file', schema: client, type: 'ClientSpec', schemaOnly: ['apiVersion', 'kind'], typeOnly: ['file'] },
  { name: 'server', schema: defs.server, type: 'ServerSpec' },
  { name: 'serverDefaults', schema: defs.serverDefaults, type: 'FleetDefaults.server' },
  { name: 'instance', schema: defs.instance, type: 'InstanceSpec', typeOnly: ['name'] },
  { name: 'window', schema: defs.window, type: 'WindowSpec' },
  { name: 'addonsRepo', schema: defs.addonsRepo, type: 'AddonsRepoSpec' },
  { name: 'backups', schema: defs.backups, type: 'BackupSpec' },
  { name: 'backups.retention', schema: defs.backups.properties.retention, type: 'BackupSpec.retention' },
  { name: 'maintenance', schema: defs.maintenance, type: 'MaintenanceSpec' },
  { name: 'nrpeCheck', schema: defs.nrpeCheck, type: 'NrpeCheckSpec' },
  { name: 'monitoring', schema: defs.monitoring, type: 'MonitoringSpec' },
  { name: 'fleet file', schema: fleet, type: 'FleetSpec', schemaOnly: ['apiVersion', 'kind'] },
  { name: 'operator', schema: fleet.properties.operator, type: 'OperatorSettings' },
  { name: 'operator.forge', schema: fleet.properties.operator.properties.forge, type: 'OperatorSettings.forge' },
  { name: 'security', schema: fleet.properties.security, type: 'SecurityBaseline' },
  { name: 'backupDestination', schema: fleet.properties.backupDestinations.additionalProperties, type: 'BackupDestinationSpec', typeOnly: ['name'] },
  { name: 'defaults', schema: fleet.properties.defaults, type: 'FleetDefaults' },
  { name: 'monitoringServer', schema: defs.monitoringServer, type: 'MonitoringServerSpec' },
  { name: 'security (client)', schema: defs.security, type: 'SecuritySpec' },
  { name: 'proxy', schema: defs.proxy, type: 'ProxySpec' },
  { name: 'protection', schema: defs.protection, type: 'ProtectionSpec' },
  { name: 'protection.basicAuth', schema: defs.protection.properties.basicAuth, type: 'ProtectionSpec.basicAuth' },
  { name: 'nagios', schema: fleet.properties.nagios, type: 'NagiosSettings' },
  { name: 'nagios.contacts', schema: fleet.properties.nagios.properties.contacts.items, type: 'NagiosContactSpec' },
  { name: 'logHost', schema: fleet.properties.logHost, type: 'LogHostSpec' },
];

let checker: ts.TypeChecker;
let exportsByName: Map<string, ts.Symbol>;

test.before(() => {
  const program = ts.createProgram([typesFile], { strict: true, noEmit: true, allowImportingTsExtensions: true, skipLibCheck: true });
  checker = program.getTypeChecker();
  const sf = program.getSourceFile(typesFile)!;
  const mod = checker.getSymbolAtLocation(sf)!;
  exportsByName = new Map(checker.getExportsOfModule(mod).map((s) => [s.name, s]));
});

function typeKeys(typePath: string): string[] {
  const [head, ...rest] = typePath.split('.');
  const sym = exportsByName.get(head!);
  assert.ok(sym, `types.ts exports ${head}`);
  let type = checker.getDeclaredTypeOfSymbol(sym!);
  for (const seg of rest) {
    const prop = type.getProperty(seg);
    assert.ok(prop, `${typePath}: ${seg} exists`);
    type = checker.getNonNullableType(checker.getTypeOfSymbol(prop!));
  }
  return checker.getPropertiesOfType(type).map((p) => p.name).sort();
}

/** Follows "#/$defs/x/..." and "client.schema.json#/$defs/x/..." references. */
function deref(ref: string): J {
  let node: any = client;
  for (const seg of ref.split('#')[1]!.split('/').filter(Boolean)) node = node?.[seg];
  assert.ok(node, `reference ${ref} resolves`);
  return node as J;
}

function schemaKeys(s: J): string[] {
  let obj = s;
  if (obj.$ref) obj = deref(String(obj.$ref));
  return Object.keys(obj.properties ?? {}).sort();
}

test('every schema object has additionalProperties: false (typos are errors)', () => {
  const walk = (s: unknown, at: string) => {
    if (Array.isArray(s)) return s.forEach((x, i) => walk(x, `${at}[${i}]`));
    if (!s || typeof s !== 'object') return;
    const o = s as J;
    // Closed records say additionalProperties: false; maps (names -> values) validate their
    // names with propertyNames and their values with an additionalProperties schema.
    if (o.type === 'object' && o.properties && o.additionalProperties !== false) {
      assert.ok(o.propertyNames && typeof o.additionalProperties === 'object', `${at} closes its keys`);
    }
    for (const [k, v] of Object.entries(o)) walk(v, `${at}/${k}`);
  };
  walk(client, 'client');
  walk(fleet, 'fleet');
});

for (const m of MAPPINGS) {
  test(`schema ${m.name} <-> ${m.type}`, () => {
    const fromSchema = schemaKeys(m.schema).filter((k) => !(m.schemaOnly ?? []).includes(k));
    const fromType = typeKeys(m.type).filter((k) => !(m.typeOnly ?? []).includes(k));
    assert.equal(fromType, fromSchema);
  });
}

test('every property in the schemas has a description or a described $ref (editors show it)', () => {
  const missing: string[] = [];
  const walk = (s: unknown, at: string) => {
    if (!s || typeof s !== 'object') return;
    const o = s as J;
    for (const [k, v] of Object.entries((o.properties ?? {}) as J)) {
      const described = Boolean(v.description || (v.$ref && deref(String(v.$ref)).description));
      if (!described) missing.push(`${at}.${k}`);
    }
    for (const [k, v] of Object.entries(o)) walk(v, `${at}/${k}`);
  };
  walk(client, 'client');
  walk(fleet, 'fleet');
  assert.equal(missing, []);
});

test.run();

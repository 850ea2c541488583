// The schema module code declares, as real Odoo keeps it: `-i`/`-u` of a module create
// the tables and columns its models and stored fields need (registry.init_models) and
// record who declared them (ir_model, ir_model_fields, ir_model_data); an upgrade that no
// longer declares a field drops it (_process_end) and an uninstall drops what only that
// module declared (_module_data_uninstall). Declarations are read by odoo_fields.py (the
// same reader the emulated server uses when it loads its registry).
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const FIELDS_PY = path.join(path.dirname(fileURLToPath(import.meta.url)), 'odoo_fields.py');
const NOW = "now() at time zone 'UTC'";
const IDENT = /^[a-z_][a-z0-9_]*$/;
const q = (ident) => `"${ident}"`;
const xmlName = (model) => model.replace(/\./g, '_');

/** Module code Python cannot import (a SyntaxError): the message as Python prints it. */
export class CodeError extends Error {}

/** module name -> { model -> { table, new, fields: { name -> column type } } } for on-disk modules. */
export function declaredModels(mods) {
  const out = new Map();
  const withCode = mods.filter((m) => m.dir);
  if (!withCode.length) return out;
  const r = spawnSync('python3', ['-I', FIELDS_PY, ...withCode.map((m) => m.dir)], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (r.status === 3) throw new CodeError(r.stderr.trim());
  if (r.status !== 0) throw new Error(`odoo_fields.py failed (exit ${r.status}): ${r.stderr.trim() || r.error?.message}`);
  const json = r.stdout;
  const parsed = JSON.parse(json);
  for (const m of withCode) out.set(m.name, parsed[path.basename(m.dir)] ?? {});
  return out;
}

export async function ensureModelTables(client) {
  const r = await client.query("SELECT to_regclass('public.ir_model_data') AS t");
  if (r.rows[0].t !== null) return;
  const audit = 'create_uid integer, create_date timestamp without time zone, write_uid integer, write_date timestamp without time zone';
  await client.query(`CREATE TABLE IF NOT EXISTS ir_model (id serial PRIMARY KEY, model varchar NOT NULL, name jsonb NOT NULL, state varchar,
      transient boolean, ${audit}, CONSTRAINT ir_model_obj_name_uniq UNIQUE (model));
    CREATE TABLE IF NOT EXISTS ir_model_fields (id serial PRIMARY KEY, name varchar NOT NULL, model varchar NOT NULL,
      model_id integer NOT NULL REFERENCES ir_model(id) ON DELETE CASCADE, ttype varchar NOT NULL, state varchar, store boolean,
      ${audit}, CONSTRAINT ir_model_fields_name_unique UNIQUE (model, name));
    CREATE TABLE IF NOT EXISTS ir_model_data (id serial PRIMARY KEY, name varchar NOT NULL, module varchar NOT NULL, model varchar NOT NULL,
      res_id integer, noupdate boolean DEFAULT false, ${audit}, CONSTRAINT ir_model_data_module_name_uniq_index UNIQUE (module, name));`);
}

async function modelId(client, model) {
  const r = await client.query(`INSERT INTO ir_model (model, name, state, transient, create_uid, create_date, write_uid, write_date)
    VALUES ($1, $2, 'base', false, 1, ${NOW}, 1, ${NOW}) ON CONFLICT (model) DO UPDATE SET model = EXCLUDED.model RETURNING id`,
  [model, JSON.stringify({ en_US: model })]);
  return r.rows[0].id;
}

async function xmlid(client, module, name, model, resId) {
  await client.query(`INSERT INTO ir_model_data (name, module, model, res_id, noupdate, create_uid, create_date, write_uid, write_date)
    VALUES ($1, $2, $3, $4, false, 1, ${NOW}, 1, ${NOW}) ON CONFLICT (module, name) DO UPDATE SET res_id = EXCLUDED.res_id`,
  [name, module, model, resId]);
}

async function tableExists(client, table) {
  return (await client.query('SELECT to_regclass($1) AS t', [`public.${q(table)}`])).rows[0].t !== null;
}

/** Creates what `models` (one module's declarations) needs and records it for `module`. */
export async function applyModuleSchema(client, module, models) {
  const kept = new Set();
  for (const [model, info] of Object.entries(models)) {
    if (!IDENT.test(info.table)) continue;
    if (!(await tableExists(client, info.table))) {
      await client.query(`CREATE TABLE ${q(info.table)} (id serial PRIMARY KEY, create_uid integer, create_date timestamp without time zone,
        write_uid integer, write_date timestamp without time zone)`);
    }
    const mid = await modelId(client, model);
    if (info.new) await xmlid(client, module, `model_${xmlName(model)}`, 'ir.model', mid);
    for (const [field, type] of Object.entries(info.fields)) {
      if (!IDENT.test(field)) continue;
      const known = (await client.query('SELECT 1 FROM ir_model_fields WHERE model = $1 AND name = $2', [model, field])).rowCount > 0;
      const column = (await client.query('SELECT 1 FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = $1 AND column_name = $2',
        [info.table, field])).rowCount > 0;
      await client.query(`ALTER TABLE ${q(info.table)} ADD COLUMN IF NOT EXISTS ${q(field)} ${type}`);
      const f = await client.query(`INSERT INTO ir_model_fields (name, model, model_id, ttype, state, store, create_uid, create_date, write_uid, write_date)
        VALUES ($1, $2, $3, $4, 'base', true, 1, ${NOW}, 1, ${NOW}) ON CONFLICT (model, name) DO UPDATE SET ttype = EXCLUDED.ttype RETURNING id`,
      [field, model, mid, type]);
      // A column the core schema already had (a module redefining e.g. res.partner.name)
      // belongs to base too, as in Odoo: uninstalling the module must not drop it.
      if (column && !known) await xmlid(client, 'base', `field_${xmlName(model)}__${field}`, 'ir.model.fields', f.rows[0].id);
      const name = `field_${xmlName(model)}__${field}`;
      kept.add(name);
      await xmlid(client, module, name, 'ir.model.fields', f.rows[0].id);
    }
  }
  // Fields this module declared before but not any more (_process_end after an upgrade).
  const stale = await client.query("SELECT name, res_id FROM ir_model_data WHERE module = $1 AND model = 'ir.model.fields'", [module]);
  const gone = stale.rows.filter((r) => !kept.has(r.name));
  for (const r of gone) await dropFieldReference(client, module, r.name, r.res_id);
}

async function dropFieldReference(client, module, name, fieldId) {
  await client.query('DELETE FROM ir_model_data WHERE module = $1 AND name = $2', [module, name]);
  const others = await client.query("SELECT 1 FROM ir_model_data WHERE model = 'ir.model.fields' AND res_id = $1", [fieldId]);
  if (others.rowCount) return;
  const f = await client.query('SELECT f.name, m.model FROM ir_model_fields f JOIN ir_model m ON m.id = f.model_id WHERE f.id = $1', [fieldId]);
  if (!f.rowCount) return;
  const table = xmlName(f.rows[0].model);
  if (IDENT.test(table) && IDENT.test(f.rows[0].name) && await tableExists(client, table)) {
    await client.query(`ALTER TABLE ${q(table)} DROP COLUMN IF EXISTS ${q(f.rows[0].name)}`);
  }
  await client.query('DELETE FROM ir_model_fields WHERE id = $1', [fieldId]);
}

/** Uninstall: drops the fields and models only these modules declared, and their xmlids. */
export async function removeModulesSchema(client, modules) {
  if (!modules.length) return;
  const fields = await client.query("SELECT module, name, res_id FROM ir_model_data WHERE module = ANY($1) AND model = 'ir.model.fields'", [modules]);
  for (const r of fields.rows) await dropFieldReference(client, r.module, r.name, r.res_id);
  const models = await client.query("SELECT module, name, res_id FROM ir_model_data WHERE module = ANY($1) AND model = 'ir.model'", [modules]);
  for (const r of models.rows) {
    await client.query('DELETE FROM ir_model_data WHERE module = $1 AND name = $2', [r.module, r.name]);
    const others = await client.query("SELECT 1 FROM ir_model_data WHERE model = 'ir.model' AND res_id = $1", [r.res_id]);
    if (others.rowCount) continue;
    const m = await client.query('SELECT model FROM ir_model WHERE id = $1', [r.res_id]);
    const table = m.rowCount ? xmlName(m.rows[0].model) : null;
    if (table && IDENT.test(table)) await client.query(`DROP TABLE IF EXISTS ${q(table)} CASCADE`);
    await client.query('DELETE FROM ir_model WHERE id = $1', [r.res_id]);
  }
  await client.query('DELETE FROM ir_model_data WHERE module = ANY($1)', [modules]);
}

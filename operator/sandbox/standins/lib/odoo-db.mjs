// Database side of the odoo stand-in: connection settings from odoo.conf and Odoo's real
// table layout for the tables odoops reads and writes.
import crypto from 'node:crypto';
import { pgHost, pgPort } from './pgserver.mjs';

/** db_host "db"/"localhost"/empty/False is the server's own PostgreSQL (the db service). */
export function connectionConfig(opts, database) {
  const h = opts.db_host;
  const local = !h || h === 'False' || h === 'db' || h === 'localhost';
  const port = opts.db_port && opts.db_port !== 'False' ? Number(opts.db_port) : 5432;
  return {
    host: local ? pgHost() : h,
    port: local ? pgPort() : port,
    user: opts.db_user && opts.db_user !== 'False' ? opts.db_user : 'odoo',
    password: opts.db_password && opts.db_password !== 'False' ? opts.db_password : undefined,
    database,
    application_name: 'odoo-standin',
    connectionTimeoutMillis: 10000,
  };
}

export function displayHost(opts) {
  const h = opts.db_host && opts.db_host !== 'False' ? opts.db_host : 'default';
  const port = opts.db_port && opts.db_port !== 'False' ? opts.db_port : 'default';
  const user = opts.db_user && opts.db_user !== 'False' ? opts.db_user : 'odoo';
  return `${user}@${h}:${port}`;
}

// pg is loaded on first use: `odoo --version` (run by every probe) needs no database.
let pgLib;
export async function connect(cfg) {
  pgLib ??= (await import('pg')).default;
  const client = new pgLib.Client(cfg);
  await client.connect();
  return client;
}

/** Creates the database when missing (Odoo's _create_empty_database). Returns true if created. */
export async function ensureDatabase(cfg) {
  const admin = await connect({ ...cfg, database: 'postgres' });
  try {
    const r = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [cfg.database]);
    if (r.rowCount) return false;
    const ident = `"${cfg.database.replace(/"/g, '""')}"`;
    await admin.query(`CREATE DATABASE ${ident} ENCODING 'unicode' LC_COLLATE 'C' TEMPLATE template0`);
    return true;
  } finally {
    await admin.end();
  }
}

export async function databaseExists(cfg) {
  const admin = await connect({ ...cfg, database: 'postgres' });
  try {
    return (await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [cfg.database])).rowCount > 0;
  } finally {
    await admin.end();
  }
}

export async function isInitialized(client) {
  const r = await client.query("SELECT to_regclass('public.ir_module_module') AS t");
  return r.rows[0].t !== null;
}

const jtext = (t) => JSON.stringify({ en_US: t });

/** Registry signaling (Registry.setup_signaling): bumped after module changes, read by servers. */
export async function setupSignaling(client) {
  await client.query('CREATE SEQUENCE IF NOT EXISTS base_registry_signaling INCREMENT BY 1 START WITH 1');
}
export async function signalRegistryChange(client) {
  await client.query("SELECT nextval('base_registry_signaling')");
}

const AUDIT = 'create_uid integer, create_date timestamp without time zone, write_uid integer, write_date timestamp without time zone';

// Column names and types as in Odoo 16/17 (translated fields are jsonb since 16.0). ir_model,
// ir_model_fields and ir_model_data hold what the stand-in needs of Odoo's model bookkeeping:
// which module declared which field (columns to drop at uninstall).
const SCHEMA = `
CREATE TABLE res_partner (id serial PRIMARY KEY, name varchar, display_name varchar, email varchar,
  is_company boolean, active boolean DEFAULT true, company_id integer, ${AUDIT});
CREATE TABLE res_company (id serial PRIMARY KEY, name varchar NOT NULL, partner_id integer NOT NULL REFERENCES res_partner(id),
  currency_id integer, sequence integer, active boolean DEFAULT true, ${AUDIT});
CREATE TABLE res_users (id serial PRIMARY KEY, login varchar NOT NULL, password varchar, active boolean DEFAULT true,
  partner_id integer NOT NULL REFERENCES res_partner(id), company_id integer NOT NULL REFERENCES res_company(id),
  share boolean, ${AUDIT}, CONSTRAINT res_users_login_key UNIQUE (login));
CREATE TABLE ir_module_category (id serial PRIMARY KEY, name jsonb NOT NULL, parent_id integer REFERENCES ir_module_category(id) ON DELETE SET NULL,
  description jsonb, sequence integer, visible boolean, exclusive boolean, ${AUDIT});
CREATE TABLE ir_module_module (id serial PRIMARY KEY, ${AUDIT}, website varchar, summary jsonb, name varchar NOT NULL,
  author varchar, icon varchar, state varchar, latest_version varchar, shortdesc jsonb,
  category_id integer REFERENCES ir_module_category(id) ON DELETE SET NULL, description jsonb, application boolean,
  demo boolean DEFAULT false, web boolean, license varchar, sequence integer DEFAULT 100, auto_install boolean,
  to_buy boolean DEFAULT false, maintainer varchar, contributors text, published_version varchar, url varchar,
  menus_by_module text, reports_by_module text, views_by_module text,
  CONSTRAINT ir_module_module_name_uniq UNIQUE (name));
CREATE INDEX ir_module_module_state_index ON ir_module_module (state);
CREATE TABLE ir_module_module_dependency (id serial PRIMARY KEY, ${AUDIT}, name varchar,
  module_id integer REFERENCES ir_module_module(id) ON DELETE CASCADE, auto_install_required boolean DEFAULT true);
CREATE INDEX ir_module_module_dependency_name_index ON ir_module_module_dependency (name);
CREATE TABLE ir_config_parameter (id serial PRIMARY KEY, key varchar NOT NULL, value text NOT NULL, ${AUDIT},
  CONSTRAINT ir_config_parameter_key_uniq UNIQUE (key));
CREATE TABLE ir_model (id serial PRIMARY KEY, model varchar NOT NULL, name jsonb NOT NULL, state varchar, transient boolean,
  ${AUDIT}, CONSTRAINT ir_model_obj_name_uniq UNIQUE (model));
CREATE TABLE ir_model_fields (id serial PRIMARY KEY, name varchar NOT NULL, model varchar NOT NULL,
  model_id integer NOT NULL REFERENCES ir_model(id) ON DELETE CASCADE, ttype varchar NOT NULL, state varchar, store boolean,
  ${AUDIT}, CONSTRAINT ir_model_fields_name_unique UNIQUE (model, name));
CREATE TABLE ir_model_data (id serial PRIMARY KEY, name varchar NOT NULL, module varchar NOT NULL, model varchar NOT NULL,
  res_id integer, noupdate boolean DEFAULT false, ${AUDIT}, CONSTRAINT ir_model_data_module_name_uniq_index UNIQUE (module, name));
CREATE TABLE ir_cron (id serial PRIMARY KEY, cron_name varchar, active boolean DEFAULT true, interval_number integer,
  interval_type varchar, nextcall timestamp without time zone NOT NULL DEFAULT (now() at time zone 'UTC'), ${AUDIT});
CREATE TABLE ir_mail_server (id serial PRIMARY KEY, name varchar NOT NULL, smtp_host varchar, smtp_port integer,
  smtp_authentication varchar, smtp_user varchar, smtp_pass varchar, smtp_encryption varchar, active boolean DEFAULT true,
  sequence integer DEFAULT 10, ${AUDIT});
`;

/** Creates the base tables and base data inside the caller's transaction. */
export async function createSchema(client, dbName) {
  await client.query(SCHEMA);
  const now = "now() at time zone 'UTC'";
  await client.query(`INSERT INTO res_partner (id, name, display_name, is_company, create_date, write_date) VALUES
    (1, 'My Company', 'My Company', true, ${now}, ${now}), (2, 'OdooBot', 'OdooBot', false, ${now}, ${now}),
    (3, 'Mitchell Admin', 'Mitchell Admin', false, ${now}, ${now})`);
  await client.query("SELECT setval('res_partner_id_seq', 3)");
  await client.query(`INSERT INTO res_company (id, name, partner_id, sequence, create_date, write_date) VALUES (1, 'My Company', 1, 10, ${now}, ${now})`);
  await client.query("SELECT setval('res_company_id_seq', 1)");
  await client.query(`INSERT INTO res_users (id, login, password, active, partner_id, company_id, share, create_date, write_date) VALUES
    (1, '__system__', NULL, false, 2, 1, false, ${now}, ${now}), (2, 'admin', 'admin', true, 3, 1, false, ${now}, ${now})`);
  await client.query("SELECT setval('res_users_id_seq', 2)");
  const params = [
    ['database.uuid', crypto.randomUUID()],
    ['database.secret', crypto.randomUUID()],
    ['database.create_date', new Date().toISOString().replace('T', ' ').slice(0, 19)],
    ['web.base.url', 'http://localhost:8069'],
  ];
  for (const [k, v] of params) {
    await client.query(`INSERT INTO ir_config_parameter (key, value, create_uid, create_date, write_uid, write_date) VALUES ($1, $2, 1, ${now}, 1, ${now})`, [k, v]);
  }
  // Models whose tables exist from the start (the ones above; their core columns need no bookkeeping).
  for (const [model, label] of [['res.partner', 'Contact'], ['res.company', 'Companies'], ['res.users', 'User'],
    ['ir.module.module', 'Module'], ['ir.config_parameter', 'System Parameter'], ['ir.cron', 'Scheduled Actions'],
    ['ir.mail_server', 'Mail Server']]) {
    await client.query(`INSERT INTO ir_model (model, name, state, transient, create_uid, create_date, write_uid, write_date)
      VALUES ($1, $2, 'base', false, 1, ${now}, 1, ${now})`, [model, jtext(label)]);
  }
  await client.query(`INSERT INTO ir_cron (cron_name, active, interval_number, interval_type, create_date, write_date) VALUES
    ('Base: Auto-vacuum internal data', true, 1, 'days', ${now}, ${now}),
    ('Base: Portal Users Deletion', true, 1, 'days', ${now}, ${now})`);
  // The autovacuum keeps running in a neutralized database: neutralize finds it by its XML id, as in Odoo.
  await client.query(`INSERT INTO ir_model_data (name, module, model, res_id, noupdate, create_uid, create_date, write_uid, write_date)
    SELECT 'autovacuum_job', 'base', 'ir.cron', id, true, 1, ${now}, 1, ${now} FROM ir_cron WHERE cron_name = 'Base: Auto-vacuum internal data'`);
  void dbName;
}

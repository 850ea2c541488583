// Module bookkeeping as real Odoo 16.0–18.0 does it: odoo/modules/db.py (initialize),
// odoo/modules/loading.py (load_modules), odoo/modules/graph.py (loading order) and
// addons/base/models/ir_module.py (update_list, button_install / button_upgrade /
// button_uninstall). Code is not run; data files of on-disk modules are only checked for
// existence; the fields their Python code declares become real columns (odoo-schema.mjs).
import fs from 'node:fs';
import path from 'node:path';
import { adaptVersion } from './odoo-addons.mjs';
import { signalRegistryChange } from './odoo-db.mjs';
import * as L from './odoo-log.mjs';
import * as TB from './odoo-tracebacks.mjs';
import { applyModuleSchema, CodeError, declaredModels, removeModulesSchema } from './odoo-schema.mjs';

/** An error that real Odoo raises as a Python exception (type shown in the traceback). */
export class OdooError extends Error {
  constructor(type, message, frames = []) {
    super(message);
    this.pyType = type;
    this.frames = frames;
  }
}

const NOW = "now() at time zone 'UTC'";
const jtext = (s) => JSON.stringify({ en_US: String(s ?? '') });
const repr = (s) => `'${String(s).replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
const INSTALL_STATES = new Set(['installed', 'to install', 'to upgrade']);
const secs = (t0) => ((Date.now() - t0) / 1000).toFixed(2);


/** Values update_list / initialize write from a manifest (get_values_from_terp). */
function info(name, m) {
  return {
    shortdesc: jtext(m.name), summary: jtext(m.summary), description: jtext(m.description), author: m.author,
    website: m.website, license: m.license, application: !!m.application, auto_install: m.auto_install !== null,
    sequence: m.sequence, icon: `/${name}/static/description/icon.png`,
  };
}
const INFO_COLS = ['shortdesc', 'summary', 'description', 'author', 'website', 'license', 'application', 'auto_install', 'sequence', 'icon'];
const INFO_TYPES = { shortdesc: 'jsonb', summary: 'jsonb', description: 'jsonb', author: 'varchar', website: 'varchar', license: 'varchar',
  application: 'boolean', auto_install: 'boolean', sequence: 'integer', icon: 'varchar' };
const sameInfo = (row, want) => INFO_COLS.every((k) => JSON.stringify(row[k] ?? null) === JSON.stringify(INFO_TYPES[k] === 'jsonb' ? JSON.parse(want[k]) : want[k]));

export class ModuleRegistry {
  /**
   * @param sources Map name -> { name, dir (null for core modules), manifest } (odoo-addons.mjs)
   * @param stubs Map name -> enterprise stub of the series (rows base's data creates)
   */
  constructor(client, sources, series, stubs = new Map()) {
    this.client = client;
    this.sources = sources;
    this.series = series;
    this.stubs = stubs;
    this.rows = new Map(); // name -> row of ir_module_module
    this.deps = new Map(); // name -> [{ name, auto_install_required }]
  }

  async reload() {
    this.rows.clear();
    this.deps.clear();
    const r = await this.client.query(`SELECT id, name, state, latest_version, demo, ${INFO_COLS.join(', ')} FROM ir_module_module ORDER BY id`);
    for (const row of r.rows) {
      this.rows.set(row.name, row);
      this.deps.set(row.name, []);
    }
    const byId = new Map(r.rows.map((x) => [x.id, x.name]));
    const d = await this.client.query('SELECT module_id, name, auto_install_required FROM ir_module_module_dependency ORDER BY id');
    for (const row of d.rows) {
      const owner = byId.get(row.module_id);
      if (owner) this.deps.get(owner).push({ name: row.name, auto_install_required: row.auto_install_required === true });
    }
  }

  /** The state of a dependency as ir.module.module.dependency computes it. */
  depState(name) {
    return this.rows.get(name)?.state ?? 'unknown';
  }

  async setState(name, state, extra = {}) {
    const row = this.rows.get(name);
    const sets = ['state = $2', `write_date = ${NOW}`, 'write_uid = 1'];
    const vals = [row.id, state];
    for (const [k, v] of Object.entries(extra)) {
      vals.push(v);
      sets.push(`${k} = $${vals.length}`);
    }
    await this.client.query(`UPDATE ir_module_module SET ${sets.join(', ')} WHERE id = $1`, vals);
    row.state = state;
    Object.assign(row, extra);
  }

  /** Inserts rows for `names` (bulk) with their dependencies. */
  async insertRows(names, stateOf) {
    if (!names.length) return;
    const recs = names.map((name) => ({ name, state: stateOf(name), ...info(name, this.sources.get(name).manifest) }));
    const cols = ['name', 'state', ...INFO_COLS];
    const types = cols.map((c) => `${c} ${INFO_TYPES[c] ?? 'varchar'}`).join(', ');
    const r = await this.client.query(`INSERT INTO ir_module_module (${cols.join(', ')}, demo, to_buy, create_uid, create_date, write_uid, write_date)
      SELECT ${cols.join(', ')}, false, false, 1, ${NOW}, 1, ${NOW} FROM jsonb_to_recordset($1::jsonb) AS v(${types})
      RETURNING id, name, state, latest_version, demo, ${INFO_COLS.join(', ')}`, [JSON.stringify(recs)]);
    for (const row of r.rows) {
      this.rows.set(row.name, row);
      this.deps.set(row.name, []);
    }
    await this.updateDependencies(names);
  }

  /** _update_dependencies for many modules at once: rows match the manifests afterwards. */
  async updateDependencies(names) {
    const changed = [];
    const inserts = [];
    for (const name of names) {
      const m = this.sources.get(name).manifest;
      const required = new Set(m.auto_install ?? []);
      const want = m.depends.map((d) => ({ name: d, auto_install_required: required.has(d) }));
      const have = this.deps.get(name) ?? [];
      const key = (l) => l.map((d) => `${d.name}:${d.auto_install_required}`).sort().join(',');
      if (key(have) === key(want)) continue;
      changed.push(this.rows.get(name).id);
      for (const d of want) inserts.push({ module_id: this.rows.get(name).id, name: d.name, auto_install_required: d.auto_install_required });
      this.deps.set(name, want);
    }
    if (!changed.length) return;
    await this.client.query('DELETE FROM ir_module_module_dependency WHERE module_id = ANY($1)', [changed]);
    await this.client.query(`INSERT INTO ir_module_module_dependency (module_id, name, auto_install_required, create_uid, create_date, write_uid, write_date)
      SELECT module_id, name, auto_install_required, 1, ${NOW}, 1, ${NOW}
      FROM jsonb_to_recordset($1::jsonb) AS v(module_id integer, name varchar, auto_install_required boolean)`, [JSON.stringify(inserts)]);
  }

  /** odoo.modules.db.initialize: every module registered, base and auto_install modules marked. */
  async initialize() {
    const names = [...this.sources.keys()].filter((n) => this.sources.get(n).manifest);
    await this.insertRows(names, (n) => (this.sources.get(n).manifest.installable ? 'uninstalled' : 'uninstallable'));
    // "Install recursively all auto-installing modules" (16.0/17.0 do not skip uninstallable rows).
    const skipUninstallable = Number.parseFloat(this.series) >= 18;
    for (;;) {
      const auto = [...this.rows.values()].filter((row) => {
        if (!row.auto_install || row.state === 'to install' || (skipUninstallable && row.state === 'uninstallable')) return false;
        return this.deps.get(row.name).every((d) => !d.auto_install_required || !this.rows.has(d.name) || this.rows.get(d.name).state === 'to install');
      }).map((row) => row.name);
      const marked = new Set(auto);
      for (const row of this.rows.values()) {
        if (row.state !== 'to install' && !marked.has(row.name)) continue;
        for (const d of this.deps.get(row.name)) {
          const dep = this.rows.get(d.name);
          if (dep && dep.state !== 'to install' && !auto.includes(d.name)) marked.add(d.name);
        }
      }
      if (!marked.size) break;
      for (const n of marked) await this.setState(n, 'to install');
    }
  }

  /** ir.module.module.update_list(): new modules registered, changed manifests written. */
  async updateList() {
    const added = [];
    const changed = [];
    for (const [name, mod] of this.sources) {
      const m = mod.manifest;
      if (!m) {
        L.error('odoo.modules.module', `Couldn't load module ${name}: ${mod.error}`);
        continue;
      }
      const row = this.rows.get(name);
      if (!row) { added.push(name); continue; }
      const want = info(name, m);
      if (!sameInfo(row, want)) changed.push({ id: row.id, ...want });
      if (m.installable && row.state === 'uninstallable') await this.setState(name, 'uninstalled');
    }
    if (changed.length) {
      await this.client.query(`UPDATE ir_module_module m SET ${INFO_COLS.map((c) => `${c} = v.${c}`).join(', ')}, write_date = ${NOW}
        FROM jsonb_to_recordset($1::jsonb) AS v(id integer, ${INFO_COLS.map((c) => `${c} ${INFO_TYPES[c]}`).join(', ')}) WHERE m.id = v.id`,
      [JSON.stringify(changed)]);
      await this.reload();
    }
    await this.insertRows(added, (n) => (this.sources.get(n).manifest.installable ? 'uninstalled' : 'uninstallable'));
    await this.updateDependencies([...this.sources.keys()].filter((n) => this.sources.get(n).manifest && this.rows.has(n)));
  }

  /** The enterprise stubs base's data (ir_module_module.xml) creates: uninstallable, to_buy. */
  async loadBaseStubs() {
    const missing = [...this.stubs.entries()].filter(([name]) => !this.rows.has(name));
    if (!missing.length) return;
    const recs = missing.map(([name, s]) => ({ name, shortdesc: jtext(s.name), application: !!s.application, license: s.license, sequence: s.sequence ?? 100 }));
    const r = await this.client.query(`INSERT INTO ir_module_module (name, state, shortdesc, application, license, sequence, author, to_buy, demo,
        auto_install, create_uid, create_date, write_uid, write_date)
      SELECT name, 'uninstallable', shortdesc, application, license, sequence, 'Odoo S.A.', true, false, false, 1, ${NOW}, 1, ${NOW}
      FROM jsonb_to_recordset($1::jsonb) AS v(name varchar, shortdesc jsonb, application boolean, license varchar, sequence integer)
      RETURNING id, name, state, latest_version, demo, ${INFO_COLS.join(', ')}`, [JSON.stringify(recs)]);
    for (const row of r.rows) {
      this.rows.set(row.name, row);
      this.deps.set(row.name, []);
    }
  }

  /** odoo.modules.loading._check_module_names. */
  checkModuleNames(names) {
    const wanted = new Set(names);
    if (wanted.has('base')) wanted.delete('all');
    const incorrect = [...wanted].filter((n) => !this.rows.has(n));
    if (incorrect.length) L.warning('odoo.modules.loading', `invalid module names, ignored: ${incorrect.join(', ')}`);
  }

  /** ir.module.module._state_update: marks a module and its dependencies; returns their demo. */
  async stateUpdate(name, newState, fromStates, level = 100) {
    if (level < 1) throw new OdooError('odoo.exceptions.UserError', 'Recursion error in modules dependencies!');
    const row = this.rows.get(name);
    if (!fromStates.includes(row.state)) return !!row.demo;
    let demo = false;
    const ready = [];
    for (const dep of this.deps.get(name)) {
      const st = this.depState(dep.name);
      if (st === 'unknown') {
        throw new OdooError('odoo.exceptions.UserError', `You try to install module ${repr(name)} that depends on module ${repr(dep.name)}.\nBut the latter module is not available in your system.`,
          TB.MARK_MODULES);
      }
      if (st === newState) ready.push(dep.name);
      else demo = (await this.stateUpdate(dep.name, newState, fromStates, level - 1)) || demo;
    }
    const moduleDemo = !!row.demo || demo || ready.some((n) => this.rows.get(n).demo);
    if (fromStates.includes(row.state)) await this.setState(name, newState, { demo: moduleDemo });
    return moduleDemo;
  }

  /** button_install: the modules, their missing dependencies, then auto_install modules. */
  async buttonInstall(names) {
    let todo = names;
    while (todo.length) {
      for (const n of todo) await this.stateUpdate(n, 'to install', ['uninstalled']);
      todo = [...this.rows.values()].filter((row) => {
        if (row.state !== 'uninstalled' || !row.auto_install) return false;
        const states = new Set(this.deps.get(row.name).filter((d) => d.auto_install_required).map((d) => this.depState(d.name)));
        return [...states].every((s) => INSTALL_STATES.has(s)) && states.has('to install');
      }).map((row) => row.name);
    }
  }

  /** button_upgrade: the modules and every installed module depending on them. */
  async buttonUpgrade(names) {
    const todo = [...names];
    if (names.includes('base')) {
      for (const row of this.rows.values()) if (row.state === 'installed' && !todo.includes(row.name) && row.name !== 'studio_customization') todo.push(row.name);
    }
    for (let i = 0; i < todo.length; i++) {
      const name = todo[i];
      if (!['installed', 'to upgrade'].includes(this.rows.get(name).state)) {
        throw new OdooError('odoo.exceptions.UserError', `Can not upgrade module ${repr(name)}. It is not installed.`);
      }
      for (const [other, deps] of this.deps) {
        if (deps.some((d) => d.name === name) && this.rows.get(other).state === 'installed' && !todo.includes(other) && other !== 'studio_customization') todo.push(other);
      }
    }
    for (const n of todo) await this.setState(n, 'to upgrade');
    const toInstall = [];
    for (const name of todo) {
      if (this.sources.get(name)?.manifest?.installable === false) continue;
      for (const dep of this.deps.get(name)) {
        const st = this.depState(dep.name);
        if (st === 'unknown') throw new OdooError('odoo.exceptions.UserError', `You try to upgrade the module ${name} that depends on the module: ${dep.name}.\nBut this module is not available in your system.`);
        if (st === 'uninstalled' && !toInstall.includes(dep.name)) toInstall.push(dep.name);
      }
    }
    if (toInstall.length) await this.buttonInstall(toInstall);
  }

  /** button_uninstall: the modules and the installed modules depending on them -> 'to remove'. */
  async buttonUninstall(names) {
    const serverWide = ['base', 'web'].filter((n) => names.includes(n));
    if (serverWide.length) throw new OdooError('odoo.exceptions.UserError', `Those modules cannot be uninstalled: ${serverWide.join(', ')}`);
    if (names.some((n) => !['installed', 'to upgrade'].includes(this.rows.get(n)?.state))) {
      throw new OdooError('odoo.exceptions.UserError', 'One or more of the selected modules have already been uninstalled, if you believe this to be an error, you may try again later or contact support.');
    }
    const all = new Set(names);
    let grew = true;
    while (grew) {
      grew = false;
      for (const [other, deps] of this.deps) {
        if (all.has(other) || ['uninstalled', 'uninstallable', 'to remove'].includes(this.rows.get(other).state)) continue;
        if (deps.some((d) => all.has(d.name))) { all.add(other); grew = true; }
      }
    }
    for (const n of all) await this.setState(n, 'to remove');
    return [...all];
  }
}

/**
 * Odoo's loading graph (odoo/modules/graph.py): a module enters once all its dependencies
 * are in; depth = 1 + its deepest dependency; iteration by depth, then name. `init`,
 * `update` and `demo` flags pass from a node to the children it fathers.
 */
export class Graph {
  constructor() {
    this.nodes = new Map(); // name -> { name, depth, father, init, update, demo }
  }

  has(name) { return this.nodes.has(name); }

  get size() { return this.nodes.size; }

  /** Graph.add_modules; returns the names left out (not installable, unmet dependencies). */
  addModules(names, sources, flags) {
    const packages = [];
    for (const n of names) {
      const m = sources.get(n)?.manifest;
      if (m && m.installable) packages.push(n);
      else if (n !== 'studio_customization') L.warning('odoo.modules.graph', `module ${n}: not installable, skipped`);
    }
    const current = new Set(packages);
    const later = new Set();
    while (packages.length && [...current].some((p) => !later.has(p))) {
      const p = packages[0];
      const deps = sources.get(p).manifest.depends;
      if (deps.every((d) => this.nodes.has(d))) {
        if (!current.has(p)) { packages.shift(); continue; }
        later.clear();
        current.delete(p);
        let father = null;
        for (const d of deps) if (!father || this.nodes.get(d).depth >= father.depth) father = this.nodes.get(d);
        const node = { name: p, depth: father ? father.depth + 1 : 0, father };
        for (const kind of ['init', 'update', 'demo']) node[kind] = flags[kind](p) || (father?.[kind] ?? false);
        this.nodes.set(p, node);
      } else {
        later.add(p);
        packages.push(p);
      }
      packages.shift();
    }
    for (const p of later) {
      const unmet = sources.get(p).manifest.depends.filter((d) => !this.nodes.has(d));
      L.info('odoo.modules.graph', `module ${p}: Unmet dependencies: ${unmet.join(', ')}`);
    }
    return [...later];
  }

  /** Graph.__iter__: by depth, then name. */
  ordered() {
    return [...this.nodes.values()].sort((a, b) => a.depth - b.depth || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }
}

/**
 * odoo.modules.loading.load_modules for one database (the caller holds an open transaction).
 * opts: { init: string[], update: string[], withDemo, fresh, updateModule, onCommit }. Each module that
 * needs an update commits its work before its state is written, as Odoo does — a failure
 * later leaves the modules loaded before it installed (except the last one's state) and
 * throws; the caller then resets transient states (resetModulesState).
 */
export async function loadModules(reg, opts) {
  const { client } = reg;
  const init = new Set(opts.init);
  const update = new Set(opts.update);
  const updateModule = !!opts.updateModule || opts.fresh || init.size > 0 || update.size > 0;
  if (opts.fresh) {
    init.add('all');
    if (opts.withDemo) reg.forceDemo = true;
  }
  if (update.has('base') || update.has('all')) {
    if (reg.rows.get('base')?.state === 'installed') await reg.setState('base', 'to upgrade');
  }
  const flags = {
    init: (n) => init.has(n) || init.has('all'),
    update: (n) => update.has(n) || update.has('all'),
    demo: () => !!reg.forceDemo,
  };
  const graph = new Graph();
  graph.addModules(['base'], reg.sources, flags);
  if (!graph.size) {
    L.critical('odoo.modules.loading', 'module base cannot be loaded! (hint: verify addons-path)');
    throw new OdooError('ImportError', 'Module `base` cannot be loaded! (hint: verify addons-path)');
  }
  const processed = [];
  const loaded = new Set();
  const code = new Map(); // module -> declared models, read once per run (Python imports once)
  const declared = (name) => {
    if (!code.has(name)) {
      // One python3 run for every on-disk module this run may load.
      const batch = [...reg.sources.values()].filter((s) => s.dir && !code.has(s.name)
        && (s.name === name || ['to install', 'to upgrade'].includes(reg.rows.get(s.name)?.state) || flags.init(s.name) || flags.update(s.name)));
      try {
        for (const [n, models] of declaredModels(batch)) code.set(n, models);
      } catch (e) {
        if (e instanceof CodeError) {
          const m = /^SyntaxError: (.*)$/.exec(e.message);
          throw new OdooError('SyntaxError', m ? m[1] : e.message, TB.IMPORT_MODULE);
        }
        throw e;
      }
    }
    return code.get(name) ?? {};
  };

  const loadGraph = async () => {
    const t0 = Date.now();
    L.info('odoo.modules.loading', `loading ${graph.size} modules...`);
    const order = graph.ordered();
    let index = 0;
    for (const node of order) {
      index++;
      if (loaded.has(node.name)) continue;
      const row = reg.rows.get(node.name);
      const needsUpdate = node.init || node.update || row.state === 'to install' || row.state === 'to upgrade';
      loaded.add(node.name);
      if (!needsUpdate) continue;
      const t = Date.now();
      const newInstall = row.state === 'to install';
      const src = reg.sources.get(node.name);
      L.info('odoo.modules.loading', `Loading module ${node.name} (${index}/${order.length})`);
      // registry.init_models logs this for modules with models (catalog modules: assumed).
      const models = src.dir ? declared(node.name) : null;
      if (!models || Object.keys(models).length) L.info('odoo.modules.registry', `module ${node.name}: creating or updating database tables`);
      if (models) await applyModuleSchema(client, node.name, models);
      const demo = newInstall ? (row.demo || node.demo) : row.demo;
      const files = [...src.manifest.data, ...(demo ? src.manifest.demo : [])];
      if (src.dir) {
        for (const f of files) {
          L.info('odoo.modules.loading', `loading ${node.name}/${f}`);
          if (!fs.existsSync(path.join(src.dir, f))) throw new OdooError('FileNotFoundError', `File not found: ${node.name}/${f}`, TB.LOAD_DATA);
        }
      }
      if (node.name === 'base') await reg.loadBaseStubs();
      let version;
      try {
        version = adaptVersion(src.manifest.version, reg.series);
      } catch (e) {
        throw new OdooError('ValueError', e.message, TB.ADAPT_VERSION);
      }
      // env.cr.commit() before the state is written: the previous module's state goes with it.
      await opts.onCommit();
      processed.push(node.name);
      await reg.setState(node.name, 'installed', { latest_version: version, demo: !!demo });
      const queries = 40 + files.length * 30;
      L.info('odoo.modules.loading', `Module ${node.name} loaded in ${secs(t)}s, ${queries} queries (+${queries} other)`);
    }
    L.info('odoo.modules.loading', `${graph.size} modules loaded in ${secs(t0)}s, 0 queries (+0 extra)`);
  };

  await loadGraph();
  if (updateModule) {
    L.info('odoo.modules.loading', 'updating modules list');
    await reg.updateList();
    reg.checkModuleNames([...init, ...update]);
    const toInstall = [...init].filter((n) => reg.rows.get(n)?.state === 'uninstalled');
    if (toInstall.length) await reg.buttonInstall(toInstall);
    const toUpgrade = [...update].filter((n) => ['installed', 'to upgrade'].includes(reg.rows.get(n)?.state));
    if (toUpgrade.length) await reg.buttonUpgrade(toUpgrade);
    await reg.setState('base', 'installed');
  }
  // load_marked_modules: installed (and to upgrade / to remove) first, then new installs.
  const marked = async (states) => {
    let count = 0;
    for (;;) {
      const names = [...reg.rows.values()].filter((r) => states.includes(r.state) && !graph.has(r.name)).map((r) => r.name);
      if (!names.length) break;
      const before = processed.length;
      graph.addModules(names, reg.sources, flags);
      await loadGraph();
      count += processed.length - before;
      if (processed.length === before) break;
    }
    return count;
  };
  let previously = -1;
  while (previously < processed.length) {
    previously = processed.length;
    await marked(['installed', 'to upgrade', 'to remove']);
    if (updateModule) await marked(['to install']);
  }
  const missing = [...reg.rows.values()].filter((r) => r.state === 'installed' && !graph.has(r.name)).map((r) => r.name).sort();
  if (missing.length) L.error('odoo.modules.loading', `Some modules are not loaded, some dependencies or manifest may be missing: [${missing.map(repr).join(', ')}]`);
  const inconsistent = [...reg.rows.values()].filter((r) => ['to install', 'to upgrade'].includes(r.state)).map((r) => r.name).sort();
  if (inconsistent.length) L.error('odoo.modules.loading', `Some modules have inconsistent states, some dependencies may be missing: [${inconsistent.map(repr).join(', ')}]`);
  let removed = [];
  if (updateModule) {
    removed = [...reg.rows.values()].filter((r) => r.state === 'to remove').map((r) => r.name);
    if (removed.length) {
      const order = graph.ordered().map((n) => n.name).filter((n) => removed.includes(n)).reverse();
      for (const n of order) L.info('odoo.addons.base.models.ir_module', `module ${n}: uninstalling`);
      await removeModulesSchema(client, removed);
      for (const n of removed) await reg.setState(n, 'uninstalled', { latest_version: null });
      await opts.onCommit();
      L.info('odoo.modules.loading', 'Reloading registry once more after uninstalling modules');
      L.info('odoo.modules.loading', 'loading 1 modules...');
      L.info('odoo.modules.loading', '1 modules loaded in 0.01s, 0 queries (+0 extra)');
      const left = [...reg.rows.values()].filter((r) => r.state === 'installed').length;
      L.info('odoo.modules.loading', `loading ${left} modules...`);
      L.info('odoo.modules.loading', `${left} modules loaded in 0.05s, 0 queries (+0 extra)`);
    }
  }
  if (processed.length && [...code.values()].some((m) => Object.keys(m).length)) L.info('odoo.modules.registry', 'verifying fields for every extended model');
  L.info('odoo.modules.loading', 'Modules loaded.');
  if (updateModule) await signalRegistryChange(client);
  return { processed, removed };
}

/** odoo.modules.reset_modules_state, after a failed load (its own transaction). */
export async function resetModulesState(client) {
  const t = await client.query("SELECT to_regclass('public.ir_module_module') AS t");
  if (t.rows[0].t === null) {
    L.info('odoo.modules.loading', 'skipping reset_modules_state, ir_module_module table does not exists');
    return;
  }
  await client.query("UPDATE ir_module_module SET state = 'installed' WHERE state IN ('to remove', 'to upgrade')");
  await client.query("UPDATE ir_module_module SET state = 'uninstalled' WHERE state = 'to install'");
  L.warning('odoo.modules.loading', 'Transient module states were reset');
}

/** Compares dotted versions numerically ("17.0.1.10" > "17.0.1.9"). */
export function cmpVersion(a, b) {
  const pa = String(a).split('.');
  const pb = String(b).split('.');
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const x = pa[i] ?? '';
    const y = pb[i] ?? '';
    const nx = Number(x);
    const ny = Number(y);
    if (x !== '' && y !== '' && !Number.isNaN(nx) && !Number.isNaN(ny)) {
      if (nx !== ny) return nx < ny ? -1 : 1;
    } else if (x !== y) return x < y ? -1 : 1;
  }
  return 0;
}

// Module bookkeeping as real Odoo does it (odoo/modules/loading.py, db.py and
// addons/base/models/ir_module.py): update_list, button_install / button_upgrade /
// button_uninstall, loading in dependency order. Everything runs in the caller's
// transaction, so a failure leaves the database as it was.
import fs from 'node:fs';
import path from 'node:path';
import { adaptVersion } from './odoo-addons.mjs';
import * as L from './odoo-log.mjs';

/** An error that real Odoo raises as a Python exception (type shown in the traceback). */
export class OdooError extends Error {
  constructor(type, message) {
    super(message);
    this.pyType = type;
  }
}

const NOW = "now() at time zone 'UTC'";
const jtext = (s) => JSON.stringify({ en_US: String(s ?? '') });

export class ModuleRegistry {
  constructor(client, addons, series) {
    this.client = client;
    this.addons = addons; // Map name -> { manifest, dir }
    this.series = series;
    this.rows = new Map(); // name -> { id, name, state, latest_version, demo }
    this.deps = new Map(); // name -> [{ name, auto_install_required }]
    this.autoInstall = new Map(); // name -> bool
  }

  async reload() {
    this.rows.clear();
    this.deps.clear();
    this.autoInstall.clear();
    const r = await this.client.query('SELECT id, name, state, latest_version, demo, auto_install FROM ir_module_module ORDER BY id');
    for (const row of r.rows) {
      this.rows.set(row.name, row);
      this.autoInstall.set(row.name, !!row.auto_install);
      this.deps.set(row.name, []);
    }
    const byId = new Map(r.rows.map((x) => [x.id, x.name]));
    const d = await this.client.query('SELECT module_id, name, auto_install_required FROM ir_module_module_dependency ORDER BY id');
    for (const row of d.rows) {
      const owner = byId.get(row.module_id);
      if (owner) this.deps.get(owner).push({ name: row.name, auto_install_required: row.auto_install_required !== false });
    }
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

  /** ir.module.module.update_list(): register new modules, refresh info and dependencies. */
  async updateList() {
    let updated = 0;
    let added = 0;
    for (const [name, mod] of this.addons) {
      const m = mod.manifest;
      if (!m) {
        L.error('odoo.modules.module', `Couldn't load module ${name}: ${mod.error}`);
        continue;
      }
      const info = [jtext(m.name), jtext(m.summary), jtext(m.description), m.author, m.website, m.license,
        !!m.application, isAuto(m), m.sequence, `/${name}/static/description/icon.png`];
      const row = this.rows.get(name);
      if (row) {
        await this.client.query(`UPDATE ir_module_module SET shortdesc = $2, summary = $3, description = $4, author = $5,
          website = $6, license = $7, application = $8, auto_install = $9, sequence = $10, icon = $11, write_date = ${NOW}
          WHERE id = $1`, [row.id, ...info]);
        if (m.installable && row.state === 'uninstallable') await this.setState(name, 'uninstalled');
        if (!m.installable && row.state === 'uninstalled') await this.setState(name, 'uninstallable');
        try {
          if (cmpVersion(adaptVersion(m.version, this.series), row.latest_version ?? '') > 0) updated++;
        } catch { /* reported when the module is loaded */ }
      } else {
        const state = m.installable ? 'uninstalled' : 'uninstallable';
        const r = await this.client.query(`INSERT INTO ir_module_module (name, state, shortdesc, summary, description, author,
          website, license, application, auto_install, sequence, icon, demo, to_buy, create_uid, create_date, write_uid, write_date)
          VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, false, false, 1, ${NOW}, 1, ${NOW})
          RETURNING id, name, state, latest_version, demo, auto_install`, [name, state, ...info]);
        this.rows.set(name, r.rows[0]);
        added++;
      }
      await this.updateDependencies(name, m);
    }
    // Rows whose code is gone and that are not installed cannot be installed any more.
    for (const [name, row] of this.rows) {
      if (!this.addons.has(name) && row.state === 'uninstalled') await this.setState(name, 'uninstallable');
    }
    return [updated, added];
  }

  async updateDependencies(name, m) {
    const row = this.rows.get(name);
    const required = Array.isArray(m.auto_install) ? new Set(m.auto_install) : null;
    const wanted = m.depends.map((d) => ({ name: d, auto_install_required: required ? required.has(d) : true }));
    const have = this.deps.get(name) ?? [];
    const same = have.length === wanted.length && have.every((h, i) => h.name === wanted[i].name && h.auto_install_required === wanted[i].auto_install_required);
    if (!same) {
      await this.client.query('DELETE FROM ir_module_module_dependency WHERE module_id = $1', [row.id]);
      for (const d of wanted) {
        await this.client.query(`INSERT INTO ir_module_module_dependency (module_id, name, auto_install_required, create_uid, create_date, write_uid, write_date)
          VALUES ($1, $2, $3, 1, ${NOW}, 1, ${NOW})`, [row.id, d.name, d.auto_install_required]);
      }
    }
    this.deps.set(name, wanted);
    this.autoInstall.set(name, isAuto(m));
  }

  /** odoo.modules.loading._check_module_names: warns about names that are not modules. */
  checkModuleNames(names) {
    const wanted = new Set(names);
    if (wanted.has('base')) wanted.delete('all');
    const incorrect = [...wanted].filter((n) => n !== 'all' && !this.rows.has(n));
    if (incorrect.length) L.warning('odoo.modules.loading', `invalid module names, ignored: ${incorrect.join(', ')}`);
  }

  /** button_install: the modules, their missing dependencies, then auto_install modules. */
  async buttonInstall(names) {
    const visit = async (name, chain) => {
      const row = this.rows.get(name);
      if (row.state !== 'uninstalled') return;
      await this.setState(name, 'to install');
      for (const dep of this.deps.get(name) ?? []) {
        const drow = this.rows.get(dep.name);
        if (!drow || drow.state === 'uninstallable') {
          throw new OdooError('odoo.exceptions.UserError',
            `You try to install module "${name}" that depends on module "${dep.name}".\nBut the latter module is not available in your system.`);
        }
        if (drow.state === 'uninstalled') await visit(dep.name, [...chain, name]);
      }
    };
    for (const n of names) await visit(n, []);
    // Auto-install modules whose (required) dependencies are all being installed / installed.
    const installStates = new Set(['installed', 'to install', 'to upgrade']);
    for (;;) {
      const more = [];
      for (const [name, row] of this.rows) {
        if (row.state !== 'uninstalled' || !this.autoInstall.get(name)) continue;
        const states = new Set((this.deps.get(name) ?? []).filter((d) => d.auto_install_required).map((d) => this.rows.get(d.name)?.state ?? 'unknown'));
        if ([...states].every((s) => installStates.has(s)) && states.has('to install')) more.push(name);
      }
      if (!more.length) break;
      for (const n of more) await visit(n, []);
    }
  }

  /** button_upgrade: the modules and every installed module depending on them. */
  async buttonUpgrade(names) {
    const pending = [...names];
    const seen = new Set();
    const toInstall = [];
    while (pending.length) {
      const name = pending.pop();
      if (seen.has(name)) continue;
      seen.add(name);
      const row = this.rows.get(name);
      if (!row || !['installed', 'to upgrade'].includes(row.state)) continue;
      await this.setState(name, 'to upgrade');
      for (const [other, deps] of this.deps) {
        if (deps.some((d) => d.name === name) && ['installed', 'to upgrade'].includes(this.rows.get(other)?.state)) pending.push(other);
      }
      for (const dep of this.deps.get(name) ?? []) {
        const drow = this.rows.get(dep.name);
        if (!drow) throw new OdooError('odoo.exceptions.UserError', `You try to upgrade the module ${name} that depends on the module: ${dep.name}.\nBut this module is not available in your system.`);
        if (drow.state === 'uninstalled') toInstall.push(dep.name);
      }
    }
    if (toInstall.length) await this.buttonInstall(toInstall);
  }

  /** button_uninstall + module_uninstall: the modules and installed modules depending on them. */
  async uninstall(names) {
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
        if (all.has(other) || !['installed', 'to upgrade', 'to install'].includes(this.rows.get(other)?.state)) continue;
        if (deps.some((d) => all.has(d.name))) { all.add(other); grew = true; }
      }
    }
    for (const n of all) await this.setState(n, 'to remove');
    for (const n of all) {
      L.info('odoo.addons.base.models.ir_module', `module ${n}: uninstalling`);
      await this.setState(n, 'uninstalled', { latest_version: null });
    }
    return [...all];
  }

  /** Dependency order (deps first), like odoo.modules.graph. */
  topoOrder(names) {
    const out = [];
    const done = new Set();
    const visit = (n, stack) => {
      if (done.has(n) || stack.has(n)) return;
      stack.add(n);
      for (const d of this.deps.get(n) ?? []) visit(d.name, stack);
      stack.delete(n);
      done.add(n);
      out.push(n);
    };
    for (const n of [...names].sort()) visit(n, new Set());
    return out;
  }

  /**
   * load_modules' second half: load every "to install"/"to upgrade" module, deps first.
   * `forced`: installed modules named in -i, which Odoo's graph re-initialises too.
   */
  async loadMarked({ withDemo, forced = new Set() }) {
    const t0 = Date.now();
    const loaded = [...this.rows.values()].filter((r) => ['installed', 'to install', 'to upgrade'].includes(r.state)).map((r) => r.name);
    const order = this.topoOrder(loaded);
    L.info('odoo.modules.loading', `loading ${order.length} modules...`);
    let i = 0;
    for (const name of order) {
      i++;
      const row = this.rows.get(name);
      if (row.state === 'installed' && !forced.has(name)) continue;
      const mod = this.addons.get(name);
      if (!mod || !mod.manifest || !mod.manifest.installable) {
        L.warning('odoo.modules.graph', `module ${name}: not installable, skipped`);
        continue;
      }
      for (const dep of this.deps.get(name) ?? []) {
        const st = this.rows.get(dep.name)?.state;
        if (!['installed', 'to install', 'to upgrade'].includes(st)) {
          throw new OdooError('odoo.exceptions.UserError', `module ${name}: dependency ${dep.name} is not installed (state ${st ?? 'unknown'})`);
        }
      }
      const t = Date.now();
      L.info('odoo.modules.loading', `Loading module ${name} (${i}/${order.length})`);
      const version = (() => {
        try { return adaptVersion(mod.manifest.version, this.series); } catch (e) { throw new OdooError('ValueError', e.message); }
      })();
      L.info('odoo.modules.registry', `module ${name}: creating or updating database tables`);
      const files = [...mod.manifest.data, ...(withDemo && row.state === 'to install' ? mod.manifest.demo : [])];
      for (const f of files) {
        const p = path.join(mod.dir, f);
        if (!fs.existsSync(p)) throw new OdooError('FileNotFoundError', `File not found: ${name}/${f}`);
        L.info('odoo.modules.loading', `loading ${name}/${f}`);
      }
      const demo = row.state === 'to install' ? withDemo : row.demo;
      await this.setState(name, 'installed', { latest_version: version, demo });
      L.info('odoo.modules.loading', `Module ${name} loaded in ${((Date.now() - t) / 1000).toFixed(2)}s, ${files.length * 7 + 12} queries (+${files.length * 7 + 12} other)`);
    }
    L.info('odoo.modules.loading', `${order.length} modules loaded in ${((Date.now() - t0) / 1000).toFixed(2)}s, 0 queries (+0 extra)`);
    const left = [...this.rows.values()].filter((r) => ['to install', 'to upgrade'].includes(r.state)).map((r) => r.name);
    if (left.length) L.error('odoo.modules.loading', `Some modules are not loaded, some dependencies or manifest may be missing: [${left.map((n) => `'${n}'`).join(', ')}]`);
    L.info('odoo.modules.loading', 'Modules loaded.');
  }
}

// Python truthiness of the manifest's auto_install (True or a non-empty list).
const isAuto = (m) => m.auto_install === true || (Array.isArray(m.auto_install) && m.auto_install.length > 0);

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

#!/usr/bin/env node
// Regenerates the odoo stand-in's module catalog of one series from a public mirror of
// Odoo community (a bare git directory, e.g. one brought by the `fetch` tool):
//
//   node operator/sandbox/standins/tools/extract-catalog.mjs \
//     --git-dir /work/.mirror/Clyde1030+odoo17/repo --repository github.com/Clyde1030/odoo17 \
//     > operator/sandbox/standins/catalog/17.0.json
//
// It reads every `<addons root>/<module>/__manifest__.py` (addons roots: odoo/addons, then
// addons — 16.0 keeps most modules in addons/, 17.0 and 18.0 everything in odoo/addons;
// the first root holding a name wins, as in Odoo's addons path) and base's
// data/ir_module_module.xml (the enterprise stubs, rows with to_buy = True). Nothing of the
// source is copied but these facts; the source's licence (LGPL-3) is named in the output.
import { execFileSync } from 'node:child_process';
import { parsePyLiteral } from '../lib/pyliteral.mjs';

const ROOTS = ['odoo/addons', 'addons'];

function args(argv) {
  const out = {};
  for (let i = 0; i < argv.length; i++) {
    const m = /^--([a-z-]+)$/.exec(argv[i]);
    if (!m || i + 1 >= argv.length) throw new Error(`usage: extract-catalog.mjs --git-dir DIR --repository HOST/OWNER/NAME [--rev REV] (bad argument ${argv[i]})`);
    out[m[1]] = argv[++i];
  }
  if (!out['git-dir'] || !out.repository) throw new Error('usage: extract-catalog.mjs --git-dir DIR --repository HOST/OWNER/NAME [--rev REV]');
  return out;
}

function git(gitDir, argv, input) {
  return execFileSync('git', ['--git-dir', gitDir, ...argv], { encoding: 'utf8', input, maxBuffer: 256 * 1024 * 1024 });
}

/** Reads many blobs in one `git cat-file --batch` (REV:path -> text). */
function readBlobs(gitDir, specs) {
  const raw = execFileSync('git', ['--git-dir', gitDir, 'cat-file', '--batch'], { input: specs.join('\n') + '\n', maxBuffer: 512 * 1024 * 1024 });
  const out = new Map();
  let pos = 0;
  for (const spec of specs) {
    const nl = raw.indexOf(10, pos);
    const header = raw.subarray(pos, nl).toString();
    pos = nl + 1;
    const m = /^[0-9a-f]+ blob (\d+)$/.exec(header);
    if (!m) { out.set(spec, null); continue; } // "<spec> missing"
    const size = Number(m[1]);
    out.set(spec, raw.subarray(pos, pos + size).toString('utf8'));
    pos += size + 1;
  }
  return out;
}

// Odoo's manifest defaults (odoo/modules/module.py _DEFAULT_MANIFEST) for what the stand-in uses.
function entry(m) {
  const e = {
    name: String(m.name ?? ''),
    version: String(m.version ?? '1.0'),
    depends: Array.isArray(m.depends) ? m.depends.map(String) : [],
  };
  // auto_install: False, True, or the list of dependencies that trigger it.
  if (Array.isArray(m.auto_install)) e.auto_install = m.auto_install.map(String);
  else if (m.auto_install) e.auto_install = true;
  if (m.installable === false) e.installable = false;
  if (m.application === true) e.application = true;
  e.category = String(m.category ?? 'Uncategorized');
  if (m.sequence !== undefined && Number(m.sequence) !== 100) e.sequence = Number(m.sequence);
  e.license = String(m.license ?? 'LGPL-3');
  if ((m.author ?? 'Odoo S.A.') !== 'Odoo S.A.') e.author = String(m.author);
  return e;
}

/** Enterprise stubs: <record model="ir.module.module"> in base/data/ir_module_module.xml. */
function stubs(xml) {
  const out = {};
  for (const rec of xml.matchAll(/<record\b[^>]*model="ir\.module\.module"[^>]*>([\s\S]*?)<\/record>/g)) {
    const fields = {};
    for (const f of rec[1].matchAll(/<field name="(\w+)"(?:\s+(?:eval|ref)="([^"]*)")?\s*(?:\/>|>([\s\S]*?)<\/field>)/g)) {
      fields[f[1]] = f[3] !== undefined ? f[3].trim() : f[2];
    }
    if (!fields.name) continue;
    out[fields.name] = {
      name: (fields.shortdesc ?? fields.name).replace(/&amp;/g, '&'),
      ...(fields.application === 'True' ? { application: true } : {}),
      ...(fields.sequence ? { sequence: Number(fields.sequence) } : {}),
      license: fields.license ?? 'OEEL-1',
    };
  }
  return out;
}

function main() {
  const a = args(process.argv.slice(2));
  const gitDir = a['git-dir'];
  const rev = a.rev ?? 'HEAD';
  const commit = git(gitDir, ['rev-parse', `${rev}^{commit}`]).trim();
  const release = git(gitDir, ['show', `${commit}:odoo/release.py`]);
  const vi = /^version_info\s*=\s*\((\d+),\s*(\d+)/m.exec(release);
  if (!vi) throw new Error(`${commit}:odoo/release.py: no version_info`);
  const series = `${vi[1]}.${vi[2]}`;
  const files = git(gitDir, ['ls-tree', '-r', '--name-only', commit, '--', ...ROOTS]).split('\n');
  const found = new Map(); // module -> manifest path (first root wins)
  const roots = [];
  for (const root of ROOTS) {
    const re = new RegExp(`^${root.replace('/', '\\/')}/([A-Za-z0-9_]+)/__manifest__\\.py$`);
    let any = false;
    for (const f of files) {
      const m = re.exec(f);
      if (!m) continue;
      any = true;
      if (!found.has(m[1])) found.set(m[1], f);
    }
    if (any) roots.push(root);
  }
  const names = [...found.keys()].sort();
  const blobs = readBlobs(gitDir, names.map((n) => `${commit}:${found.get(n)}`));
  const modules = {};
  for (const n of names) {
    const spec = `${commit}:${found.get(n)}`;
    try {
      modules[n] = entry(parsePyLiteral(blobs.get(spec)));
    } catch (e) {
      throw new Error(`${spec}: ${e.message}`);
    }
  }
  const baseRoot = roots.find((r) => found.get('base')?.startsWith(`${r}/`)) ?? 'odoo/addons';
  const stubXml = blobs.get(`${commit}:${baseRoot}/base/data/ir_module_module.xml`) ?? git(gitDir, ['show', `${commit}:${baseRoot}/base/data/ir_module_module.xml`]);
  const header = {
    series,
    source: {
      repository: a.repository,
      commit,
      paths: roots,
      licence: 'LGPL-3 (Odoo community; see LICENSE and COPYRIGHT in the source)',
      extracted: 'name, version, depends, auto_install, installable, application, category, sequence, license, author of each __manifest__.py; enterprise stubs of base/data/ir_module_module.xml',
    },
    generatedBy: 'operator/sandbox/standins/tools/extract-catalog.mjs',
  };
  // One module per line: small diffs when a mirror moves.
  const lines = [JSON.stringify(header).slice(0, -1) + ',', '"modules": {'];
  names.forEach((n, i) => lines.push(`${JSON.stringify(n)}: ${JSON.stringify(modules[n])}${i < names.length - 1 ? ',' : ''}`));
  lines.push('},', '"stubs": {');
  const st = stubs(stubXml);
  Object.keys(st).sort().forEach((n, i, all) => lines.push(`${JSON.stringify(n)}: ${JSON.stringify(st[n])}${i < all.length - 1 ? ',' : ''}`));
  lines.push('}}');
  process.stdout.write(lines.join('\n') + '\n');
}

main();

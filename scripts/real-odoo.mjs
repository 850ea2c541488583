#!/usr/bin/env node
// Prepares real Odoo for the optional real-Odoo test tier (`npm run test:real-odoo`).
// It downloads nothing: Odoo's own repository is too large to fetch, so the tier uses a
// public mirror of Odoo community you bring yourself as a git directory (a bare clone, or a
// snapshot brought by the `fetch` tool), e.g.
//
//   16.0  github.com/osamamagar/odoo16   (odoo-bin, odoo/ and addons/)
//   17.0  github.com/Clyde1030/odoo17    (every addon under odoo/addons)
//   18.0  github.com/Mshakkir/odoo18     (every addon under odoo/addons)
//
//   node scripts/real-odoo.mjs extract --git-dir /work/.mirror/Clyde1030+odoo17/repo --dest /var/cache/odoops/odoo-17.0
//   node scripts/real-odoo.mjs deps        # Debian's python3-* packages Odoo needs (apt-get, as root)
//   node scripts/real-odoo.mjs check /var/cache/odoops/odoo-17.0
//   ODOOPS_REAL_ODOO=/var/cache/odoops/odoo-17.0 npm run test:real-odoo
//
// Keep the extracted tree outside the clone (it is third-party code, ~1 GB).
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

// Odoo's Python dependencies from Debian 12 only, run with /usr/bin/python3 (measured:
// /work/shared/ODOO-FACTS.md). postgresql-client gives pg_dump/psql to odoo itself.
export const DEBIAN_PACKAGES = [
  'postgresql-client', 'python3-asn1crypto', 'python3-babel', 'python3-cbor2', 'python3-chardet', 'python3-cryptography',
  'python3-dateutil', 'python3-decorator', 'python3-docutils', 'python3-freezegun', 'python3-geoip2', 'python3-gevent',
  'python3-greenlet', 'python3-idna', 'python3-jinja2', 'python3-ldap', 'python3-libsass', 'python3-lxml', 'python3-markupsafe',
  'python3-num2words', 'python3-ofxparse', 'python3-openpyxl', 'python3-openssl', 'python3-passlib', 'python3-pil', 'python3-polib',
  'python3-psutil', 'python3-psycopg2', 'python3-pydot', 'python3-pypdf2', 'python3-qrcode', 'python3-renderpm', 'python3-reportlab',
  'python3-requests', 'python3-rjsmin', 'python3-serial', 'python3-stdnum', 'python3-tz', 'python3-urllib3', 'python3-usb',
  'python3-vobject', 'python3-werkzeug', 'python3-xlrd', 'python3-xlsxwriter', 'python3-xlwt', 'python3-zeep',
];

const USAGE = `usage:
  node scripts/real-odoo.mjs extract --git-dir DIR --dest DEST [--rev REV]
      DEST receives odoo-bin and odoo/ (and addons/ when the mirror has it, as 16.0's)
  node scripts/real-odoo.mjs deps
      apt-get install ${DEBIAN_PACKAGES.length} Debian packages (needs root)
  node scripts/real-odoo.mjs check DEST
      runs DEST/odoo-bin --version with /usr/bin/python3
Then: ODOOPS_REAL_ODOO=DEST npm run test:real-odoo`;

function fail(msg) {
  process.stderr.write(`real-odoo: ${msg}\n`);
  process.exit(2);
}

function options(argv) {
  const out = {};
  for (let i = 0; i < argv.length; i++) {
    const m = /^--([a-z-]+)$/.exec(argv[i]);
    if (!m || i + 1 >= argv.length) fail(`bad argument ${argv[i]}\n${USAGE}`);
    out[m[1]] = argv[++i];
  }
  return out;
}

function extract(argv) {
  const o = options(argv);
  if (!o['git-dir'] || !o.dest) fail(USAGE);
  const rev = o.rev ?? 'HEAD';
  const git = (...a) => execFileSync('git', ['--git-dir', o['git-dir'], ...a], { encoding: 'utf8' });
  const top = git('ls-tree', '--name-only', rev).split('\n');
  if (!top.includes('odoo-bin') || !top.includes('odoo')) fail(`${o['git-dir']} (${rev}) has no odoo-bin and odoo/ at its top: not an Odoo source mirror`);
  const paths = ['odoo-bin', 'odoo', ...(top.includes('addons') ? ['addons'] : [])];
  if (existsSync(o.dest) && readdirSync(o.dest).length) fail(`${o.dest} is not empty`);
  mkdirSync(o.dest, { recursive: true });
  const archive = spawnSync('bash', ['-o', 'pipefail', '-c', 'git --git-dir="$1" archive "$2" "${@:3}" | tar -x -C "$DEST"', 'bash', o['git-dir'], rev, ...paths],
    { stdio: 'inherit', env: { ...process.env, DEST: o.dest } });
  if (archive.status !== 0) fail(`extracting ${paths.join(' ')} failed (exit ${archive.status})`);
  process.stdout.write(`extracted ${paths.join(', ')} of ${git('rev-parse', rev).trim()} into ${o.dest}\n`);
}

function deps() {
  const r = spawnSync('apt-get', ['install', '-y', '--no-install-recommends', ...DEBIAN_PACKAGES], { stdio: 'inherit', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
  process.exit(r.status ?? 1);
}

function check(argv) {
  const dest = argv[0];
  if (!dest || !existsSync(path.join(dest, 'odoo-bin'))) fail(`no odoo-bin in ${dest ?? '(missing DEST)'}\n${USAGE}`);
  const release = readFileSync(path.join(dest, 'odoo/release.py'), 'utf8');
  const series = /^version_info\s*=\s*\((\d+),\s*(\d+)/m.exec(release);
  const r = spawnSync('/usr/bin/python3', [path.join(dest, 'odoo-bin'), '--version'], { encoding: 'utf8' });
  if (r.status !== 0) fail(`odoo-bin --version failed (exit ${r.status}): ${(r.stderr || '').trim().split('\n').slice(-3).join(' | ')}\n(missing Debian packages? node scripts/real-odoo.mjs deps)`);
  process.stdout.write(`${r.stdout.trim()} (series ${series ? `${series[1]}.${series[2]}` : '?'}) — ODOOPS_REAL_ODOO=${path.resolve(dest)} npm run test:real-odoo\n`);
}

const [cmd, ...rest] = process.argv.slice(2);
if (cmd === 'extract') extract(rest);
else if (cmd === 'deps') deps();
else if (cmd === 'check') check(rest);
else process.stdout.write(`${USAGE}\n`);

// The instance renderer (operator/render/instance.ts): desired state -> compose.yaml, .env and
// odoo.conf as the host contract describes them; pure (its imports are checked).
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import type { ClientSpec, InstanceSpec } from '../../operator/desired/types.ts';
import { confValue } from '../../operator/host/commands.ts';
import { odooOptionString } from '../../operator/plan/diff.ts';
import { composeYaml, DB_PASSWORD_SLOT, dbPasswordOf, envContent, instanceDirectories, odooConf, optionValue, renderInstance, renderInstances } from '../../operator/render/instance.ts';

/** An instance's database password as the server makes it (32 characters of [A-Za-z0-9_-]). */
const PW = 'Zr3_kQ9-vT0aLm2XcB7yHn4WsE8uJd6G';
import { RenderError } from '../../operator/render/types.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const t = suite('render: instance files');

function instance(over: Partial<InstanceSpec> = {}): InstanceSpec {
  return {
    name: 'production',
    series: '17.0',
    image: 'registry.example.com/odoo:17.0-20261101',
    database: 'acme_prod',
    domain: 'erp.acme.example',
    httpPort: 8069,
    modules: ['sale_management'],
    removeModules: [],
    addons: [
      { name: 'integrator-addons', url: 'https://git.example.com/integrator/odoo-addons.git', ref: 'v1.0' },
      { name: 'oca-web', url: 'https://github.com/OCA/web.git', ref: '17.0' },
    ],
    options: { workers: 3, proxy_mode: true, limit_memory_hard: 2684354560, list_db: false },
    windows: [],
    ...over,
  };
}

t('renders the three files of the host contract, with their paths and modes', () => {
  const files = renderInstance(instance(), PW);
  assert.equal(
    files.map((f) => [f.path, f.mode.toString(8)]),
    [
      ['/srv/odoo/production/compose.yaml', '644'],
      ['/srv/odoo/production/.env', '600'],
      ['/srv/odoo/production/odoo.conf', '640'],
    ],
  );
  assert.is(files[1]!.content, `ODOO_IMAGE=registry.example.com/odoo:17.0-20261101\nDB_PASSWORD=${PW}\n`);
  assert.equal(instanceDirectories(instance({ name: 'test' })).map((d) => d.path), ['/srv/odoo/test', '/srv/odoo/test/addons', '/srv/odoo/test/filestore']);
});

t('compose.yaml: project odoo-<I>, the image from .env, the instance httpPort on loopback, the volumes odoops reads', () => {
  const doc = parse(composeYaml(instance({ name: 'test', httpPort: 8070 })));
  assert.is(doc.name, 'odoo-test');
  assert.is(doc.services.odoo.image, '${ODOO_IMAGE}');
  assert.equal(doc.services.odoo.ports, ['127.0.0.1:8070:8069']);
  assert.equal(doc.services.odoo.volumes, [
    '/srv/odoo/test/odoo.conf:/etc/odoo/odoo.conf',
    '/srv/odoo/test/addons:/mnt/extra-addons',
    '/srv/odoo/test/filestore:/var/lib/odoo',
  ]);
  assert.equal(doc.services.odoo.depends_on, ['db']);
  assert.is(doc.services.db.image, 'postgres:15');
  assert.is(doc.services.db.ports, undefined, 'the database publishes no port');
});

t('odoo.conf: connection, data_dir, addons_path in order, managed options as Odoo writes them, dbfilter on the database', () => {
  assert.is(
    odooConf(instance(), PW),
    [
      '[options]',
      'db_host = db',
      'db_port = 5432',
      'db_user = odoo',
      `db_password = ${PW}`,
      'db_name = acme_prod',
      'data_dir = /var/lib/odoo',
      'addons_path = /mnt/extra-addons/integrator-addons,/mnt/extra-addons/oca-web',
      'dbfilter = ^acme_prod$',
      'limit_memory_hard = 2684354560',
      'list_db = False',
      'proxy_mode = True',
      'workers = 3',
      '',
    ].join('\n'),
  );
  const bare = odooConf(instance({ addons: [], options: {} }), PW);
  assert.not.match(bare, /addons_path/, 'no addons: Odoo uses its core addons');
  assert.match(odooConf(instance({ options: { dbfilter: '^%d$' } }), PW), /^dbfilter = \^%d\$$/m);
  assert.is((odooConf(instance({ options: { dbfilter: '^%d$' } }), PW).match(/^dbfilter/gm) ?? []).length, 1);
});

t('options odoops owns, bad option names and line breaks are refused with the instance and key', () => {
  for (const [over, message] of [
    [{ options: { db_name: 'other' } }, /instance production: options\.db_name is set by odoops itself/],
    [{ options: { addons_path: '/x' } }, /options\.addons_path is set by odoops/],
    [{ options: { data_dir: '/x' } }, /options\.data_dir is set by odoops/],
    [{ options: { 'workers = 1\nadmin_passwd': 1 } }, /not an odoo\.conf option name/],
    [{ options: { workers: '2\nadmin_passwd = x' } }, /options\.workers: refusing a value with a line break/],
    [{ image: 'odoo:17.0\nEVIL=1' }, /instance production: image: refusing a value with a line break/],
  ] as [Partial<InstanceSpec>, RegExp][]) {
    try {
      renderInstance(instance(over), PW);
      assert.unreachable(JSON.stringify(over));
    } catch (err) {
      assert.instance(err, RenderError);
      assert.is((err as RenderError).code, 'invalid-value');
      assert.match((err as Error).message, message);
    }
  }
});

t('a secret option: its resolved value in odoo.conf, the file secret and 0640 root:101; unresolved or with a line break, refused naming the reference only', () => {
  const inst = instance({ options: { workers: 2, admin_passwd: { secret: 'env:ODOO_ADMIN_ACME' } } });
  const secrets = new Map([['env:ODOO_ADMIN_ACME', 's3cr3t-value']]);
  const conf = renderInstance(inst, PW, secrets).find((f) => f.path.endsWith('odoo.conf'))!;
  assert.match(conf.content, /^admin_passwd = s3cr3t-value$/m);
  assert.equal([conf.mode.toString(8), conf.owner, conf.secret], ['640', 'root:101', true]);
  // Without secret options odoo.conf holds the database password all the same.
  const plain = renderInstance(instance(), PW).find((f) => f.path.endsWith('odoo.conf'))!;
  assert.equal([plain.mode.toString(8), plain.owner, plain.secret], ['640', 'root:101', true]);
  try {
    renderInstance(inst, PW);
    assert.unreachable();
  } catch (err) {
    assert.instance(err, RenderError);
    assert.is((err as RenderError).code, 'missing-secret');
    assert.match((err as Error).message, /instance production: options\.admin_passwd: secret env:ODOO_ADMIN_ACME was not resolved/);
  }
  try {
    renderInstance(inst, PW, new Map([['env:ODOO_ADMIN_ACME', 'x\nadmin_passwd = other']]));
    assert.unreachable();
  } catch (err) {
    assert.is((err as RenderError).code, 'invalid-value');
    assert.not.match((err as Error).message, /other/, 'the value is never quoted');
  }
});

t('renderInstances: every instance of a client in one Rendering, sorted by path, with a stable digest', () => {
  const client = { name: 'acme', instances: [instance({ name: 'test', database: 'acme_test', httpPort: 8070 }), instance()] } as ClientSpec;
  const pws = new Map([['test', PW], ['production', PW.split('').reverse().join('')]]);
  const r = renderInstances(client, pws);
  assert.is(r.target, 'instances acme');
  assert.equal(r.files.map((f) => f.path), [
    '/srv/odoo/production/.env',
    '/srv/odoo/production/compose.yaml',
    '/srv/odoo/production/odoo.conf',
    '/srv/odoo/test/.env',
    '/srv/odoo/test/compose.yaml',
    '/srv/odoo/test/odoo.conf',
  ]);
  assert.equal(r.validate, []);
  assert.match(r.digest, /^sha256:[0-9a-f]{64}$/);
  assert.is(renderInstances(client, pws).digest, r.digest, 'same spec, same digest');
  const changed = renderInstances({ ...client, instances: [client.instances[0]!, instance({ options: { workers: 4 } })] }, pws);
  assert.is.not(changed.digest, r.digest, 'an option change changes the digest');
});

t('the database password: per instance, in .env (compose passes it to the db service) and odoo.conf only; read back from .env; bad forms refused unquoted', () => {
  const inst = instance();
  const files = renderInstance(inst, PW);
  const compose = files.find((f) => f.path.endsWith('compose.yaml'))!;
  assert.not.ok(compose.content.includes(PW), 'compose.yaml carries no password');
  assert.is(parse(compose.content).services.db.environment.POSTGRES_PASSWORD, '${DB_PASSWORD:?DB_PASSWORD missing in /srv/odoo/production/.env}');
  assert.equal(files.filter((f) => f.content.includes(PW)).map((f) => [f.path, f.mode.toString(8), f.secret]), [
    ['/srv/odoo/production/.env', '600', true],
    ['/srv/odoo/production/odoo.conf', '640', true],
  ]);
  assert.is(dbPasswordOf(envContent(inst, PW)), PW);
  assert.is(dbPasswordOf('ODOO_IMAGE=odoo:17\n'), null);
  assert.not.match(composeYaml(inst), /password: odoo|db_password = odoo/, 'no constant password left');
  assert.ok(DB_PASSWORD_SLOT.length >= 24 && renderInstance(inst, DB_PASSWORD_SLOT).length === 3, 'the provisioning slot is a valid form');
  for (const bad of ['odoo', 'x'.repeat(23), `${'y'.repeat(30)}\nEVIL=1`, `${'z'.repeat(30)} #`]) {
    try {
      renderInstance(inst, bad);
      assert.unreachable(bad);
    } catch (err) {
      assert.instance(err, RenderError);
      assert.is((err as RenderError).code, 'invalid-value');
      assert.not.ok((err as Error).message.includes(bad), 'the value is never quoted');
    }
  }
});

t('operator/host/paths.ts, whose paths the renderer uses, imports nothing but util/errors (render stays pure)', () => {
  const src = readFileSync(path.join(root, 'operator/host/paths.ts'), 'utf8');
  const imports = [...src.matchAll(/(?:^|\n)\s*(?:import|export)\b[^'"]*?from\s*['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/g)].map((m) => (m[1] ?? m[2])!);
  assert.equal(imports, ['../util/errors.ts']);
});

t('option values are written as write-config writes them and as the plan compares them', () => {
  for (const v of [true, false, 0, 2, 2684354560, 1.5, 'text', '']) {
    assert.is(optionValue(v), confValue(v), String(v));
    assert.is(optionValue(v), odooOptionString(v), String(v));
  }
});

t.run();

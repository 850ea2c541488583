/**
 * renderTraefik checked against Traefik v3's published schema for the file provider
 * (SchemaStore, vendored): the rendered YAML parsed back validates; broken outputs are
 * rejected (so the check can fail); secrets stay out of the printable configuration.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { parse } from 'yaml';
import type { ClientSpec } from '../../operator/desired/types.ts';
import { checkHtpasswd, renderTraefik, traefikDynamicConfig } from '../../operator/render/traefik.ts';
import { traefikSchemaErrors } from '../../operator/render/traefik-schema.ts';
import { exampleClient, exampleState, fileAt } from './helpers.ts';

const USERS = 'alice:$2y$05$c4WoMPo3SXsafkva.HHa6uXQZWr7oboPiC2bT/r7q1BB8I2s0BRqC\nbob:$apr1$9Cv/OMGj$ZomWQzuQbL.3TRCS81A1g/\n';
const SECRETS = new Map([['env:ODOOPS_HTPASSWD_ACME_TEST', USERS]]);

type Routers = Record<string, { rule: string; entryPoints: string[]; middlewares?: string[]; service: string; tls?: { certResolver: string } }>;
const parsed = (content: string) => parse(content) as { http: { routers: Routers; services: Record<string, { loadBalancer: { servers: { url: string }[] } }>; middlewares: Record<string, Record<string, Record<string, unknown>>> } };

test('every example client renders YAML that validates against traefik-v3-file-provider.json', async () => {
  const state = await exampleState();
  for (const c of state.clients) {
    const r = renderTraefik(c, SECRETS);
    const yml = fileAt(r.files, '/etc/traefik/dynamic/odoops.yml');
    assert.equal(traefikSchemaErrors(parse(yml.content)), [], c.name);
    const cfg = parsed(yml.content);
    for (const i of c.instances) {
      const id = `${c.name}-${i.name}`;
      assert.is(cfg.http.routers[id]!.rule, `Host(\`${i.domain}\`)`);
      assert.equal(cfg.http.routers[id]!.entryPoints, ['websecure']);
      assert.equal(cfg.http.routers[id]!.tls, { certResolver: 'letsencrypt' });
      assert.equal(cfg.http.routers[`${id}-http`]!.middlewares, ['odoops-https-redirect'], 'HTTP only redirects');
      assert.equal(cfg.http.services[id]!.loadBalancer.servers, [{ url: `http://127.0.0.1:${i.httpPort}` }]);
    }
  }
});

test('protection: office allow-list (fleet default) with the monitoring servers let in', async () => {
  const boreal = await exampleClient('boreal');
  const cfg = parsed(fileAt(renderTraefik(boreal).files, '/etc/traefik/dynamic/odoops.yml').content);
  assert.equal(cfg.http.routers['boreal-test']!.middlewares, ['odoops-security-headers', 'boreal-test-allow']);
  assert.equal(cfg.http.middlewares['boreal-test-allow']!.ipAllowList!.sourceRange, ['192.0.2.0/28', '198.51.100.201', '203.0.113.202']);
  assert.equal(cfg.http.routers['boreal-production']!.middlewares, ['odoops-security-headers'], 'production is public');
  const noMon: ClientSpec = { ...boreal, proxy: { ...boreal.proxy, protect: { test: { ipAllowList: ['192.0.2.0/28'], allowMonitoring: false } } } };
  const cfg2 = parsed(fileAt(renderTraefik(noMon).files, '/etc/traefik/dynamic/odoops.yml').content);
  assert.equal(cfg2.http.middlewares['boreal-test-allow']!.ipAllowList!.sourceRange, ['192.0.2.0/28']);
});

test('protection: basic auth from a resolved secret, in its own 0600 file; monitoring bypass router', async () => {
  const acme = await exampleClient('acme');
  const r = renderTraefik(acme, SECRETS);
  const users = fileAt(r.files, '/etc/traefik/odoops/test.htpasswd');
  assert.equal({ mode: users.mode, secret: users.secret }, { mode: 0o600, secret: true });
  assert.is(users.content, USERS);
  const yml = fileAt(r.files, '/etc/traefik/dynamic/odoops.yml');
  assert.not.ok(yml.secret);
  assert.not.match(yml.content, /\$2y\$|\$apr1\$|alice|bob/, 'no user or hash in the printable configuration');
  const cfg = parsed(yml.content);
  assert.equal(cfg.http.middlewares['acme-test-auth']!.basicAuth, { usersFile: '/etc/traefik/odoops/test.htpasswd', realm: 'Acme test', removeHeader: true });
  const mon = cfg.http.routers['acme-test-monitoring']!;
  assert.is(mon.rule, 'Host(`test.erp.acme.example`) && (ClientIP(`198.51.100.201`) || ClientIP(`203.0.113.202`))');
  assert.ok(mon.rule.length > cfg.http.routers['acme-test']!.rule.length, 'longer rule: higher default priority');
  assert.not.ok(mon.middlewares!.includes('acme-test-auth'));
  assert.is(mon.service, 'acme-test');
  // Another password: another digest (drift of the users file is seen), same dynamic file.
  const other = renderTraefik(acme, new Map([['env:ODOOPS_HTPASSWD_ACME_TEST', 'carol:$2y$05$c4WoMPo3SXsafkva.HHa6uXQZWr7oboPiC2bT/r7q1BB8I2s0BRqD']]));
  assert.is.not(other.digest, r.digest);
  assert.is(fileAt(other.files, '/etc/traefik/dynamic/odoops.yml').content, yml.content);
});

test('secrets: missing or malformed users are clear errors that never show the value', async () => {
  const acme = await exampleClient('acme');
  assert.throws(() => renderTraefik(acme), /proxy\.protect\.test\.basicAuth\.usersSecret: secret env:ODOOPS_HTPASSWD_ACME_TEST was not resolved/);
  const plain = 'alice:hunter2-plaintext';
  try {
    renderTraefik(acme, new Map([['env:ODOOPS_HTPASSWD_ACME_TEST', plain]]));
    assert.unreachable('a plain-text password must be refused');
  } catch (err) {
    const msg = (err as Error).message;
    assert.match(msg, /user 1 is not hashed with bcrypt, apr1 or SHA/);
    assert.not.match(msg, /hunter2|alice/);
  }
  assert.throws(() => checkHtpasswd('\n# nobody\n', 'x'), /x: no users/);
  assert.throws(() => checkHtpasswd('ok:$2y$05$abc\nnot a line', 'x'), /x: user 2 is not an htpasswd line/);
});

test('the schema check can fail: broken outputs are rejected with their JSON path', async () => {
  const acme = await exampleClient('acme');
  const good = traefikDynamicConfig(acme, SECRETS).config as { http: { routers: Routers; services: Record<string, unknown> } };
  const clone = () => structuredClone(good) as { http: { routers: Record<string, Record<string, unknown>>; services: Record<string, Record<string, unknown>> } };

  const noService = clone();
  delete noService.http.routers['acme-production']!.service;
  assert.ok(traefikSchemaErrors(noService).some((e) => e.startsWith('/http/routers/acme-production') && /service/.test(e)));

  const typo = clone();
  typo.http.routers['acme-production']!.entrypoints = typo.http.routers['acme-production']!.entryPoints;
  delete typo.http.routers['acme-production']!.entryPoints;
  assert.ok(traefikSchemaErrors(typo).some((e) => /entrypoints/.test(e)), 'misspelled key');

  const uri = clone();
  uri.http.services['acme-production'] = { loadBalancer: { servers: [{ uri: 'http://127.0.0.1:8069' }] } };
  assert.ok(traefikSchemaErrors(uri).length > 0, 'uri instead of url');

  const wrongType = clone();
  wrongType.http.routers['acme-production']!.priority = 'high';
  assert.ok(traefikSchemaErrors(wrongType).some((e) => /priority/.test(e)));
});

test('values the proxy cannot take are clear errors', async () => {
  const boreal = await exampleClient('boreal');
  const named: ClientSpec = { ...boreal, proxy: { ...boreal.proxy, protect: { test: { ipAllowList: ['office.example.com'] } } } };
  assert.throws(() => renderTraefik(named), /proxy\.protect\.test\.ipAllowList: "office\.example\.com" is not an IP address or CIDR range/);
  const sameDomain: ClientSpec = { ...boreal, instances: boreal.instances.map((i) => ({ ...i, domain: 'odoo.boreal.example' })) };
  assert.throws(() => renderTraefik(sameDomain), /instances test and production have the same domain odoo\.boreal\.example/);
  const monNames: ClientSpec = { ...boreal, monitoring: { ...boreal.monitoring, servers: ['nagios1.example'] } };
  assert.throws(() => renderTraefik(monNames), /monitoring\.servers: "nagios1\.example" is not an IP address/);
  const noMonitoringBypass: ClientSpec = { ...monNames, proxy: { ...boreal.proxy, protect: { test: { ipAllowList: ['192.0.2.0/28'], allowMonitoring: false } } } };
  assert.ok(renderTraefik(noMonitoringBypass).files.length === 1);
});

test.run();

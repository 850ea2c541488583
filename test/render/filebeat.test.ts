/**
 * renderFilebeat: structure only. No filebeat exists in Debian, so the configuration is NOT
 * checked by the program itself (the README says so); this pins what it ships and where.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { parse } from 'yaml';
import { renderFilebeat } from '../../operator/render/filebeat.ts';
import { exampleClient, exampleState, fileAt } from './helpers.ts';

const CA = '-----BEGIN CERTIFICATE-----\nMIIBfake\n-----END CERTIFICATE-----\n';

test('filebeat ships each Odoo log and the auth log to Logstash over TLS checked against the CA', async () => {
  const state = await exampleState();
  const acme = await exampleClient('acme');
  const r = renderFilebeat(state.fleet, acme, new Map([['file:/etc/odoops/log-ca.pem', CA]]));
  const cfg = parse(fileAt(r.files, '/etc/filebeat/filebeat.yml').content) as Record<string, any>;
  assert.equal(cfg['filebeat.inputs'].map((i: any) => [i.id, i.paths]), [
    ['odoo-test', ['/srv/odoo/test/log/odoo.log']],
    ['odoo-production', ['/srv/odoo/production/log/odoo.log']],
    ['auth', ['/var/log/auth.log']],
  ]);
  assert.equal(cfg['output.logstash'], { hosts: ['logs.integrator.example:5044'], 'ssl.certificate_authorities': ['/etc/odoops/filebeat/log-ca.pem'], 'ssl.verification_mode': 'full' });
  assert.is(fileAt(r.files, '/etc/odoops/filebeat/log-ca.pem').content, CA);
  assert.equal(r.validate.map((v) => v.argv), [['filebeat', 'test', 'config', '-c', '/etc/filebeat/filebeat.yml']]);
  assert.throws(() => renderFilebeat(state.fleet, acme, new Map([['file:/etc/odoops/log-ca.pem', 'nope']])), /not a PEM certificate/);
});

test.run();

/**
 * The firewall table checked with `nft -c`, then applied for real inside a network
 * namespace this test creates (the machine's own ruleset is never touched), and proven with
 * real TCP connections from a "monitoring server" and from a stranger: allowed ports open,
 * others dropped, NRPE only from the monitoring server, loopback and replies let through;
 * a reload replaces only its own table.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fs from 'node:fs';
import path from 'node:path';
import type { ClientSpec } from '../../operator/desired/types.ts';
import { NFT_TABLE, nftablesRuleset } from '../../operator/render/nftables.ts';
import { run } from '../../operator/sandbox/proc.ts';
import { exampleClient, tempDir } from './helpers.ts';
import { TestNet } from './netns.ts';

const CHECK_TCP = '/usr/lib/nagios/plugins/check_tcp';
let net: TestNet | undefined;
const dir = tempDir('nftables');
test.after(async () => {
  await net?.destroy();
  fs.rmSync(dir, { recursive: true, force: true });
});

/** One process listening on every given TCP port of every address of its namespace. */
const LISTENER = "const net=require('net');for(const p of process.argv.slice(1))net.createServer(s=>{s.on('error',()=>{});s.end('hi\\n');}).listen(+p,'0.0.0.0');";

test('nft -c accepts the example rulesets and refuses a broken one; names are clear errors', async () => {
  for (const name of ['acme', 'boreal', 'cobalt']) {
    const f = nftablesRuleset(await exampleClient(name), path.join(dir, `${name}.nft`));
    fs.writeFileSync(f.path, f.content);
    const r = await run(['nft', '-c', '-f', f.path]);
    assert.is(r.code, 0, `${name}: ${r.stderr}`);
  }
  const cobalt = fs.readFileSync(path.join(dir, 'cobalt.nft'), 'utf8');
  assert.match(cobalt, /tcp dport \{ 22, 80, 443, 8443 \} accept/);
  assert.match(cobalt, /elements = \{ 198\.51\.100\.201, 203\.0\.113\.202 \}/);
  assert.match(cobalt, /ip saddr @nrpe_v4 tcp dport 5666 accept/);
  assert.not.match(cobalt, /flush ruleset/);
  fs.writeFileSync(path.join(dir, 'broken.nft'), cobalt.replace('policy drop;', 'policy dorp;'));
  const bad = await run(['nft', '-c', '-f', path.join(dir, 'broken.nft')]);
  assert.is(bad.code, 1);
  assert.match(bad.stderr, /broken\.nft:\d+:\d+-\d+: Error/);

  const acme = await exampleClient('acme');
  assert.throws(() => nftablesRuleset({ ...acme, monitoring: { ...acme.monitoring, servers: ['nagios1.example'] } }), /monitoring\.servers: "nagios1\.example" is not an IP address or CIDR range \(the firewall needs addresses/);
  const ssh2222 = nftablesRuleset({ ...acme, server: { ...acme.server, port: 2222 }, security: { ...acme.security, firewallAllowTcp: [80, 443, 5666] } });
  assert.match(ssh2222.content, /tcp dport \{ 80, 443, 2222 \} accept/, 'the SSH port always; 5666 never open to all');
  const v6: ClientSpec = { ...acme, monitoring: { ...acme.monitoring, servers: ['2001:db8::5', '198.51.100.0/24'] } };
  const f6 = nftablesRuleset(v6, path.join(dir, 'v6.nft'));
  fs.writeFileSync(f6.path, f6.content);
  assert.match(f6.content, /ip6 saddr @nrpe_v6 tcp dport 5666 accept/);
  assert.is((await run(['nft', '-c', '-f', f6.path])).code, 0);
});

test('applied in a namespace: allowed ports open, others dropped, NRPE from the monitoring server only', async () => {
  net = await TestNet.create('nft', ['mon', 'other']);
  const mon = net.peer('mon');
  const other = net.peer('other');
  const base = await exampleClient('acme');
  const client: ClientSpec = { ...base, monitoring: { ...base.monitoring, servers: [mon.address] }, security: { ...base.security, firewallAllowTcp: [22, 80] } };
  const file = nftablesRuleset(client, path.join(dir, 'applied.nft'));
  fs.writeFileSync(file.path, file.content);

  await net.start(net.hub, [process.execPath, '-e', LISTENER, '80', '8080', '5666'], path.join(dir, 'listen.log'));
  await net.start(mon.netns, [process.execPath, '-e', LISTENER, '9000'], path.join(dir, 'mon-listen.log'));
  const tcp = async (ns: string, host: string, port: number) => (await net!.exec(ns, [CHECK_TCP, '-H', host, '-p', String(port), '-t', '2'])).code === 0;
  await net.until('listeners up', async () => (await tcp(other.netns, other.hubAddress, 8080)) && (await tcp(net!.hub, mon.address, 9000)));
  assert.ok(await tcp(other.netns, other.hubAddress, 5666), 'before the firewall, anything is reachable (the test can see a difference)');

  // A table that is not ours (like fail2ban's) must survive loading ours, twice.
  const f2b = await net.exec(net.hub, ['nft', 'add table inet f2b-table']);
  assert.is(f2b.code, 0, f2b.stderr);
  for (let i = 0; i < 2; i++) {
    const applied = await net.exec(net.hub, ['nft', '-f', file.path]);
    assert.is(applied.code, 0, applied.stderr);
  }
  const tables = await net.exec(net.hub, ['nft', 'list', 'tables']);
  assert.equal(tables.stdout.trim().split('\n').sort(), ['table inet f2b-table', `table inet ${NFT_TABLE}`]);
  const chains = await net.exec(net.hub, ['nft', 'list', 'table', 'inet', NFT_TABLE]);
  assert.is(chains.stdout.match(/chain input/g)?.length, 1, 'reloading replaced the table, did not add to it');

  assert.ok(await tcp(other.netns, other.hubAddress, 80), 'allowed port, from anyone');
  assert.not.ok(await tcp(other.netns, other.hubAddress, 8080), 'not allowed: dropped');
  assert.not.ok(await tcp(other.netns, other.hubAddress, 5666), 'NRPE from a stranger: dropped');
  assert.ok(await tcp(mon.netns, mon.hubAddress, 5666), 'NRPE from the monitoring server');
  assert.not.ok(await tcp(mon.netns, mon.hubAddress, 8080), 'the monitoring server gets NRPE only');
  assert.ok(await tcp(net.hub, '127.0.0.1', 8080), 'loopback');
  assert.ok(await tcp(net.hub, mon.address, 9000), 'replies to outgoing connections (established)');
  const ping = await net.exec(other.netns, ['ping', '-c', '1', '-W', '2', other.hubAddress]);
  assert.is(ping.code, 0, 'ICMP');
});

test.run();

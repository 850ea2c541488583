// --client CLIENT/INSTANCE: one instance of a client, several add up, the whole client wins;
// unknown clients and instances are usage errors that name what exists.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { ClientSpec } from '../../operator/desired/types.ts';
import { parseClientSelector, selectClients, selectTargets } from '../../operator/runners/target.ts';
import { UsageError } from '../../operator/util/errors.ts';

const spec = (name: string, instances: string[]): ClientSpec => ({ name, instances: instances.map((i) => ({ name: i })) }) as unknown as ClientSpec;
const all = [spec('shop', ['production', 'test']), spec('acme', ['production', 'staging', 'test'])];
const shape = (cs: ClientSpec[]) => cs.map((c) => `${c.name}:${c.instances.map((i) => i.name).join(',')}`);

function usage(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    assert.instance(err, UsageError);
    return (err as Error).message;
  }
  assert.unreachable('expected a usage error');
  return '';
}

test('a client name selects the whole client; CLIENT/INSTANCE one instance', () => {
  assert.equal(shape(selectTargets(all, ['shop'])), ['shop:production,test']);
  assert.equal(shape(selectTargets(all, ['shop/test'])), ['shop:test']);
  assert.equal(shape(selectTargets(all, ['acme/staging', 'shop'])), ['acme:staging', 'shop:production,test']);
  assert.equal(shape(selectTargets(all, undefined)), ['shop:production,test', 'acme:production,staging,test']);
});

test('instances add up in the spec order; the client with one of its instances is the whole client', () => {
  assert.equal(shape(selectTargets(all, ['acme/test', 'acme/production'])), ['acme:production,test']);
  assert.equal(shape(selectTargets(all, ['shop', 'shop/test'])), ['shop:production,test']);
  assert.equal(shape(selectTargets(all, ['shop/test', 'shop'])), ['shop:production,test']);
  assert.equal(shape(selectTargets(all, ['shop/test', 'shop/test'])), ['shop:test']);
});

test('the selection leaves the loaded specs untouched', () => {
  selectTargets(all, ['shop/test']);
  assert.equal(shape(all), ['shop:production,test', 'acme:production,staging,test']);
});

test('unknown instance: a usage error naming the client instances', () => {
  assert.is(usage(() => selectTargets(all, ['shop/staging'])), 'unknown instance "shop/staging" (shop has: production, test)');
});

test('unknown client: the one wording, with or without an instance', () => {
  assert.match(usage(() => selectTargets(all, ['nope/test'])), /^unknown client "nope" \(known: shop, acme\)$/);
  assert.match(usage(() => selectTargets(all, ['nope', 'nope/test'])), /^unknown client "nope" \(known/);
});

test('malformed selectors are refused with the expected form', () => {
  for (const bad of ['shop/', '/test', 'shop/test/x']) assert.match(usage(() => parseClientSelector(bad)), /expected CLIENT or CLIENT\/INSTANCE/);
});

test('whole-client commands refuse an instance selector', () => {
  assert.match(usage(() => selectClients(all, ['shop/test'])), /works on whole clients; name the client alone \("shop"\)/);
  assert.equal(shape(selectClients(all, ['shop'])), ['shop:production,test']);
});

test.run();

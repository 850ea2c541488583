// --shard I/N: every client in exactly one shard, for several totals; stable; bad input refused.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { inShard, parseShard, shardOf } from '../../operator/runners/shard.ts';

const names = [...Array.from({ length: 300 }, (_, i) => `client-${i}`), 'acme', 'boreal', 'cobalt', 'acme2', 'x'].map((name) => ({ name }));

test('every client is in exactly one shard, for totals 1 to 9 and 16', () => {
  for (const total of [1, 2, 3, 4, 5, 6, 7, 8, 9, 16]) {
    const seen = new Map<string, number>();
    for (let index = 1; index <= total; index++) {
      for (const c of inShard(names, { index, total })) seen.set(c.name, (seen.get(c.name) ?? 0) + 1);
    }
    assert.is(seen.size, names.length, `total ${total}: every client somewhere`);
    assert.ok([...seen.values()].every((n) => n === 1), `total ${total}: no client twice`);
    if (total > 1 && total <= 8) {
      // A hash, not a round robin: still no shard is empty with 305 clients.
      for (let index = 1; index <= total; index++) assert.ok(inShard(names, { index, total }).length > 0, `shard ${index}/${total} not empty`);
    }
  }
});

test('stable: a client keeps its shard whatever the others are (order, additions)', () => {
  const before = new Map(names.map((c) => [c.name, shardOf(c.name, 4)]));
  const shuffled = [...names].reverse().concat([{ name: 'newcomer' }]);
  for (let index = 1; index <= 4; index++) {
    for (const c of inShard(shuffled, { index, total: 4 })) if (c.name !== 'newcomer') assert.is(before.get(c.name), index);
  }
  // Pinned values: a change of the hash would move every client between CI jobs.
  // (SHA-256 of the name, first 32 bits, mod N, plus 1.)
  assert.equal(['acme', 'boreal', 'cobalt'].map((n) => shardOf(n, 3)), [2, 1, 2]);
  assert.equal(['acme', 'boreal', 'cobalt'].map((n) => shardOf(n, 4)), [2, 2, 2]);
  assert.is(shardOf('acme', 1), 1);
});

test('parseShard: I/N with 1 <= I <= N, else a usage error naming the value', () => {
  assert.equal(parseShard('2/4'), { index: 2, total: 4 });
  assert.equal(parseShard(' 1 / 1 '), { index: 1, total: 1 });
  for (const bad of ['0/4', '5/4', '/', '1/0', 'a/b', '1', '', '1/4/2']) {
    assert.throws(() => parseShard(bad), (e: Error) => e.message.includes(`got "${bad}"`) && e.message.includes('CI_NODE_INDEX'), bad);
  }
});

test.run();

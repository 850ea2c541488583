// --json of plan, apply and drift: one envelope (format 2), the same keys for all three,
// printed through toJson (sorted keys, URL credentials redacted).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { ApplyResult } from '../../operator/apply/types.ts';
import type { FleetDriftStatus } from '../../operator/drift/types.ts';
import type { Plan } from '../../operator/plan/types.ts';
import { applyJson, driftJson, JSON_FORMAT, planJson, toJson } from '../../operator/report/index.ts';

const at = new Date('2026-12-01T23:00:00Z');
const plan = { client: 'shop', revision: 'abc', instances: [] } as unknown as Plan;
const apply = { client: 'shop', revision: 'abc', instances: [], durationMs: 5, error: { code: 'unreachable', message: 'https://user:s3cret@git.example/x.git unreachable' } } as unknown as ApplyResult;
const drift: FleetDriftStatus = { format: 1, revision: 'abc', checkedAt: at.toISOString(), drifted: false, counts: { clients: 1, inSync: 1 } as unknown as FleetDriftStatus['counts'], clients: [{ client: 'shop' } as FleetDriftStatus['clients'][number]] };

test('plan, apply and drift share the envelope keys', () => {
  const docs = [planJson([plan], { revision: 'abc', at }), applyJson([apply], { revision: 'abc', at }), driftJson(drift)].map((d) => JSON.parse(toJson(d)) as Record<string, unknown>);
  assert.equal(docs.map((d) => d.command), ['plan', 'apply', 'drift']);
  for (const d of docs) {
    assert.is(d.format, JSON_FORMAT);
    assert.is(d.format, 2);
    assert.is(d.revision, 'abc');
    assert.is(d.at, '2026-12-01T23:00:00.000Z');
    assert.equal((d.clients as { client: string }[]).map((c) => c.client), ['shop']);
    assert.not.ok('monitoring' in d, 'no monitoring key without --managed-files');
  }
  assert.is(docs[2]!.drifted, false);
  assert.ok(docs[2]!.counts);
  assert.not.ok('drifted' in docs[0]!);
});

test('monitoring rides along when given; credentials in URLs never print', () => {
  const text = toJson(applyJson([apply], { revision: 'abc', at, monitoring: [{ server: 'mon1' }] }));
  assert.ok(!text.includes('s3cret'), text);
  assert.equal((JSON.parse(text) as { monitoring: unknown[] }).monitoring, [{ server: 'mon1' }]);
});

test.run();

/**
 * What a dead run left, read from its journal lines (operator/apply/recover.ts): per instance
 * it had started and not finished, what it may have touched and where its snapshot is.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { unfinishedInstances } from '../../operator/apply/recover.ts';
import type { JournalEntry } from '../../operator/apply/journal.ts';

const line = (instance: string, step: string, outcome: string, extra: Partial<JournalEntry> = {}): JournalEntry => ({
  at: '2026-11-25T10:00:00Z', runId: 'dead', client: 'acme', revision: 'r', instance, step, outcome, ...extra,
});

test('an instance the dead run finished is left alone; one it died in says what it touched', () => {
  const found = unfinishedInstances([
    line('-', 'lock', 'stale-taken-over'),
    line('test', 'snapshot', 'start', { database: false }),
    line('test', 'snapshot', 'ok', { snapshot: '/s/test/1' }),
    line('test', 'write-config', 'start'),
    line('test', 'write-config', 'ok'),
    line('test', 'instance', 'applied'),
    line('production', 'stop', 'start'),
    line('production', 'stop', 'ok'),
    line('production', 'snapshot', 'start', { database: true }),
    line('production', 'snapshot', 'ok', { snapshot: '/s/production/1' }),
    line('production', 'install-modules', 'start'),
  ]);
  assert.equal(found.map((d) => d.instance), ['production']);
  const p = found[0]!;
  assert.equal([...p.touched].sort(), ['database', 'odoo-stopped']);
  assert.is(p.snapshot, '/s/production/1');
  assert.is(p.snapshotWithDatabase, true);
  assert.is(p.snapshotDumped, true);
  assert.is(p.lastStep, 'install-modules');
  assert.is(p.inRollback, false);
});

test('died in its snapshot: only odoo may have been stopped, there is no snapshot to restore from', () => {
  const [d] = unfinishedInstances([line('production', 'snapshot', 'start', { database: true })]);
  assert.equal([...d!.touched], ['odoo-stopped']);
  assert.is(d!.snapshot, null);
  const [files] = unfinishedInstances([line('test', 'snapshot', 'start', { database: false })]);
  assert.equal([...files!.touched], [], 'a files-only snapshot never stops odoo');
});

test('died inside a rollback: reported as such, with everything the run had started', () => {
  const [d] = unfinishedInstances([
    line('test', 'snapshot', 'start', { database: false }),
    line('test', 'snapshot', 'ok', { snapshot: '/s/test/2' }),
    line('test', 'checkout-addons', 'start'),
    line('test', 'checkout-addons', 'failed'),
    line('test', 'rollback', 'start'),
  ]);
  assert.is(d!.inRollback, true);
  assert.equal([...d!.touched].sort(), ['addons', 'conf']);
  // A rollback that ended (ok, or failed with its marker) needs nothing more, even without the instance line.
  assert.equal(unfinishedInstances([
    line('test', 'snapshot', 'ok', { snapshot: '/s/test/2' }),
    line('test', 'install-modules', 'start'),
    line('test', 'rollback', 'start'),
    line('test', 'rollback', 'ok'),
  ]), []);
});

test.run();

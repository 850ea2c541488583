// The drift classifier and the applied state are pure (tested with plain data, run by the CLI,
// the server and the executor alike): they import no module that can reach the file system,
// processes or the network.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const PURE = ['operator/drift/types.ts', 'operator/drift/applied-state.ts', 'operator/drift/classify.ts', 'operator/report/drift-status.ts', 'operator/report/drift-issue.ts'];
const ALLOWED = /^operator\/(drift\/(types|applied-state|classify)|plan\/(types|diff|windows|managed)|managed\/types|desired\/types|live\/types|report\/(format|drift-status|drift-issue))\.ts$|^(node:crypto|jsondiffpatch|picocolors|croner|luxon)$/;

test('operator/drift pure files and the drift renderings import only pure modules', () => {
  const bad: string[] = [];
  for (const f of PURE) {
    const src = readFileSync(path.join(root, f), 'utf8');
    for (const m of src.matchAll(/(?:^|\n)\s*(?:import|export)\b[^'"]*?from\s*['"]([^'"]+)['"]/g)) {
      const spec = m[1]!;
      const target = spec.startsWith('.') ? path.posix.normalize(path.posix.join(path.posix.dirname(f), spec)) : spec;
      if (!ALLOWED.test(target)) bad.push(`${f}: ${spec}`);
    }
  }
  assert.equal(bad, []);
});

test.run();

// plan/, report/ and provision/ must stay pure: no module that can reach the file system, processes or the
// network. This reads their import lines and fails on anything outside an allow-list.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const PACKAGES = new Set(['croner', 'luxon', 'jsondiffpatch', 'picocolors']);
// Local modules plan/report may use: each other, the type contracts and the error classes.
const LOCAL = /^operator\/(plan|report|provision)\/[\w.-]+\.ts$|^operator\/(desired|live|apply|managed|drift)\/types\.ts$|^operator\/util\/errors\.ts$/;

function files(dir: string): string[] {
  return readdirSync(path.join(root, dir), { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? files(path.join(dir, e.name)) : e.name.endsWith('.ts') ? [path.join(dir, e.name)] : [],
  );
}

function imports(file: string): string[] {
  return importsOf(readFileSync(path.join(root, file), 'utf8'));
}

function importsOf(src: string): string[] {
  const out: string[] = [];
  for (const m of src.matchAll(/(?:^|\n)\s*(?:import|export)\b[^'"]*?from\s*['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)|require\(\s*['"]([^'"]+)['"]\s*\)/g)) {
    out.push((m[1] ?? m[2] ?? m[3]) as string);
  }
  return out;
}

test('operator/plan, operator/report and operator/provision import no I/O module', () => {
  const checked = [...files('operator/plan'), ...files('operator/report'), ...files('operator/provision')];
  assert.ok(checked.length >= 8, `found ${checked.length} files`);
  const bad: string[] = [];
  for (const f of checked) {
    for (const spec of imports(f)) {
      if (spec.startsWith('.')) {
        const target = path.posix.normalize(path.posix.join(path.posix.dirname(f), spec));
        if (!LOCAL.test(target)) bad.push(`${f}: ${spec}`);
      } else if (!PACKAGES.has(spec)) {
        bad.push(`${f}: ${spec}`);
      }
    }
  }
  assert.equal(bad, []);
});

test('the import scanner catches a forbidden import', () => {
  const fake = "import { readFileSync } from 'node:fs';\nimport type {\n  X,\n} from '../live/ssh.ts';\nconst cp = await import('node:child_process');\nexport { y } from './z.ts';\n";
  assert.equal(importsOf(fake), ['node:fs', '../live/ssh.ts', 'node:child_process', './z.ts']);
  assert.not.ok(PACKAGES.has('node:fs'));
  assert.not.ok(LOCAL.test('operator/live/ssh.ts'));
});

test.run();

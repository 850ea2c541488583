// operator/render must stay pure like plan/ and report/: desired state in, files out. It may
// hash (node:crypto) and read the vendored Traefik schema as a JSON module, nothing else.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
/** yaml and ajv compute; croner computes fire times; node:crypto hashes (createHash only). */
const PACKAGES = new Set(['yaml', 'ajv', 'croner', 'node:crypto']);
const LOCAL = /^operator\/render\/[\w.-]+\.ts$|^operator\/render\/vendor\/[\w.-]+\.json$|^operator\/desired\/types\.ts$|^operator\/util\/(errors|shell)\.ts$/;

function files(dir: string): string[] {
  return readdirSync(path.join(root, dir), { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? files(path.join(dir, e.name)) : e.name.endsWith('.ts') ? [path.join(dir, e.name)] : [],
  );
}

function importsOf(src: string): string[] {
  const out: string[] = [];
  for (const m of src.matchAll(/(?:^|\n)\s*(?:import|export)\b[^'"]*?from\s*['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)|require\(\s*['"]([^'"]+)['"]\s*\)/g)) {
    out.push((m[1] ?? m[2] ?? m[3]) as string);
  }
  return out;
}

test('operator/render imports no I/O module', () => {
  const checked = files('operator/render');
  assert.ok(checked.length >= 12, `found ${checked.length} files`);
  const bad: string[] = [];
  for (const f of checked) {
    for (const spec of importsOf(readFileSync(path.join(root, f), 'utf8'))) {
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

test('node:crypto is used for hashing only', () => {
  for (const f of files('operator/render')) {
    const src = readFileSync(path.join(root, f), 'utf8');
    const m = /import\s*\{([^}]*)\}\s*from\s*'node:crypto'/.exec(src);
    if (m) assert.equal(m[1]!.split(',').map((s) => s.trim()).filter(Boolean), ['createHash'], f);
  }
});

test('the scanner catches a forbidden import', () => {
  const fake = "import { readFileSync } from 'node:fs';\nimport { x } from '../live/ssh.ts';\n";
  assert.equal(importsOf(fake), ['node:fs', '../live/ssh.ts']);
  assert.not.ok(PACKAGES.has('node:fs'));
  assert.not.ok(LOCAL.test('operator/live/ssh.ts'));
});

test.run();

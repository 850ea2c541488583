// The host contract has one home: only operator/host/ builds what runs on a server (argv of
// server tools, `sh -c` script text, HostCommand literals, quoted command lines). This reads
// every other product module and fails on anything that looks like one. The sandbox is left
// out: it runs the test fleet's own programs on this machine, not commands on a client server.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const HOME = /^operator\/host\//;
/** Modules that may look like they build commands, each with why; `what` limits the exemption to some patterns. */
const EXEMPT: { file: RegExp; what?: string[]; why: string }[] = [
  { file: /^operator\/sandbox\//, why: 'the test fleet runs its own programs on this machine, not commands on a client server' },
  { file: /^operator\/util\/shell\.ts$/, why: 'the quoting helper itself' },
  {
    file: /^operator\/render\//,
    why: 'pure renderings: file contents may hold command lines for other programs (Nagios command definitions), '
      + 'and each rendering declares, as data, the command that validates it; whatever runs those on a server must go through operator/host/',
  },
  { file: /^operator\/desired\/merge\.ts$/, what: ['a server path written again'], why: 'a default value of the desired state (where the Nagios check reads odoops status)' },
];
const exempt = (file: string, what: string) => EXEMPT.some((e) => e.file.test(file) && (!e.what || e.what.includes(what)));

/** What building a server command looks like in TypeScript source. */
const PATTERNS: { what: string; re: RegExp }[] = [
  { what: 'shell script text (sh -c / bash -c)', re: /['"`](?:ba)?sh['"`]\s*,\s*['"`]-c['"`]/ },
  { what: 'argv of a server tool', re: /\[\s*['"`](?:docker|git|psql|pg_dump|pg_restore|createdb|dropdb|curl|python3|timeout|flock|tar|rm|cp|mv|sh|bash)['"`]\s*[,\]]/ },
  { what: 'a HostCommand literal', re: /\bargv\s*:\s*\[/ },
  { what: 'a command line quoted by hand', re: /\b(?:shellCommand|quote)\s*\(/ },
  { what: 'a server path written again', re: /['"`]\/(?:srv\/odoo|var\/lib\/odoops)\b/ },
];

function files(dir: string): string[] {
  return readdirSync(path.join(root, dir), { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? files(path.join(dir, e.name)) : e.name.endsWith('.ts') ? [path.join(dir, e.name)] : [],
  );
}

/** Source without comments, so documentation may name commands freely. */
function code(src: string): string {
  return src.replace(/\/\*[\s\S]*?\*\//g, '').replace(/(^|[^:])\/\/.*$/gm, '$1');
}

export function violations(file: string, src: string, { exemptions = true } = {}): string[] {
  const out: string[] = [];
  const lines = code(src).split('\n');
  lines.forEach((line, i) => {
    for (const p of PATTERNS) if (p.re.test(line) && !(exemptions && exempt(file, p.what))) out.push(`${file}:${i + 1}: ${p.what}: ${line.trim()}`);
  });
  return out;
}

test('no product module outside operator/host/ builds server argv or sh -c text', () => {
  const checked = files('operator').filter((f) => !HOME.test(f));
  assert.ok(checked.length >= 40, `found ${checked.length} files`);
  const bad = checked.flatMap((f) => violations(f, readFileSync(path.join(root, f), 'utf8')));
  assert.equal(bad, []);
});

test('the host contract really lives in operator/host/ (the scanner sees it there)', () => {
  const home = files('operator/host');
  const seen = home.flatMap((f) => violations(f, readFileSync(path.join(root, f), 'utf8')));
  assert.ok(seen.length > 10, 'commands.ts builds argv and sh -c commands');
});

test('the scanner catches each way of building a command, and ignores comments', () => {
  const samples = [
    "run(ctx, ['sh', '-c', SCRIPT, 'sh', dir]);",
    "session.exec({ argv: ['docker', 'pull', image], label: 'x', timeoutMs: 1 });",
    "const a = ['git', '-C', dir, 'fetch'];",
    'const line = shellCommand(argv);',
    "const f = '/var/lib/odoops/state.json';",
  ];
  for (const s of samples) assert.ok(violations('x.ts', s).length > 0, s);
  assert.equal(violations('x.ts', "// run ['sh', '-c', ...] on /srv/odoo\n/* argv: ['docker'] */\nconst ok = composeUp(name);"), []);
});

test.run();

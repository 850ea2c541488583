import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync } from 'node:fs';
import * as scripts from '../../operator/host/scripts.ts';
import { composeStop, composeUp, dockerPull, loginPage, MODULE_VERSIONS_SCRIPT, odooInstall, psqlModules, uninstallScript } from '../../operator/host/commands.ts';
import { shellCommand } from '../../operator/util/shell.ts';

// The audit document must show the scripts odoops really runs, character for character.
const flat = (s: string) => s.split('\n').map((l) => l.trim()).join('\n');
let doc = '';
test.before(() => {
  doc = flat(readFileSync(new URL('../../docs/host-commands.md', import.meta.url), 'utf8'));
});

test('every constant shell script appears verbatim in docs/host-commands.md', () => {
  const shell = Object.entries(scripts).filter(([name]) => name.endsWith('_SCRIPT'));
  assert.ok(shell.length >= 9, shell.map(([n]) => n).join(', '));
  for (const [name, script] of shell) assert.ok(doc.includes(flat(script as string)), `${name} is documented as it runs`);
  assert.ok(doc.includes(scripts.PYTHON_BOOTSTRAP), 'the Python bootstrap is documented as it runs');
});

test('documented one-line commands match the builders', () => {
  assert.ok(doc.includes(shellCommand(odooInstall('I', 'DB', ['a', 'b']).argv).replace('DB', '<db>')), 'install');
  assert.ok(doc.includes(shellCommand(loginPage(8069, 'DB').argv).replace('8069', '<httpPort>').replace('db=DB', 'db=<db>')), 'health');
  for (const line of MODULE_VERSIONS_SCRIPT.trim().split('\n')) assert.ok(doc.includes(line), `module versions: ${line}`);
  assert.ok(doc.includes(shellCommand(psqlModules('I', 'DB').argv).replace('\t', '<TAB>').replace(`'dbname='\\''DB'\\'''`, `"dbname='<db>'"`)), 'psql');
  assert.ok(doc.includes(shellCommand(dockerPull('IMAGE').argv).replace('IMAGE', '<image>')), 'pull');
  assert.ok(doc.includes(shellCommand(composeStop('I', 'odoo').argv)), 'stop');
  assert.ok(doc.includes(shellCommand(composeUp('I').argv)), 'up');
  assert.ok(doc.includes(uninstallScript(['website']).split('\n')[0]!));
});

test.run();

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync } from 'node:fs';
import { BACKUP_SCRIPT, RESTORE_DB_SCRIPT, RESTORE_FILES_SCRIPT, RESTORE_FILESTORE_SCRIPT } from '../../operator/apply/backup.ts';
import { LOCK_SCRIPT } from '../../operator/apply/lock.ts';
import { addonsCheckout, healthCheck, journalAppend, odooInstall, psqlModules, uninstallScript } from '../../operator/live/commands.ts';
import { shellCommand } from '../../operator/util/shell.ts';

// The audit document must show the scripts odoops really runs, character for character.
const flat = (s: string) => s.split('\n').map((l) => l.trim()).join('\n');
let doc = '';
test.before(() => {
  doc = flat(readFileSync(new URL('../../docs/host-commands.md', import.meta.url), 'utf8'));
});

test('every constant shell script appears verbatim in docs/host-commands.md', () => {
  const scripts = { BACKUP_SCRIPT, RESTORE_DB_SCRIPT, RESTORE_FILES_SCRIPT, RESTORE_FILESTORE_SCRIPT, LOCK_SCRIPT, CHECKOUT: addonsCheckout('/d', 'u', 'r', null)[2]!, JOURNAL: journalAppend('x')[2]! };
  for (const [name, script] of Object.entries(scripts)) assert.ok(doc.includes(flat(script)), `${name} is documented as it runs`);
});

test('documented one-line commands match the builders', () => {
  assert.ok(doc.includes(shellCommand(odooInstall('I', 'DB', ['a', 'b'])).replace('DB', '<db>')), 'install');
  assert.ok(doc.includes(shellCommand(healthCheck(8069)).replace('8069', '<httpPort>')), 'health');
  assert.ok(doc.includes(shellCommand(psqlModules('I', 'DB')).replace('\t', '<TAB>').replace(`'dbname='\\''DB'\\'''`, `"dbname='<db>'"`)), 'psql');
  assert.ok(doc.includes(uninstallScript(['website']).split('\n')[0]!));
});

test.run();

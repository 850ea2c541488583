#!/usr/bin/env node
// `npm run test:real-odoo`: the optional real-Odoo tier (test/real-odoo/*.real.ts), not part
// of `npm test`. ODOOPS_REAL_ODOO=PATH (an extracted Odoo source tree, see
// `node scripts/real-odoo.mjs --help`) runs it against real Odoo; ODOOPS_REAL_ODOO=stand-in
// runs the same scenario on the odoo stand-in (ODOOPS_REAL_ODOO_SERIES, default 17.0).
// Without it the tier says it was skipped and why, and exits 0.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const src = process.env.ODOOPS_REAL_ODOO;
if (!src) {
  process.stdout.write('real-Odoo tier skipped: ODOOPS_REAL_ODOO is not set (an extracted Odoo source tree; see `node scripts/real-odoo.mjs --help`)\n');
  process.exit(0);
}
if (src !== 'stand-in' && !existsSync(path.join(src, 'odoo-bin'))) {
  process.stderr.write(`real-Odoo tier: ODOOPS_REAL_ODOO=${src} holds no odoo-bin (extract a mirror with \`node scripts/real-odoo.mjs extract\`)\n`);
  process.exit(2);
}
const pattern = process.argv[2] ?? 'real-odoo/.+\\.real\\.ts$';
const r = spawnSync(process.execPath, [path.join(root, 'test/run.mjs'), pattern], {
  cwd: root, stdio: 'inherit', env: {
    ...process.env,
    ODOOPS_TEST_TIMEOUT_MS: process.env.ODOOPS_TEST_TIMEOUT_MS ?? String(3 * 60 * 60 * 1000),
    // One scenario file on real Odoo takes longer than the suite's 20 min per file.
    ODOOPS_TEST_FILE_TIMEOUT_MS: process.env.ODOOPS_TEST_FILE_TIMEOUT_MS ?? String(3 * 60 * 60 * 1000),
  },
});
process.exit(r.status ?? 1);

/**
 * Latency of the odoo stand-in over the whole module catalog (17.0: 589 modules + stubs):
 * `odoo --version`, `-i base` on a new database, `-i crm`, `-u crm`, a run without -i/-u,
 * against a throwaway PostgreSQL. Prints the best and the median of N runs (wall clock;
 * on a loaded machine the best is the figure to compare).
 *   node --import tsx test/bench/odoo-standin.ts [N]
 */
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startTmpPostgres } from '../hosts/tmp-postgres.ts';

const ODOO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../operator/sandbox/standins/bin/odoo');
const n = Number(process.argv[2] ?? 5);
const pg = startTmpPostgres();
const figures: Record<string, number[]> = {};

function odoo(label: string, args: string[]): void {
  const t0 = process.hrtime.bigint();
  const r = spawnSync(process.execPath, [ODOO, ...args], { env: { ...process.env, ...pg.env, ODOO_VERSION: '17.0' }, encoding: 'utf8' });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  if (r.status !== 0) throw new Error(`${label}: exit ${r.status}\n${r.stderr}`);
  (figures[label] ??= []).push(ms);
}

try {
  const common = ['--db_host', 'db', '-r', 'odoo', '--stop-after-init', '--no-http'];
  for (let i = 0; i < n; i++) {
    const db = `bench_${i}`;
    odoo('odoo --version', ['--version']);
    odoo('-i base --without-demo=all (new database: 11 modules)', ['-d', db, '-i', 'base', '--without-demo=all', ...common]);
    odoo('-i crm (28 more modules)', ['-d', db, '-i', 'crm', ...common]);
    odoo('-u crm (crm and its installed dependents)', ['-d', db, '-u', 'crm', ...common]);
    odoo('no -i/-u (registry load only)', ['-d', db, ...common]);
  }
  const rows = Object.entries(figures).map(([label, ms]) => {
    const s = [...ms].sort((a, b) => a - b);
    return `${label.padEnd(55)} best ${(s[0]! / 1000).toFixed(2)} s  median ${(s[Math.floor(s.length / 2)]! / 1000).toFixed(2)} s`;
  });
  process.stdout.write(`odoo stand-in latency, ${n} runs each:\n${rows.join('\n')}\n`);
} finally {
  pg.stop();
}

// Odoo's log line format: "2026-11-24 10:00:00,123 1234 INFO acme_prod odoo.modules.loading: msg"
// (UTC, to stderr as Odoo does without --logfile).
let currentDb = '?';
export function setLogDb(db) { currentDb = db || '?'; }

function stamp(d = new Date()) {
  const p = (n, w = 2) => String(n).padStart(w, '0');
  return `${d.getUTCFullYear()}-${p(d.getUTCMonth() + 1)}-${p(d.getUTCDate())} ` +
    `${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())},${p(d.getUTCMilliseconds(), 3)}`;
}

export function log(level, logger, msg, db = currentDb) {
  process.stderr.write(`${stamp()} ${process.pid} ${level} ${db} ${logger}: ${msg} \n`);
}
export const info = (logger, msg, db) => log('INFO', logger, msg, db);
export const warning = (logger, msg, db) => log('WARNING', logger, msg, db);
export const error = (logger, msg, db) => log('ERROR', logger, msg, db);
export const critical = (logger, msg, db) => log('CRITICAL', logger, msg, db);

/** A Python-looking traceback, printed after an ERROR/CRITICAL line like Odoo's exc_info. */
export function traceback(excType, message, frames = []) {
  process.stderr.write('Traceback (most recent call last):\n');
  for (const f of frames) process.stderr.write(`  File ${f}\n`);
  process.stderr.write(`${excType}: ${message}\n`);
}

/**
 * Pre-change backup of one instance, on the server: database (pg_dump -Fc), filestore,
 * .env, odoo.conf and the commit of every addons checkout; and the matching restore.
 * The shell text is constant; every value is a positional parameter.
 */
import { backupsDir, compose, composeFile, instanceDir, pgConninfo } from '../live/commands.ts';
import { run, type BackupRef, type ExecContext } from './context.ts';

/** Pre-change backups kept per instance. */
export const BACKUP_RETENTION = 3;

export const BACKUP_SCRIPT = [
  'set -e',
  'inst="$1"; dir="$2"; cf="$3"; dbinfo="$4"; keep="$5"',
  'mkdir -p "$dir"',
  'if docker compose -f "$cf" exec -T db pg_dump -U odoo -Fc -d "$dbinfo" > "$dir/db.dump.part" 2> "$dir/pg_dump.err"; then',
  '  mv "$dir/db.dump.part" "$dir/db.dump"',
  'elif grep -q "does not exist" "$dir/pg_dump.err"; then',
  '  rm -f "$dir/db.dump.part"; : > "$dir/db.absent"',
  'else',
  '  cat "$dir/pg_dump.err" >&2; exit 1',
  'fi',
  'rm -f "$dir/pg_dump.err"',
  'if [ -d "$inst/filestore" ]; then tar -C "$inst" -czf "$dir/filestore.tar.gz" filestore; fi',
  'if [ -f "$inst/.env" ]; then cp -p "$inst/.env" "$dir/env"; fi',
  'if [ -f "$inst/odoo.conf" ]; then cp -p "$inst/odoo.conf" "$dir/odoo.conf"; fi',
  ': > "$dir/addons.txt"',
  'for d in "$inst"/addons/*/; do',
  '  [ -e "$d.git" ] || continue',
  '  printf "%s %s\\n" "$(basename "$d")" "$(git -C "$d" rev-parse HEAD)" >> "$dir/addons.txt"',
  'done',
  ': > "$dir/complete"',
  // Retention: the newest $keep complete backups stay (names sort by time).
  'ls -1 "$(dirname "$dir")" | sort | head -n "-$keep" | while read -r old; do rm -rf "$(dirname "$dir")/$old"; done',
  'du -sk "$dir" | cut -f1',
].join('\n');

export const backupCommand = (instance: string, dir: string, database: string, keep = BACKUP_RETENTION): string[] =>
  ['sh', '-c', BACKUP_SCRIPT, 'sh', instanceDir(instance), dir, composeFile(instance), pgConninfo(database), String(keep)];

/** Files and addons commits back, odoo stopped meanwhile. The database and filestore are restored separately. */
export const RESTORE_FILES_SCRIPT = [
  'set -e',
  'inst="$1"; dir="$2"',
  'if [ -f "$dir/env" ]; then cp -p "$dir/env" "$inst/.env.odoops-restore"; mv "$inst/.env.odoops-restore" "$inst/.env"; fi',
  'if [ -f "$dir/odoo.conf" ]; then cp -p "$dir/odoo.conf" "$inst/odoo.conf.odoops-restore"; mv "$inst/odoo.conf.odoops-restore" "$inst/odoo.conf"; fi',
  'while read -r name commit; do',
  '  [ -n "$name" ] || continue',
  '  git -C "$inst/addons/$name" -c advice.detachedHead=false checkout -q --detach "$commit" --',
  'done < "$dir/addons.txt"',
  // Checkouts this run created did not exist before: they go away.
  'for d in "$inst"/addons/*/; do',
  '  [ -e "$d" ] || continue',
  '  n=$(basename "$d")',
  '  grep -q "^$n " "$dir/addons.txt" || rm -rf "$inst/addons/$n"',
  'done',
].join('\n');

export const RESTORE_DB_SCRIPT = [
  'set -e',
  'dir="$1"; cf="$2"; db="$3"; dbinfo="$4"',
  'docker compose -f "$cf" exec -T db dropdb -U odoo --if-exists "$db"',
  'if [ -f "$dir/db.dump" ]; then',
  '  docker compose -f "$cf" exec -T db createdb -U odoo -O odoo "$db"',
  '  docker compose -f "$cf" exec -T db pg_restore -U odoo --no-owner -d "$dbinfo" < "$dir/db.dump"',
  'fi',
].join('\n');

export const RESTORE_FILESTORE_SCRIPT = [
  'set -e',
  'inst="$1"; dir="$2"',
  '[ -f "$dir/filestore.tar.gz" ] || exit 0',
  'rm -rf "$inst/filestore.odoops-old"',
  'if [ -d "$inst/filestore" ]; then mv "$inst/filestore" "$inst/filestore.odoops-old"; fi',
  'tar -C "$inst" -xzf "$dir/filestore.tar.gz"',
  'rm -rf "$inst/filestore.odoops-old"',
].join('\n');

export function backupStamp(now: Date, runId: string): string {
  return `${now.toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z')}-${runId}`;
}

export async function takeBackup(ctx: ExecContext): Promise<BackupRef> {
  const name = ctx.instance.name;
  const dir = `${backupsDir(name)}/${backupStamp(ctx.now(), ctx.runId)}`;
  const res = await run(ctx, backupCommand(name, dir, ctx.instance.database), { timeoutMs: 60 * 60_000, label: 'backup' });
  ctx.note(`backup ${dir} (${res.stdout.trim().split('\n').pop()} KiB)`);
  return { dir };
}

/** Each step is its own command so a failure names the step that failed. */
export async function restoreBackup(ctx: ExecContext, backup: BackupRef): Promise<void> {
  const name = ctx.instance.name;
  await run(ctx, compose(name, 'stop', 'odoo'), { timeoutMs: 5 * 60_000, label: 'stop odoo' });
  await run(ctx, ['sh', '-c', RESTORE_FILES_SCRIPT, 'sh', instanceDir(name), backup.dir], { timeoutMs: 10 * 60_000, label: 'restore .env, odoo.conf, addons commits' });
  await run(ctx, compose(name, 'up', '-d', 'db'), { timeoutMs: 5 * 60_000, label: 'start db' });
  await run(ctx, ['sh', '-c', RESTORE_DB_SCRIPT, 'sh', backup.dir, composeFile(name), ctx.instance.database, pgConninfo(ctx.instance.database)], { timeoutMs: 60 * 60_000, label: 'restore database' });
  await run(ctx, ['sh', '-c', RESTORE_FILESTORE_SCRIPT, 'sh', instanceDir(name), backup.dir], { timeoutMs: 30 * 60_000, label: 'restore filestore' });
  await run(ctx, compose(name, 'up', '-d'), { timeoutMs: 5 * 60_000, label: 'start instance' });
}

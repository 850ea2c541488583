# After a rollback's health check passed: the database and filestore the failed change left
# (renamed aside by the restore) are removed. Nothing else is ever dropped.
set -u
cf="$1"; aside_db="$2"; aside_dir="$3"
if [ "$aside_db" != - ]; then
  docker compose -f "$cf" exec -T db psql -U odoo -d postgres -X -q -At -v ON_ERROR_STOP=1 -v "aside=$aside_db" -f - <<'SQL' || exit 1
SET client_min_messages TO warning;
DROP DATABASE IF EXISTS :"aside";
SQL
fi
if [ "$aside_dir" != - ]; then rm -rf "$aside_dir" || exit 1; fi

# Restores the database from a complete snapshot without ever dropping it: the dump is
# restored into a new database, then swapped in (the current one is renamed aside, kept
# until the instance is healthy again). Protocol line on stdout: ASIDE <name> when the
# current database was renamed aside. "$4" is "-" when the database did not exist before.
set -u
umask 077
cf="$1"; db="$2"; dir="$3"; dump="$4"; tmp="$5"; tmpinfo="$6"; aside="$7"
[ -f "$dir/complete" ] || { echo "snapshot $dir is not complete: nothing restored" >&2; exit 1; }
psql_admin() { docker compose -f "$cf" exec -T db psql -U odoo -d postgres -X -q -At -v ON_ERROR_STOP=1 -v "db=$db" -v "tmp=$tmp" -v "aside=$aside" -f - ; }
exists=$(psql_admin <<'SQL'
SET client_min_messages TO warning;
SELECT 1 FROM pg_database WHERE datname = :'db';
SQL
) || exit 1
if [ "$dump" = - ]; then
  # The database did not exist before the run: the one it created is renamed aside, never dropped.
  [ -n "$exists" ] || exit 0
  psql_admin <<'SQL' || exit 1
SET client_min_messages TO warning;
ALTER DATABASE :"db" WITH ALLOW_CONNECTIONS false;
SELECT count(pg_terminate_backend(pid)) AS terminated FROM pg_stat_activity WHERE datname = :'db' AND pid <> pg_backend_pid() \gset
ALTER DATABASE :"db" RENAME TO :"aside";
SQL
  echo "ASIDE $aside"
  exit 0
fi
[ -f "$dump" ] || { echo "no dump in $dir" >&2; exit 1; }
docker compose -f "$cf" exec -T db pg_restore --list < "$dump" > /dev/null || { echo "the snapshot's dump does not read: $dump" >&2; exit 1; }
# Same encoding and locale as the database it replaces.
if [ -n "$exists" ]; then
  psql_admin <<'SQL' || exit 1
SET client_min_messages TO warning;
SELECT pg_encoding_to_char(encoding) AS enc, datcollate AS coll, datctype AS ctype FROM pg_database WHERE datname = :'db' \gset
DROP DATABASE IF EXISTS :"tmp";
CREATE DATABASE :"tmp" WITH OWNER odoo TEMPLATE template0 ENCODING :'enc' LC_COLLATE :'coll' LC_CTYPE :'ctype';
SQL
else
  psql_admin <<'SQL' || exit 1
SET client_min_messages TO warning;
DROP DATABASE IF EXISTS :"tmp";
CREATE DATABASE :"tmp" WITH OWNER odoo TEMPLATE template0;
SQL
fi
if ! docker compose -f "$cf" exec -T db pg_restore -U odoo --no-owner --exit-on-error -d "$tmpinfo" < "$dump"; then
  psql_admin <<'SQL'
SET client_min_messages TO warning;
DROP DATABASE IF EXISTS :"tmp";
SQL
  echo "pg_restore into $tmp failed: the current database is untouched" >&2
  exit 1
fi
if [ -n "$exists" ]; then
  # Nobody may connect while the databases swap; the swap itself is one transaction.
  if ! psql_admin <<'SQL'
SET client_min_messages TO warning;
ALTER DATABASE :"db" WITH ALLOW_CONNECTIONS false;
SELECT count(pg_terminate_backend(pid)) AS terminated FROM pg_stat_activity WHERE datname = :'db' AND pid <> pg_backend_pid() \gset
BEGIN;
ALTER DATABASE :"db" RENAME TO :"aside";
ALTER DATABASE :"tmp" RENAME TO :"db";
COMMIT;
SQL
  then
    psql_admin <<'SQL'
SET client_min_messages TO warning;
ALTER DATABASE :"db" WITH ALLOW_CONNECTIONS true;
DROP DATABASE IF EXISTS :"tmp";
SQL
    echo "could not swap the restored database in: the current database is untouched" >&2
    exit 1
  fi
  echo "ASIDE $aside"
else
  psql_admin <<'SQL' || exit 1
SET client_min_messages TO warning;
ALTER DATABASE :"tmp" RENAME TO :"db";
SQL
fi

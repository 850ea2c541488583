# Pre-change snapshot of one instance. Protocol lines on stdout: STOPPED (odoo stopped for
# it), ABSENT (the database did not exist), RETRY <n> <why>, ENTRIES <n> (TOC entries of the
# verified dump), REMOVED <name> <why> (retention), SIZE <KiB>, SNAPSHOT <dir>.
# Any failure removes the partial snapshot and exits non-zero with the real error on stderr.
set -u
umask 077
root="$1"; inst="$2"; dir="$3"; cf="$4"; db="$5"; dbinfo="$6"; keep="$7"; withdb="$8"; attempts="$9"
parent=$(dirname "$dir")
created=0
fail() {
  echo "$*" >&2
  if [ "$created" = 1 ]; then rm -rf "$dir"; fi
  exit 1
}
trap 'fail "snapshot interrupted"' HUP INT TERM
mkdir -p "$parent" && chmod 0700 "$root" "$(dirname "$parent")" "$parent" || fail "cannot create $parent"
psql_admin() { docker compose -f "$cf" exec -T db psql -U odoo -d postgres -X -q -At -v ON_ERROR_STOP=1 -v "db=$db" -f - 2>&1; }

if [ "$withdb" = 1 ]; then
  # Absent or not is read from pg_database, never guessed from an error message.
  if ! found=$(psql_admin <<'SQL'
SELECT pg_database_size(datname) / 1024 FROM pg_database WHERE datname = :'db';
SQL
  ); then fail "cannot read pg_database: $found"; fi
  db_kb=${found:-0}
  fs_kb=0
  if [ -d "$inst/filestore" ]; then fs_kb=$(du -sk "$inst/filestore" | cut -f1); fi
  # Room for the dump and the filestore archive, and for restoring both next to the current ones.
  need=$(( (2 * db_kb + 2 * fs_kb) * 105 / 100 + 1024 ))
  free=$(df -Pk "$parent" | awk 'NR == 2 { print $4 }')
  if [ "$free" -lt "$need" ]; then
    fail "not enough free space for the snapshot in $parent: need $need KiB (database $db_kb KiB and filestore $fs_kb KiB, twice: snapshot and room to restore it), $free KiB free"
  fi
fi
mkdir "$dir" || fail "cannot create $dir"
created=1

if [ "$withdb" = 1 ]; then
  # Nothing may write to the database between the dump and the change.
  if ! out=$(docker compose -f "$cf" stop odoo 2>&1); then fail "cannot stop odoo: $out"; fi
  echo STOPPED
  if [ -z "$found" ]; then
    : > "$dir/db.absent"
    echo ABSENT
  else
    i=1
    while ! err=$(docker compose -f "$cf" exec -T db pg_dump -U odoo -Fc -d "$dbinfo" 2>&1 > "$dir/db.dump.part"); do
      rm -f "$dir/db.dump.part"
      why=$(printf '%s\n' "$err" | grep -v '^[[:space:]]*$' | tail -n 2 | tr '\n' ' ')
      [ -n "$why" ] || why="pg_dump failed without a message"
      if [ "$i" -ge "$attempts" ]; then fail "pg_dump failed $i times, last: $why"; fi
      echo "RETRY $i $why"
      i=$((i + 1))
    done
    # The dump must read back before the snapshot counts: its table of contents, then every block.
    if ! toc=$(docker compose -f "$cf" exec -T db pg_restore --list < "$dir/db.dump.part" 2>&1); then
      fail "the dump does not read back (pg_restore --list): $(printf '%s\n' "$toc" | tail -n 1)"
    fi
    if ! err=$(docker compose -f "$cf" exec -T db pg_restore -f /dev/null < "$dir/db.dump.part" 2>&1); then
      fail "the dump does not read back (pg_restore): $(printf '%s\n' "$err" | tail -n 1)"
    fi
    mv "$dir/db.dump.part" "$dir/db.dump" || fail "cannot rename the dump"
    echo "ENTRIES $(printf '%s\n' "$toc" | grep -c '^[0-9]')"
  fi
  if [ -d "$inst/filestore" ]; then
    if ! err=$(tar -C "$inst" -czf "$dir/filestore.tar.gz.part" filestore 2>&1); then fail "filestore archive failed: $err"; fi
    mv "$dir/filestore.tar.gz.part" "$dir/filestore.tar.gz" || fail "cannot rename the filestore archive"
  fi
fi

# Files odoops changes: content, and mode/owner to put them back exactly.
for f in .env odoo.conf; do
  [ -f "$inst/$f" ] || continue
  name=${f#.}
  if ! err=$(cp "$inst/$f" "$dir/$name" 2>&1); then fail "cannot copy $inst/$f: $err"; fi
  stat -c '%a %u %g' "$inst/$f" > "$dir/$name.mode" || fail "cannot stat $inst/$f"
done
# Every entry of addons/: a checkout's commit, or "-" for anything else (left alone by a rollback).
: > "$dir/addons.txt" || fail "cannot write addons.txt"
for d in "$inst"/addons/*/; do
  [ -d "$d" ] || continue
  name=$(basename "$d")
  if [ -e "$d.git" ]; then
    if ! commit=$(git -C "$d" rev-parse HEAD 2>&1); then fail "git rev-parse in $d: $commit"; fi
  else
    commit=-
  fi
  printf '%s %s\n' "$name" "$commit" >> "$dir/addons.txt" || fail "cannot write addons.txt"
done
sync "$dir" "$dir"/* 2>/dev/null
: > "$dir/complete" || fail "cannot mark the snapshot complete"
trap - HUP INT TERM

# Retention: incomplete snapshots (killed runs) go; the newest $keep complete ones stay,
# and so does any snapshot a "needs manual restore" marker points to (pinned).
for s in "$parent"/*/; do
  s=${s%/}
  [ "$s" = "$dir" ] && continue
  [ -f "$s/complete" ] && continue
  rm -rf "$s" && echo "REMOVED $(basename "$s") incomplete"
done
n=0
for name in $(ls -1 "$parent" | sort -r); do
  [ -f "$parent/$name/complete" ] || continue
  n=$((n + 1))
  [ "$n" -le "$keep" ] && continue
  [ -f "$parent/$name/pinned" ] && continue
  rm -rf "${parent:?}/$name" && echo "REMOVED $name old"
done
echo "SIZE $(du -sk "$dir" | cut -f1)"
echo "SNAPSHOT $dir"

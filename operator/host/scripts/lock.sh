# The server lock, held by this shell for a whole run. Protocol lines on stdout:
# BUSY <holder json>, HELD <holder json> (gave up), STALE <holder json> (a dead run's),
# STOPPED <n> (its commands stopped), LOCKED, RELEASED.
umask 077
info="$1"; run="$2"; wait="$3"; dir="$4"; lock="$5"; json="$6"; fence="$7"; cmds="$8"; running="$9"
shift 9
idle="$1"; drain="$2"
mkdir -p "$dir" && chmod 0700 "$dir"
exec 9>>"$lock"
if ! flock -n 9; then
  printf "BUSY %s\n" "$(tr -d "\n" 2>/dev/null < "$json")"
  if ! flock -w "$wait" 9; then printf "HELD %s\n" "$(tr -d "\n" 2>/dev/null < "$json")"; exit 75; fi
fi
if [ -s "$json" ]; then printf "STALE %s\n" "$(tr -d "\n" < "$json")"; fi
printf "%s\n" "$info" > "$json.tmp" && mv "$json.tmp" "$json"
# The fence: from now on, commands of earlier runs refuse to start.
printf "%s\n" "$run" > "$fence.tmp" && mv "$fence.tmp" "$fence"
# Commands of earlier runs still running (their odoops died or lost the link): stop them,
# then wait until none holds the command lock.
signal_all() {
  n=0
  for rec in "$running"/*; do
    [ -f "$rec" ] || continue
    read -r pg start < "$rec" || continue
    if [ -n "$pg" ] && [ "$(cut -d' ' -f22 "/proc/$pg/stat" 2>/dev/null)" = "$start" ]; then
      kill "-$1" -- "-$pg" 2>/dev/null && n=$((n + 1))
    fi
  done
  echo "$n"
}
stopped=$(signal_all TERM)
exec 8>>"$cmds"
if ! flock -x -w "$drain" 8; then
  signal_all KILL > /dev/null
  if ! flock -x -w "$drain" 8; then echo "odoops: commands of an earlier run still run after SIGKILL" >&2; rm -f "$fence"; exit 1; fi
fi
exec 8>&-
rm -f "$running"/*
[ "$stopped" = 0 ] || echo "STOPPED $stopped"
echo LOCKED
# Held while odoops pings; "release" is the clean end. EOF or $idle seconds of silence
# (odoops killed, link lost even if this sshd never notices): exit, lock.json stays = stale.
while read -r -t "$idle" cmd; do
  if [ "$cmd" = release ]; then rm -f "$json" "$fence"; echo RELEASED; exit 0; fi
done

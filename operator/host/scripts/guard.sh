# Runs one command of a run under the server lock's fence. "$1": run id, "$2": lock.run,
# "$3": lock.commands, "$4": running dir, "$5": the command (shell text built from argv).
# The shared flock on fd 8 is held while the command runs: a new lock holder takes it
# exclusively, so it knows when every command of earlier runs has ended.
umask 077
run="$1"; fence="$2"; cmds="$3"; running="$4"; cmd="$5"
exec 8>>"$cmds" || exit 75
if ! flock -s -w 30 8; then echo "odoops: the server lock is being taken over; not running: $cmd" >&2; exit 75; fi
holder=$(cat "$fence" 2>/dev/null)
if [ "$holder" != "$run" ]; then
  echo "odoops: run $run does not hold the server lock (holder: ${holder:-none}); not running: $cmd" >&2
  exit 75
fi
# The process group (the server-side timeout's) and its start time: a takeover stops exactly it.
pg=$(cut -d' ' -f5 "/proc/$$/stat")
mkdir -p "$running"
rec="$running/$run.$$"
printf '%s %s\n' "$pg" "$(cut -d' ' -f22 "/proc/$pg/stat")" > "$rec"
sh -c "$cmd" 8>&-
rc=$?
rm -f "$rec"
exit "$rc"

# The last "$3" lines of an instance's Odoo log, after a first line "NOW <server clock, UTC>":
# the log contract's file "$2" when the instance writes one, else the odoo container's output
# (compose project "$1"). Read-only.
set -u
printf 'NOW %s\n' "$(date -u '+%Y-%m-%d %H:%M:%S')"
if [ -f "$2" ]; then
  exec tail -n "$3" -- "$2"
fi
exec docker compose -f "$1" logs --no-color --tail "$3" odoo

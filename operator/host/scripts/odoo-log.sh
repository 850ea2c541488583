# The first "$3" lines an instance's Odoo log gained after the mark "$4" "$5" (odoo-log-mark.sh:
# clock, inode:size): from the log contract's file "$2" when the instance writes one — from the
# byte after the mark, or from its start when it was rotated (another inode) or truncated since
# — else the odoo container's output since the clock (compose project "$1"). Read-only.
set -u
if [ -f "$2" ]; then
  now=$(stat -c '%i:%s' -- "$2")
  skip=0
  if [ "${5%%:*}" = "${now%%:*}" ] && [ "${5#*:}" -le "${now#*:}" ]; then skip=${5#*:}; fi
  tail -c +"$((skip + 1))" -- "$2" | head -n "$3"
  exit 0
fi
docker compose -f "$1" logs --no-color --since "$4" odoo | head -n "$3"

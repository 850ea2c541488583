# Where an instance's Odoo log stands now, taken just before `up -d` so that the health check
# reads only what the start adds: the server's clock in UTC with nanoseconds (for `docker
# compose logs --since`, which compares it with the engine's own receive time of each line,
# whatever zone or format Odoo's lines carry) and, when the log contract's file "$1" exists,
# its inode and size in bytes ("-" otherwise). One line: "<clock> <inode>:<size>". Read-only.
set -u
at=$(stat -c '%i:%s' -- "$1" 2>/dev/null) || at=-
printf '%s %s\n' "$(date -u '+%Y-%m-%dT%H:%M:%S.%NZ')" "$at"

# Security updates with unattended-upgrade, under odoops' rendering of its configuration
# (security origins only, Odoo's packages blacklisted; on stdin), written to $1 first when
# missing or different (WROTE). unattended-upgrade's own log lines follow on stdout.
set -u
conf=$1
tmp=$(mktemp "$conf.odoops-XXXXXX") || exit 1
if ! cat > "$tmp"; then rm -f "$tmp"; exit 1; fi
if [ -f "$conf" ] && cmp -s "$tmp" "$conf"; then
  rm -f "$tmp"
else
  chmod 0644 "$tmp" && mv "$tmp" "$conf" || { rm -f "$tmp"; exit 1; }
  echo WROTE
fi
if ! command -v unattended-upgrade >/dev/null 2>&1; then
  echo "unattended-upgrade is not installed on this server (Debian/Ubuntu package unattended-upgrades)" >&2
  exit 3
fi
exec unattended-upgrade -v 2>&1

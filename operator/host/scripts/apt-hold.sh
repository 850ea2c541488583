# Holds the given packages where installed (Odoo's: maintenance never upgrades them).
# Protocol lines: HELD <pkg> (held now), ABSENT <pkg> (not installed: nothing to hold).
set -u
for p in "$@"; do
  if dpkg-query -W -f='${db:Status-Status}\n' "$p" 2>/dev/null | grep -qx installed; then
    apt-mark hold "$p" >/dev/null || exit 1
    printf 'HELD\t%s\n' "$p"
  else
    printf 'ABSENT\t%s\n' "$p"
  fi
done

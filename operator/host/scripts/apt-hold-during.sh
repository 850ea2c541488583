# Holds packages for the time of an OS update only (Docker's: upgrading the engine restarts it,
# which stops every instance mid-update), then puts back the hold state they had.
#   hold FILE PKG...: each installed PKG not held yet is recorded in FILE first (so a run that
#     dies before releasing leaves a record the next run honours), then held. A PKG held and
#     not recorded is the admin's hold: it is left as it is. Lines: HELD <pkg> (held by this
#     run), KEPT <pkg> (held before, stays held), ABSENT <pkg> (not installed).
#   release FILE: unholds every package recorded in FILE, then removes FILE. Lines: UNHELD <pkg>.
set -u
mode=$1; file=$2; shift 2
installed() { dpkg-query -W -f='${db:Status-Status}\n' "$1" 2>/dev/null | grep -qx installed; }
held() { [ "$(dpkg-query -W -f='${db:Status-Want}' "$1" 2>/dev/null)" = hold ]; }
recorded() { [ -f "$file" ] && grep -qxF -- "$1" "$file"; }
case "$mode" in
  hold)
    todo=
    for p in "$@"; do
      if ! installed "$p"; then printf 'ABSENT\t%s\n' "$p"
      elif held "$p" && ! recorded "$p"; then printf 'KEPT\t%s\n' "$p"
      else todo="$todo $p"; fi
    done
    [ -n "$todo" ] || exit 0
    mkdir -p -m 0700 "$(dirname "$file")" || exit 1
    { if [ -f "$file" ]; then cat "$file"; fi; for p in $todo; do recorded "$p" || printf '%s\n' "$p"; done; } > "$file.tmp" && mv "$file.tmp" "$file" || exit 1
    for p in $todo; do
      apt-mark hold "$p" >/dev/null || exit 1
      printf 'HELD\t%s\n' "$p"
    done
    ;;
  release)
    [ -f "$file" ] || exit 0
    for p in $(cat "$file"); do
      if held "$p"; then
        apt-mark unhold "$p" >/dev/null || exit 1
        printf 'UNHELD\t%s\n' "$p"
      fi
    done
    rm -f "$file"
    ;;
  *) echo "apt-hold-during: unknown mode $mode" >&2; exit 2 ;;
esac

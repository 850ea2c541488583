# OS maintenance state, read-only (odoops status / maintain). Protocol lines on stdout,
# tab-separated: RELEASE <id> <version_id> <codename> <pretty>, HELD <pkg>, REBOOT,
# REBOOTPKG <pkg>, KEPT <pkg> (an update apt keeps back, e.g. held), LISTS <epoch of the newest apt list>, PENDING <apt-get -s "Inst" line>,
# DEPLOYED <compose file> (each argument that exists), ERROR <what>.
# apt only simulates, without its lock (Debug::NoLocking): nothing on the server changes.
set -u
if [ -r /etc/os-release ]; then
  ( . /etc/os-release; printf 'RELEASE\t%s\t%s\t%s\t%s\n' "${ID:-}" "${VERSION_ID:-}" "${VERSION_CODENAME:-}" "${PRETTY_NAME:-}" )
else
  printf 'ERROR\t/etc/os-release is missing\n'
fi
if held=$(apt-mark showhold 2>&1); then
  printf '%s\n' "$held" | while IFS= read -r p; do [ -n "$p" ] && printf 'HELD\t%s\n' "$p"; done
else
  printf 'ERROR\tapt-mark showhold: %s\n' "$(printf '%s' "$held" | tail -n 1)"
fi
if [ -e /var/run/reboot-required ]; then
  echo REBOOT
  if [ -r /var/run/reboot-required.pkgs ]; then sort -u /var/run/reboot-required.pkgs | while IFS= read -r p; do [ -n "$p" ] && printf 'REBOOTPKG\t%s\n' "$p"; done; fi
fi
newest=$(find /var/lib/apt/lists -maxdepth 1 -type f -name '*_*' -printf '%T@\n' 2>/dev/null | sort -n | tail -n 1)
[ -n "$newest" ] && printf 'LISTS\t%s\n' "${newest%.*}"
if sim=$(LC_ALL=C apt-get -s -q -o Debug::NoLocking=1 upgrade --with-new-pkgs 2>&1); then
  printf '%s\n' "$sim" | grep '^Inst ' | while IFS= read -r l; do printf 'PENDING\t%s\n' "$l"; done
  # Updates apt keeps back (held packages among them): the indented names after the heading.
  printf '%s\n' "$sim" | sed -n '/kept back:$/,/^[^ ]/p' | grep '^ ' | tr ' ' '\n' | while IFS= read -r p; do [ -n "$p" ] && printf 'KEPT\t%s\n' "$p"; done
else
  printf 'ERROR\tapt-get -s upgrade: %s\n' "$(printf '%s' "$sim" | tail -n 1)"
fi
for f in "$@"; do [ -f "$f" ] && printf 'DEPLOYED\t%s\n' "$f"; done
exit 0

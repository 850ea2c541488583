# Clone (first time) or fetch an addons checkout, then detach HEAD at the wanted commit ("$4")
# or, when unknown, at what the ref ("$3") resolves to. Prints the commit checked out.
# With "$7" = fetch, only brings the commit into the object store (a first clone has no
# working tree yet) and prints it: HEAD and the files odoo serves do not change. A checkout
# whose wanted commit is already there does not go to the network again.
# With "$5" = 1, the first line of stdin is the repository's credential ("user:token" or a
# token): git reads it through a GIT_ASKPASS helper from a 0600 file in a 0700 directory
# under "$6", removed on exit; it never appears in argv, the environment's values or .git/config.
set -e
umask 077
dir="$1"; url="$2"; ref="$3"; want="$4"; auth="$5"; scratch="$6"; mode="${7:-checkout}"
if [ "$auth" = 1 ]; then
  mkdir -p "$scratch" && chmod 0700 "$scratch"
  tmp=$(mktemp -d "$scratch/git-auth.XXXXXX")
  trap 'rm -rf "$tmp"' EXIT
  IFS= read -r cred || [ -n "$cred" ]
  printf '%s\n' "$cred" > "$tmp/credential"
  cat > "$tmp/askpass" <<'ASKPASS'
#!/bin/sh
case "$1" in
  Username*) cut -d: -f1 "$ODOOPS_GIT_CREDENTIAL" ;;
  *) cut -d: -f2- "$ODOOPS_GIT_CREDENTIAL" ;;
esac
ASKPASS
  chmod 0700 "$tmp/askpass"
  export GIT_ASKPASS="$tmp/askpass" ODOOPS_GIT_CREDENTIAL="$tmp/credential"
fi
export GIT_TERMINAL_PROMPT=0
git_remote() { git -c protocol.ext.allow=never -c credential.helper= "$@"; }
have_want() { [ -n "$want" ] && [ -e "$dir/.git" ] && git -C "$dir" cat-file -e "$want^{commit}" >/dev/null 2>&1; }
if have_want && [ "$(git -C "$dir" remote get-url origin 2>/dev/null)" = "$url" ]; then
  :
elif [ ! -e "$dir/.git" ]; then
  mkdir -p "$(dirname "$dir")"; rm -rf "$dir.odoops-tmp"
  git_remote clone -q --no-checkout -- "$url" "$dir.odoops-tmp"
  mv "$dir.odoops-tmp" "$dir"
else
  git -C "$dir" remote set-url -- origin "$url"
  git_remote -C "$dir" fetch -q --tags --force origin
fi
if [ -z "$want" ]; then
  want=$(git -C "$dir" rev-parse -q --verify "refs/remotes/origin/$ref^{commit}" || git -C "$dir" rev-parse -q --verify "refs/tags/$ref^{commit}" || git -C "$dir" rev-parse -q --verify "$ref^{commit}")
fi
if [ "$mode" = fetch ]; then
  git -C "$dir" rev-parse --verify "$want^{commit}"
  exit 0
fi
git -C "$dir" -c advice.detachedHead=false checkout -q --detach "$want" --
git -C "$dir" rev-parse HEAD

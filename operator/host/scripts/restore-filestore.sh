# Restores the filestore from a complete snapshot next to the current one, then swaps the
# directories; the current one is kept aside ("$3") until the instance is healthy again.
set -u
umask 077
inst="$1"; dir="$2"; aside="$3"
[ -f "$dir/complete" ] || { echo "snapshot $dir is not complete: nothing restored" >&2; exit 1; }
[ -f "$dir/filestore.tar.gz" ] || exit 0
new="$inst/filestore.odoops-restore"
rm -rf "$new" && mkdir "$new" || exit 1
if ! tar -C "$new" -xzf "$dir/filestore.tar.gz" || [ ! -d "$new/filestore" ]; then
  rm -rf "$new"
  echo "cannot extract $dir/filestore.tar.gz: the current filestore is untouched" >&2
  exit 1
fi
if [ -d "$inst/filestore" ]; then mv "$inst/filestore" "$aside" || exit 1; fi
mv "$new/filestore" "$inst/filestore" && rmdir "$new"

# Puts back what a run changed among .env, odoo.conf and the addons checkouts, from a
# complete snapshot. "$3" lists what: a comma list of env, conf, addons.
set -u
umask 077
inst="$1"; dir="$2"; what="$3"
[ -f "$dir/complete" ] || { echo "snapshot $dir is not complete: nothing restored" >&2; exit 1; }
put() {
  [ -f "$dir/$1" ] || return 0
  read -r mode uid gid < "$dir/$1.mode" || return 1
  cp "$dir/$1" "$2.odoops-restore" && chown "$uid:$gid" "$2.odoops-restore" && chmod "$mode" "$2.odoops-restore" && mv "$2.odoops-restore" "$2"
}
case ",$what," in *,env,*) put env "$inst/.env" || exit 1 ;; esac
case ",$what," in *,conf,*) put odoo.conf "$inst/odoo.conf" || exit 1 ;; esac
case ",$what," in
  *,addons,*)
    while read -r name commit; do
      [ -n "$name" ] && [ "$commit" != - ] || continue
      git -C "$inst/addons/$name" -c advice.detachedHead=false checkout -q --detach "$commit" -- || exit 1
    done < "$dir/addons.txt"
    # Checkouts the run created did not exist before: they go (code only, cloned again when needed).
    for d in "$inst"/addons/*/; do
      [ -d "$d" ] || continue
      n=$(basename "$d")
      if ! grep -q "^$n " "$dir/addons.txt" && [ -e "$d.git" ]; then rm -rf "${inst:?}/addons/$n" || exit 1; fi
    done
    ;;
esac
exit 0

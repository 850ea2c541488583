# odoops: writes the files of an instance on a fresh server (reinstall). Run by the constant
# bootstrap (`python3 -c ...`) with the request (JSON) on stdin: paths, modes, owners and
# contents never reach argv. op "write": directories created with their modes, each file
# written atomically (temporary file in the same directory, fsync, chmod, chown, rename);
# files of `remove` that exist are removed. Prints {"written": [...], "removed": [...]}.
import json, os, pwd, grp, sys, tempfile

REQ = json.loads(REQUEST)  # noqa: F821 (set by the bootstrap)


def ids(owner):
    """"user:group" by name or number -> (uid, gid); root:root when absent."""
    if not owner:
        return 0, 0
    u, _, g = owner.partition(":")
    uid = int(u) if u.isdigit() else pwd.getpwnam(u).pw_uid
    gid = int(g) if g.isdigit() else grp.getgrnam(g).gr_gid
    return uid, gid


def write(path, content, mode, dir_mode, owner=None):
    d = os.path.dirname(path)
    if not os.path.isdir(d):
        os.makedirs(d, mode=dir_mode, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix="." + os.path.basename(path) + ".odoops-", dir=d)
    try:
        os.fchmod(fd, mode)
        with os.fdopen(fd, "w", newline="") as f:
            f.write(content)
            f.flush()
            os.fsync(f.fileno())
        os.chown(tmp, *ids(owner))
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


if REQ["op"] == "write":
    os.umask(0o077)
    for d in REQ.get("dirs", []):
        os.makedirs(d["path"], mode=d["mode"], exist_ok=True)
        os.chmod(d["path"], d["mode"])
    written = []
    for f in REQ["files"]:
        write(f["path"], f["content"], f["mode"], REQ.get("dirMode", 0o755), f.get("owner"))
        written.append(f["path"])
    removed = []
    for p in REQ.get("remove", []):
        if os.path.lexists(p):
            os.unlink(p)
            removed.append(p)
    print(json.dumps({"written": written, "removed": removed}))
else:
    sys.stderr.write("unknown op\n")
    sys.exit(1)

# odoops: files it keeps in place on a server (the backup schedule, program, configuration
# and secrets). Run by the constant bootstrap (`python3 -c ...`) with the request (JSON) on
# stdin: paths, modes and contents never reach argv. Two operations:
#   write:   each file written atomically (temporary file in the same directory, fsync,
#            chmod, rename), parent directories created with `dirMode`; files of `remove`
#            that exist are removed. Prints {"written": [...], "removed": [...]}.
#   digest:  for each path, HMAC-SHA256 (key from the request, used once) of its content, and
#            its mode and owner, or null when absent: odoops compares with what it rendered
#            without reading a secret back. Prints {"files": {path: {...} | null}}.
import hashlib, hmac, json, os, pwd, grp, sys, tempfile

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


def owner(st):
    try:
        return "%s:%s" % (pwd.getpwuid(st.st_uid).pw_name, grp.getgrgid(st.st_gid).gr_name)
    except KeyError:
        return "%d:%d" % (st.st_uid, st.st_gid)


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
elif REQ["op"] == "digest":
    key = bytes.fromhex(REQ["key"])
    out = {}
    for p in REQ["paths"]:
        try:
            st = os.lstat(p)
            with open(p, "rb") as f:
                data = f.read()
        except (FileNotFoundError, NotADirectoryError):
            out[p] = None
            continue
        except PermissionError:
            out[p] = {"error": "permission denied"}
            continue
        out[p] = {"hmac": hmac.new(key, data, hashlib.sha256).hexdigest(), "mode": st.st_mode & 0o7777, "owner": owner(st)}
    print(json.dumps({"files": out}))
else:
    sys.stderr.write("unknown op\n")
    sys.exit(1)

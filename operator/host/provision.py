# odoops provisioning helper. Run by the constant bootstrap (`python3 -c ...`) that reads this
# program, a NUL byte and the request (JSON) from stdin: values (and the contents of files,
# secret options included) never reach argv. Keeps the provisioning marker
# (<odoops dir>/provision/<instance>.json) and refuses to go on when it finds data odoops did
# not create. Prints one JSON document on stdout; exit 0, or 3 when provisioning is refused
# (the marker then says "refused" and what exists), 1 on any other error (stderr says why).
import grp, json, os, pwd, secrets, subprocess, sys, tempfile, time

REQ = json.loads(REQUEST)  # noqa: F821 (set by the bootstrap)
REFUSED = 3
# Whether the instance's database exists, read from pg_database (never guessed from an error).
DATABASE_EXISTS_SQL = "SELECT count(*) FROM pg_database WHERE datname = :'db';\n"


def fail(message):
    sys.stderr.write(message + "\n")
    sys.exit(1)


def owner_ids(owner):
    """'user:group' (names or numbers) -> (uid, gid); None -> root."""
    if not owner:
        return 0, 0
    user, _, group = owner.partition(":")
    uid = int(user) if user.isdigit() else pwd.getpwnam(user).pw_uid
    gid = int(group) if group.isdigit() else (grp.getgrnam(group).gr_gid if group else 0)
    return uid, gid


def atomic_write(path, text, mode, owner=None):
    d = os.path.dirname(path)
    fd, tmp = tempfile.mkstemp(prefix="." + os.path.basename(path) + ".odoops-", dir=d)
    try:
        with os.fdopen(fd, "w", newline="") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, mode)
        os.chown(tmp, *owner_ids(owner))
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def read_marker(path):
    try:
        with open(path) as f:
            return json.load(f)
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as e:
        return {"status": "refused", "runId": "?", "revision": "?", "at": "?", "step": "?", "message": "unreadable provisioning marker: %s" % e}


def write_marker(m, fields):
    spec = REQ["marker"]
    d = os.path.dirname(spec["path"])
    os.makedirs(d, mode=0o700, exist_ok=True)
    os.chmod(os.path.dirname(d), 0o700)
    out = dict(m or {})
    out.update({"runId": spec["runId"], "revision": spec["revision"], "at": spec["at"]})
    out.update(fields)
    atomic_write(spec["path"], json.dumps(out, indent=2, sort_keys=True) + "\n", 0o600)
    return out


def entries(path, limit=5):
    try:
        return sorted(os.listdir(path))[:limit]
    except OSError:
        return []


def psql(argv, wait_seconds):
    """Runs the pg_database query (SQL on stdin), retrying while PostgreSQL is starting."""
    deadline = time.monotonic() + wait_seconds
    while True:
        try:
            p = subprocess.run(argv, input=DATABASE_EXISTS_SQL, capture_output=True, text=True, timeout=60)
            if p.returncode == 0:
                return p.stdout.strip()
            last = (p.stderr.strip() or p.stdout.strip() or "exit %s" % p.returncode).split("\n")[-1]
        except subprocess.TimeoutExpired:
            last = "timed out"
        if time.monotonic() > deadline:
            fail("cannot read pg_database after %d s: %s" % (wait_seconds, last))
        time.sleep(1)


def existing(paths):
    """The names of those of PATHS that exist."""
    return [os.path.basename(p) for p in paths if os.path.exists(p)]


def phrases(parts):
    """'label (a, b)' for each (label, names) that found something, in the order given."""
    return ["%s (%s)" % (label, ", ".join(names)) for label, names in parts if names]


def leftovers(found):
    """What of an earlier installation is there: layout files, filestore, addons checkouts."""
    return phrases([
        ("files of an earlier installation", existing(found["files"])),
        ("a filestore", entries(found["filestore"])),
        ("addons checkouts", entries(found["addons"])),
    ])


def inventory(inv):
    """What exists of the instance now, one phrase each (for the marker after a failure)."""
    out = phrases([
        ("layout", existing(inv["files"])),
        ("addons checkouts", entries(inv["addons"])),
        ("filestore", entries(inv["filestore"])),
    ])
    if os.path.exists(inv["composeFile"]):
        try:
            p = subprocess.run(inv["query"], input=DATABASE_EXISTS_SQL, capture_output=True, text=True, timeout=60)
            if p.returncode == 0:
                if p.stdout.strip() not in ("", "0"):
                    out.append("database %s" % inv["database"])
            else:
                out.append("database %s: unknown (the db service does not answer)" % inv["database"])
        except subprocess.TimeoutExpired:
            out.append("database %s: unknown (pg_database did not answer)" % inv["database"])
    return out


def refuse(m, step, message, exists):
    marker = write_marker(m, {"status": "refused", "step": step, "message": message, "exists": exists})
    json.dump({"refused": True, "marker": marker}, sys.stdout)
    sys.exit(REFUSED)


def layout():
    m = read_marker(REQ["marker"]["path"])
    if m is not None and m.get("status") == "refused":
        json.dump({"refused": True, "marker": m}, sys.stdout)
        sys.exit(REFUSED)
    if m is None:
        found = leftovers(REQ["refuseIfFound"])
        if found:
            refuse(None, "provision-layout", "the layout is missing but the server holds data odoops did not create", found)
    write_marker(m, {"status": "in-progress", "step": "provision-layout"})
    for d in REQ["dirs"]:
        os.makedirs(d["path"], exist_ok=True)
        os.chmod(d["path"], d["mode"])
        os.chown(d["path"], *owner_ids(d.get("owner")))
    password = db_password(REQ.get("dbPassword"))
    for f in REQ["files"]:
        content = f["content"].replace(REQ["dbPassword"]["slot"], password) if password else f["content"]
        atomic_write(f["path"], content, f["mode"], f.get("owner"))
    json.dump({"written": [f["path"] for f in REQ["files"]]}, sys.stdout)


def db_password(spec):
    """The instance's database password: the one its .env already holds (a layout step run
    again must keep the password its database was initialised with), else a new random one.
    It stays on this server: never printed, never in argv."""
    if not spec:
        return None
    try:
        with open(spec["envFile"]) as f:
            for line in f:
                key, sep, value = line.rstrip("\n").partition("=")
                if sep and key.strip() == spec["key"] and len(value.strip()) >= 24:
                    return value.strip()
    except FileNotFoundError:
        pass
    return secrets.token_urlsafe(32)


def claim_database():
    m = read_marker(REQ["marker"]["path"])
    if m is None or m.get("status") == "refused":
        fail("no provisioning marker of this instance: the layout step must run first")
    count = psql(REQ["query"], REQ["waitSeconds"])
    if count not in ("", "0"):
        if m.get("database") in ("creating", "created"):
            write_marker(m, {"status": "in-progress", "step": "provision-database"})
            json.dump({"database": m["database"]}, sys.stdout)
            return
        refuse(m, "provision-database", "database %s already exists and odoops did not create it" % REQ["database"], ["database %s" % REQ["database"]])
    write_marker(m, {"status": "in-progress", "step": "provision-database", "database": "creating"})
    json.dump({"database": "absent"}, sys.stdout)


def mark():
    m = read_marker(REQ["marker"]["path"])
    if m is None:
        fail("no provisioning marker of this instance")
    json.dump(write_marker(m, REQ["fields"]), sys.stdout)


def failed():
    m = read_marker(REQ["marker"]["path"])
    # No marker: the layout step never started, nothing was created (and a marker now would
    # skip its check for data odoops did not create).
    if m is None or m.get("status") == "refused":
        json.dump(m, sys.stdout)
        return
    marker = write_marker(m, {"status": "failed", "step": REQ["step"], "message": REQ["message"], "exists": inventory(REQ["inventory"])})
    json.dump(marker, sys.stdout)


def finish():
    path = REQ["marker"]["path"]
    existed = os.path.exists(path)
    if existed:
        os.unlink(path)
    json.dump({"removed": existed}, sys.stdout)


def clear():
    """`odoops resolve`: prints the marker; with confirm, removes it when its status is one a
    person may clear (failed, refused) and the layout odoops wrote is gone: without the
    marker, a layout would make the instance pass for provisioned (whatever database is there)."""
    path = REQ["path"]
    m = read_marker(path) if os.path.exists(path) else None
    layout = existing(REQ["layout"])
    out = {"marker": m, "cleared": False, "layout": layout}
    if m is not None and REQ.get("confirm") and m.get("status") in REQ["clearable"] and not layout:
        os.unlink(path)
        out["cleared"] = True
    json.dump(out, sys.stdout)


OPS = {"layout": layout, "claim-database": claim_database, "mark": mark, "failed": failed, "finish": finish, "clear": clear}
op = OPS.get(REQ.get("op"))
if op is None:
    fail("unknown provisioning op %r" % REQ.get("op"))
op()

# odoops managed files on a server (sshd drop-in, nftables, NRPE, rsyslog, Nagios, ...). Run
# by the constant bootstrap (`python3 -c ...`) that reads this program, a NUL byte and the
# request (JSON) from stdin: paths, contents and commands never reach a shell (commands are
# argv lists run without one). Prints one JSON document on stdout.
#
# ops:
#   read     digest, mode, owner (and content, for files that hold no secret) of each path;
#            a secret file's digest is an HMAC with a key used for this read only. Read-only.
#   install  keep the previous files aside, write the new ones (temporary file in the same
#            directory, fsync, rename; mode and owner set before the rename), run the
#            validation commands, then (with `guard`) arm a timed revert that runs on its own,
#            then the activation commands. Any failure restores the previous files and
#            re-runs the activation commands on them.
#   confirm  the new connection worked: disarm the timed revert, drop the saved files.
#   revert   restore the saved files now and re-activate them (odoops could not reconnect).
#   watchdog (started by install, detached) wait, then revert unless confirmed first.
import grp, hashlib, hmac, json, os, pwd, shutil, subprocess, sys, tempfile, time

try:
    import fcntl
except ImportError:  # pragma: no cover
    fcntl = None

REQ = json.loads(REQUEST)  # noqa: F821 (set by the bootstrap)
# Directories made for new files must be readable by the daemons that drop privileges (nagios).
os.umask(0o022)
MAX_CONTENT = 512 * 1024


def out(doc):
    sys.stdout.write(json.dumps(doc))
    sys.stdout.flush()


def owner_of(st):
    try:
        user = pwd.getpwuid(st.st_uid).pw_name
    except KeyError:
        user = str(st.st_uid)
    try:
        group = grp.getgrgid(st.st_gid).gr_name
    except KeyError:
        group = str(st.st_gid)
    return "%s:%s" % (user, group)


def read_one(f, key):
    path = f["path"]
    try:
        st = os.stat(path)
    except FileNotFoundError:
        return {"path": path, "exists": False}
    except OSError as e:
        return {"path": path, "exists": False, "error": str(e)}
    try:
        with open(path, "rb") as fh:
            data = fh.read()
    except OSError as e:
        return {"path": path, "exists": True, "error": str(e), "mode": st.st_mode & 0o7777, "owner": owner_of(st)}
    doc = {"path": path, "exists": True, "mode": st.st_mode & 0o7777, "owner": owner_of(st)}
    if f.get("secret"):
        doc["hmac"] = hmac.new(key, data, hashlib.sha256).hexdigest()
    else:
        doc["sha256"] = hashlib.sha256(data).hexdigest()
        if len(data) <= MAX_CONTENT:
            try:
                doc["content"] = data.decode("utf-8")
            except UnicodeDecodeError:
                pass
    return doc


def run(argv, timeout):
    try:
        p = subprocess.run(argv, capture_output=True, text=True, timeout=timeout, stdin=subprocess.DEVNULL)
        return p.returncode, (p.stdout + p.stderr).strip()[-2000:]
    except subprocess.TimeoutExpired:
        return 124, "timed out after %s s" % timeout
    except OSError as e:
        return 127, str(e)


def ids(owner):
    user, _, group = (owner or "root:root").partition(":")
    uid = pwd.getpwnam(user).pw_uid
    gid = grp.getgrnam(group or user).gr_gid
    return uid, gid


def write_atomic(path, data, mode, owner):
    d = os.path.dirname(path)
    os.makedirs(d, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix="." + os.path.basename(path) + ".odoops-", dir=d)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, mode)
        uid, gid = owner
        os.chown(tmp, uid, gid)
        return tmp
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def save_dir(req):
    return os.path.join(req["stateDir"], req["token"])


def save_previous(req):
    """Copies of the files about to change, with their modes and owners, in the run's directory."""
    d = save_dir(req)
    os.makedirs(d, mode=0o700, exist_ok=True)
    saved = []
    for i, f in enumerate(req["files"]):
        path = f["path"]
        entry = {"path": path, "exists": os.path.exists(path)}
        if entry["exists"]:
            st = os.stat(path)
            entry.update({"mode": st.st_mode & 0o7777, "uid": st.st_uid, "gid": st.st_gid, "copy": os.path.join(d, "file-%d" % i)})
            shutil.copyfile(path, entry["copy"])
            os.chmod(entry["copy"], 0o600)
        saved.append(entry)
    meta = {"files": saved, "activate": req["activate"], "label": req["label"]}
    with open(os.path.join(d, "saved.json"), "w") as fh:
        json.dump(meta, fh)
    return meta


def restore(meta):
    """Puts the saved files back (removing those that did not exist), then re-activates them."""
    problems = []
    for e in meta["files"]:
        try:
            if e["exists"]:
                with open(e["copy"], "rb") as fh:
                    data = fh.read()
                tmp = write_atomic(e["path"], data, e["mode"], (e["uid"], e["gid"]))
                os.replace(tmp, e["path"])
            elif os.path.lexists(e["path"]):
                os.unlink(e["path"])
        except OSError as err:
            problems.append("%s: %s" % (e["path"], err))
    for a in meta["activate"]:
        code, text = run(a["argv"], a["timeout"])
        if code != 0:
            problems.append("%s (on the previous files): exit %d: %s" % (a["label"], code, text.split("\n")[-1]))
    return problems


def done_failed(req, doc):
    """A failed install whose previous files are back keeps nothing aside; one that could not restore keeps the copies for a person."""
    if doc.get("restored"):
        shutil.rmtree(save_dir(req), ignore_errors=True)
    else:
        doc["message"] = "%s; the previous files are kept in %s" % (doc.get("message", ""), save_dir(req))
    out(doc)


def locked(req):
    """An exclusive flock on the run's directory: confirm, revert and the watchdog never race."""
    fh = open(os.path.join(save_dir(req), "lock"), "a+")
    if fcntl:
        fcntl.flock(fh, fcntl.LOCK_EX)
    return fh


def armed_file(req):
    return os.path.join(save_dir(req), "armed")


def op_install(req):
    meta = save_previous(req)
    steps = []
    # Every temporary file first, then every rename: a file that cannot be written leaves all in place.
    temps = []
    try:
        for f in req["files"]:
            temps.append((write_atomic(f["path"], f["content"].encode("utf-8"), f["mode"], ids(f.get("owner"))), f["path"]))
    except (OSError, KeyError) as err:
        for tmp, _ in temps:
            if os.path.exists(tmp):
                os.unlink(tmp)
        done_failed(req, {"ok": False, "stage": "write", "message": "writing the files failed: %s" % err, "steps": steps, "restored": True, "problems": []})
        return
    try:
        for tmp, path in temps:
            os.replace(tmp, path)
    except OSError as err:
        problems = restore({**meta, "activate": []})
        done_failed(req, {"ok": False, "stage": "write", "message": "renaming the files failed: %s" % err, "steps": steps, "restored": not problems, "problems": problems})
        return
    steps.append("written")
    for v in req["validate"]:
        code, text = run(v["argv"], v["timeout"])
        if code != 0:
            problems = restore({**meta, "activate": []})
            done_failed(req, {"ok": False, "stage": "validate", "message": "%s refused the new files: exit %d: %s" % (v["label"], code, text), "steps": steps, "restored": not problems, "problems": problems})
            return
        steps.append("validated: %s" % v["label"])
    if req.get("guard"):
        with open(armed_file(req), "w") as fh:
            fh.write(str(time.time() + req["revertAfter"]))
        watchdog = dict(req, op="watchdog", program="")
        program = req["program"].encode("utf-8")
        p = subprocess.Popen(
            [sys.executable, "-c", req["bootstrap"], "managed-files.py"],
            stdin=subprocess.PIPE, stdout=subprocess.DEVNULL,
            stderr=open(os.path.join(save_dir(req), "watchdog.log"), "ab"),
            start_new_session=True, close_fds=True,
        )
        p.stdin.write(program + b"\0" + json.dumps(watchdog).encode("utf-8"))
        p.stdin.close()
        steps.append("timed revert armed (%d s)" % req["revertAfter"])
    for a in req["activate"]:
        code, text = run(a["argv"], a["timeout"])
        if code != 0:
            fh = locked(req) if req.get("guard") else None
            if fh and os.path.exists(armed_file(req)):
                os.unlink(armed_file(req))
            problems = restore(meta)
            done_failed(req, {"ok": False, "stage": "activate", "message": "%s failed: exit %d: %s" % (a["label"], code, text), "steps": steps, "restored": not problems, "problems": problems})
            return
        steps.append("activated: %s" % a["label"])
    if not req.get("guard"):
        shutil.rmtree(save_dir(req), ignore_errors=True)
    out({"ok": True, "steps": steps})


def op_confirm(req):
    if not os.path.isdir(save_dir(req)):
        out({"ok": False, "message": "nothing armed for %s" % req["token"]})
        return
    with locked(req):
        if not os.path.exists(armed_file(req)):
            out({"ok": False, "message": "the timed revert already ran: the previous files are back"})
            return
        os.unlink(armed_file(req))
    shutil.rmtree(save_dir(req), ignore_errors=True)
    out({"ok": True})


def load_meta(req):
    with open(os.path.join(save_dir(req), "saved.json")) as fh:
        return json.load(fh)


def op_revert(req):
    if not os.path.isdir(save_dir(req)):
        out({"ok": False, "message": "nothing saved for %s" % req["token"]})
        return
    with locked(req):
        if not os.path.exists(armed_file(req)):
            out({"ok": True, "already": True, "problems": []})
            return
        os.unlink(armed_file(req))
        problems = restore(load_meta(req))
    out({"ok": not problems, "problems": problems})


def op_watchdog(req):
    deadline = time.time() + req["revertAfter"]
    while time.time() < deadline:
        if not os.path.exists(armed_file(req)):
            return
        time.sleep(0.5)
    with locked(req):
        if not os.path.exists(armed_file(req)):
            return
        os.unlink(armed_file(req))
        problems = restore(load_meta(req))
        with open(os.path.join(save_dir(req), "reverted.json"), "w") as fh:
            json.dump({"at": time.time(), "problems": problems}, fh)


def main():
    op = REQ["op"]
    if op == "read":
        key = bytes.fromhex(REQ.get("secretKey", ""))
        out({"files": [read_one(f, key) for f in REQ["files"]]})
    elif op == "install":
        op_install(REQ)
    elif op == "confirm":
        op_confirm(REQ)
    elif op == "revert":
        op_revert(REQ)
    elif op == "watchdog":
        op_watchdog(REQ)
    else:
        sys.stderr.write("unknown op %s\n" % op)
        sys.exit(2)


main()

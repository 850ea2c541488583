#!/usr/bin/python3
# odoops-backup: the daily off-site backup of one client server (host contract, issue 8).
# Installed by odoops at /usr/local/sbin/odoops-backup with its configuration in
# /etc/odoops/backup/ (config.json, the repository password and each destination's
# credentials, all 0600, written by odoops from the operator side). Run by the cron entry
# /etc/cron.d/odoops-backup, and by odoops itself for `odoops backup`, `backups`, `restore`.
#
#   odoops-backup run [--instance I]   dump (pg_dump -Fc, verified with pg_restore --list) +
#                                      filestore -> restic backup to every destination, tagged
#                                      client=/instance=/revision=; forget --prune; check
#   odoops-backup snapshots            every destination's snapshots of this client, as JSON
#   odoops-backup fetch DEST SNAP FROM INTO DIR
#                                      restore snapshot SNAP (or "latest") of instance FROM into
#                                      DIR, laid out like a pre-change snapshot for instance INTO
#                                      (db.dump verified by INTO's PostgreSQL, filestore.tar.gz
#                                      renamed for INTO's database, complete)
#   odoops-backup status               the last runs' results (STATUS_FILE), as JSON
#
# Protocol on stdout: "PROGRESS <text>" lines, then one "RESULT <json>" line. Exit codes:
# 0 every destination ok, 3 degraded (at least one destination failed, every instance is on
# at least one), 1 failed, 2 usage. Secrets are read from files by restic and ssh; nothing of
# them is ever printed or put in argv.
import datetime
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

CONFIG_DIR = "/etc/odoops/backup"


def now():
    return datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def say(kind, text):
    sys.stdout.write("%s %s\n" % (kind, text))
    sys.stdout.flush()


def last_line(text):
    lines = [l.strip() for l in (text or "").splitlines() if l.strip()]
    return lines[-1] if lines else ""


class Failure(Exception):
    def __init__(self, code, message):
        Exception.__init__(self, message)
        self.code = code


def load_config():
    with open(os.path.join(CONFIG_DIR, "config.json")) as f:
        return json.load(f)


def restic_env(cfg, dest):
    env = {"PATH": os.environ.get("PATH", "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"),
           "HOME": os.environ.get("HOME", "/root"),
           "RESTIC_PASSWORD_FILE": cfg["passwordFile"],
           "RESTIC_CACHE_DIR": os.path.join(cfg["stateDir"], "cache")}
    if dest.get("envFile"):
        with open(dest["envFile"]) as f:
            for line in f:
                line = line.rstrip("\n")
                if not line or line.startswith("#"):
                    continue
                name, _, value = line.partition("=")
                env[name] = value
    return env


def restic_argv(dest, *args):
    argv = ["restic", "-r", dest["repository"]]
    if dest.get("caCertFile"):
        argv += ["--cacert", dest["caCertFile"]]
    sftp = dest.get("sftp")
    if sftp:
        # restic splits sftp.command on spaces: these are odoops' own paths and the URL's host.
        argv += ["-o", "sftp.command=ssh -i %s -o UserKnownHostsFile=%s -o StrictHostKeyChecking=yes -o BatchMode=yes "
                 "-o IdentitiesOnly=yes -o ConnectTimeout=%d -p %d %s@%s -s sftp"
                 % (sftp["keyFile"], sftp["knownHostsFile"], sftp.get("connectTimeout", 15), sftp["port"], sftp["user"], sftp["host"])]
    return argv + list(args)


def classify(stderr):
    """restic's message -> a typed code (restic 0.14 has no distinct exit codes)."""
    s = stderr or ""
    if "wrong password" in s:
        return "wrong-password"
    if "Is there a repository at the following location" in s or "repository does not exist" in s:
        return "no-repository"
    if "unable to create lock" in s or "repository is already locked" in s:
        return "locked"
    return "unreachable" if re.search(r"ssh|connection|dial tcp|timeout|no route|refused|Fatal: unable to open", s, re.I) else "failed"


def restic(cfg, dest, *args, timeout=None, stdout_json=False):
    t = timeout or cfg.get("resticTimeout", 3600)
    try:
        p = subprocess.run(restic_argv(dest, *args), env=restic_env(cfg, dest), capture_output=True, text=True, timeout=t)
    except subprocess.TimeoutExpired:
        raise Failure("timeout", "restic %s on %s: no answer within %d s" % (args[0], dest["name"], t))
    if p.returncode != 0:
        code = classify(p.stderr)
        raise Failure(code, "restic %s on %s: %s" % (args[0], dest["name"], last_line(p.stderr) or "exit %d" % p.returncode))
    return p.stdout


def ensure_repository(cfg, dest):
    """Opens the repository; creates it only when restic says there is none (never on a wrong password)."""
    try:
        restic(cfg, dest, "cat", "config", timeout=cfg.get("openTimeout", 120))
        return False
    except Failure as e:
        if e.code != "no-repository":
            raise
    restic(cfg, dest, "init", timeout=cfg.get("openTimeout", 120))
    return True


def compose(inst, *args):
    return ["docker", "compose", "-f", inst["composeFile"]] + list(args)


def conninfo(db):
    return "dbname='%s'" % db.replace("\\", "\\\\").replace("'", "\\'")


def dump(cfg, inst, path):
    """pg_dump -Fc of the instance's database, verified readable: the TOC lists entries."""
    with open(path + ".part", "wb") as out:
        p = subprocess.run(compose(inst, "exec", "-T", "db", "pg_dump", "-U", "odoo", "-Fc", "-d", conninfo(inst["database"])),
                           stdout=out, stderr=subprocess.PIPE, timeout=cfg.get("dumpTimeout", 3600))
    if p.returncode != 0:
        os.unlink(path + ".part")
        raise Failure("dump-failed", "pg_dump %s: %s" % (inst["database"], last_line(p.stderr.decode("utf-8", "replace"))))
    entries = verify_dump(cfg, inst, path + ".part")
    os.replace(path + ".part", path)
    return entries


def verify_dump(cfg, inst, path):
    with open(path, "rb") as f:
        p = subprocess.run(compose(inst, "exec", "-T", "db", "pg_restore", "--list"), stdin=f, capture_output=True, timeout=cfg.get("dumpTimeout", 3600))
    toc = p.stdout.decode("utf-8", "replace")
    entries = len([l for l in toc.splitlines() if re.match(r"^\d", l)])
    if p.returncode != 0 or entries == 0:
        raise Failure("dump-unreadable", "the dump of %s does not read back (pg_restore --list): %s"
                      % (inst["database"], last_line(p.stderr.decode("utf-8", "replace")) or "no entries"))
    return entries


def revision_of(cfg, name):
    try:
        with open(cfg["serverStateFile"]) as f:
            return json.load(f).get("instances", {}).get(name, {}).get("revision") or "unknown"
    except (OSError, ValueError):
        return "unknown"


def read_status(cfg):
    try:
        with open(cfg["statusFile"]) as f:
            return json.load(f)
    except (OSError, ValueError):
        return {"version": 1, "destinations": {}, "sizes": {}}


def write_status(cfg, status):
    d = os.path.dirname(cfg["statusFile"])
    os.makedirs(d, mode=0o700, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=d, prefix=".status.")
    with os.fdopen(fd, "w") as f:
        json.dump(status, f, indent=1, sort_keys=True)
    os.replace(tmp, cfg["statusFile"])


def cmd_run(cfg, only):
    instances = [i for i in cfg["instances"] if only is None or i["name"] == only]
    if not instances:
        raise Failure("usage", "no instance %s in %s" % (only, CONFIG_DIR))
    status = read_status(cfg)
    started = now()
    stage = os.path.join(cfg["stateDir"], "stage")
    os.makedirs(stage, mode=0o700, exist_ok=True)
    result = {"startedAt": started, "instances": {}, "destinations": {}}
    dests = {d["name"]: {"ok": True, "snapshots": {}} for d in cfg["destinations"]}
    opened = {}
    for d in cfg["destinations"]:
        say("PROGRESS", "open %s" % d["name"])
        try:
            opened[d["name"]] = ensure_repository(cfg, d)
        except Failure as e:
            dests[d["name"]] = {"ok": False, "code": e.code, "error": str(e), "snapshots": {}}
            say("PROGRESS", "%s: %s" % (d["name"], e))
    for inst in instances:
        name = inst["name"]
        idir = os.path.join(stage, name)
        os.makedirs(idir, mode=0o700, exist_ok=True)
        dump_path = os.path.join(idir, "db.dump")
        say("PROGRESS", "dump %s (%s)" % (name, inst["database"]))
        try:
            entries = dump(cfg, inst, dump_path)
        except Failure as e:
            result["instances"][name] = {"ok": False, "code": e.code, "error": str(e)}
            say("PROGRESS", str(e))
            continue
        rev = revision_of(cfg, name)
        paths = [dump_path] + ([inst["filestore"]] if os.path.isdir(inst["filestore"]) else [])
        copies = 0
        for d in cfg["destinations"]:
            if not dests[d["name"]]["ok"]:
                continue
            say("PROGRESS", "backup %s to %s" % (name, d["name"]))
            try:
                out = restic(cfg, d, "backup", "--json", "--host", cfg["client"], "--tag", "odoops",
                             "--tag", "client=" + cfg["client"], "--tag", "instance=" + name, "--tag", "revision=" + rev, *paths)
                summary = [json.loads(l) for l in out.splitlines() if l.startswith("{") and '"summary"' in l]
                s = summary[-1] if summary else {}
                snap = {"id": s.get("snapshot_id"), "time": now(), "size": s.get("total_bytes_processed"), "revision": rev, "entries": entries}
                dests[d["name"]]["snapshots"][name] = snap
                if snap["id"]:
                    status.setdefault("sizes", {})[snap["id"]] = snap["size"]
                copies += 1
            except Failure as e:
                dests[d["name"]] = {"ok": False, "code": e.code, "error": str(e), "snapshots": dests[d["name"]]["snapshots"]}
                say("PROGRESS", str(e))
        os.unlink(dump_path)
        result["instances"][name] = {"ok": copies > 0, "copies": copies, "revision": rev, "entries": entries}
    r = cfg["retention"]
    for d in cfg["destinations"]:
        if not dests[d["name"]]["ok"]:
            continue
        try:
            # Retention per instance (each instance's snapshots have their own paths), one prune per destination.
            say("PROGRESS", "forget --prune on %s" % d["name"])
            restic(cfg, d, "forget", "--prune", "--host", cfg["client"], "--tag", "odoops", "--group-by", "host,paths",
                   "--keep-daily", str(r["daily"]), "--keep-weekly", str(r["weekly"]), "--keep-monthly", str(r["monthly"]))
            say("PROGRESS", "check %s" % d["name"])
            restic(cfg, d, "check", timeout=cfg.get("checkTimeout", 3600))
            dests[d["name"]]["check"] = {"ok": True, "at": now()}
        except Failure as e:
            dests[d["name"]].update({"ok": False, "code": e.code, "error": str(e), "check": {"ok": False, "at": now(), "error": str(e)}})
            say("PROGRESS", str(e))
    finished = now()
    for name, d in dests.items():
        prev = status["destinations"].get(name, {})
        entry = {"lastRun": {"at": finished, "ok": d["ok"]}}
        if not d["ok"]:
            entry["lastRun"].update({"code": d.get("code"), "error": d.get("error")})
        # Per instance: the newest snapshot known good on this destination (kept across failed runs).
        newest = dict(prev.get("newest", {}))
        newest.update(d["snapshots"])
        entry["newest"] = newest
        entry["check"] = d.get("check") or prev.get("check")
        status["destinations"][name] = entry
    # A bounded history of sizes (snapshot id -> bytes), for `odoops backups`.
    sizes = status.get("sizes", {})
    if len(sizes) > 500:
        status["sizes"] = dict(list(sizes.items())[-500:])
    status["lastRun"] = {"startedAt": started, "finishedAt": finished}
    write_status(cfg, status)
    result["destinations"] = dests
    result["finishedAt"] = finished
    say("RESULT", json.dumps(result, sort_keys=True))
    every = all(d["ok"] for d in dests.values()) and all(i["ok"] for i in result["instances"].values())
    some = all(i["ok"] for i in result["instances"].values())
    return 0 if every else (3 if some else 1)


def cmd_snapshots(cfg):
    status = read_status(cfg)
    out = {}
    for d in cfg["destinations"]:
        try:
            snaps = json.loads(restic(cfg, d, "snapshots", "--json", "--host", cfg["client"], timeout=cfg.get("openTimeout", 120)) or "[]")
            out[d["name"]] = {"ok": True, "snapshots": [
                {"id": s["id"], "short": s.get("short_id"), "time": s["time"], "tags": s.get("tags") or [], "paths": s.get("paths") or [],
                 "size": status.get("sizes", {}).get(s["id"])} for s in snaps]}
        except Failure as e:
            out[d["name"]] = {"ok": False, "code": e.code, "error": str(e)}
    say("RESULT", json.dumps(out, sort_keys=True))
    return 0 if all(v["ok"] for v in out.values()) else 3


def cmd_fetch(cfg, dest_name, snapshot, from_name, into_name, target):
    dests = [d for d in cfg["destinations"] if d["name"] == dest_name]
    source = [i for i in cfg["instances"] if i["name"] == from_name]
    into = [i for i in cfg["instances"] if i["name"] == into_name]
    if not dests or not source or not into:
        raise Failure("usage", "unknown destination %s or instance %s/%s" % (dest_name, from_name, into_name))
    d, source, inst = dests[0], source[0], into[0]
    snaps = json.loads(restic(cfg, d, "snapshots", "--json", "--host", cfg["client"], "--tag", "instance=" + from_name,
                              timeout=cfg.get("openTimeout", 120)) or "[]")
    mine = sorted([s for s in snaps if "odoops" in (s.get("tags") or [])], key=lambda s: s["time"])
    if snapshot == "latest":
        if not mine:
            raise Failure("no-snapshot", "no snapshot of %s on %s" % (from_name, d["name"]))
        chosen = mine[-1]
    else:
        found = [s for s in mine if s["id"] == snapshot or s["id"].startswith(snapshot)]
        if len(found) != 1:
            raise Failure("no-snapshot", "no snapshot %s of %s/%s on %s" % (snapshot, cfg["client"], from_name, d["name"]))
        chosen = found[0]
    if os.path.exists(target):
        raise Failure("usage", "%s already exists" % target)
    os.makedirs(target, mode=0o700)
    tree = os.path.join(target, "tree")
    say("PROGRESS", "restore snapshot %s from %s" % (chosen["id"][:8], d["name"]))
    restic(cfg, d, "restore", chosen["id"], "--target", tree)
    dump_in_tree = tree + os.path.join(cfg["stateDir"], "stage", source["name"], "db.dump")
    if not os.path.isfile(dump_in_tree):
        raise Failure("incomplete-snapshot", "snapshot %s holds no database dump" % chosen["id"][:8])
    os.replace(dump_in_tree, os.path.join(target, "db.dump"))
    say("PROGRESS", "verify the dump (pg_restore --list)")
    entries = verify_dump(cfg, inst, os.path.join(target, "db.dump"))
    fs = tree + source["filestore"]
    if os.path.isdir(fs):
        # Odoo keeps each database's files in filestore/<database>: renamed for another database.
        old = os.path.join(fs, "filestore", source["database"])
        if inst["database"] != source["database"] and os.path.isdir(old):
            os.replace(old, os.path.join(fs, "filestore", inst["database"]))
        say("PROGRESS", "archive the filestore")
        p = subprocess.run(["tar", "-C", os.path.dirname(fs), "-czf", os.path.join(target, "filestore.tar.gz"), os.path.basename(fs)],
                           capture_output=True, text=True)
        if p.returncode != 0:
            raise Failure("failed", "filestore archive: %s" % last_line(p.stderr))
    shutil.rmtree(tree)
    with open(os.path.join(target, "source.json"), "w") as f:
        json.dump({"destination": d["name"], "snapshot": chosen["id"], "time": chosen["time"], "tags": chosen.get("tags", [])}, f)
    open(os.path.join(target, "complete"), "w").close()
    say("RESULT", json.dumps({"snapshot": chosen["id"], "time": chosen["time"], "tags": chosen.get("tags", []), "entries": entries,
                              "instance": source["name"], "destination": d["name"], "dir": target}, sort_keys=True))
    return 0


# --- The schedule, checked here in its own time zone (backups.schedule, backups.timeZone) ---
# Debian's and Ubuntu's cron ignore CRON_TZ and schedule in the server's zone. So the cron
# entry starts `scheduled` at every minute that can be the schedule's minute in some zone
# (real zones are whole quarter hours apart), and this decides: it runs the backup when the
# minute, hour, day and month in backups.timeZone match the schedule (cron's rule: when both
# day fields are restricted, either may match), once per scheduled minute (a repeated local
# time when clocks go back runs once; a skipped one when they go forward does not run).
NAMES = {"jan": 1, "feb": 2, "mar": 3, "apr": 4, "may": 5, "jun": 6, "jul": 7, "aug": 8, "sep": 9, "oct": 10, "nov": 11, "dec": 12,
         "sun": 0, "mon": 1, "tue": 2, "wed": 3, "thu": 4, "fri": 5, "sat": 6}


def cron_field(text, lo, hi):
    """The values of one cron field: *, a, a-b, */n, a-b/n, lists, month and day names."""
    out = set()
    for part in text.lower().split(","):
        rng, _, step = part.partition("/")
        if rng == "*":
            a, b = lo, hi
        else:
            first, _, last = rng.partition("-")
            a = NAMES.get(first, None) if not first.isdigit() else int(first)
            b = (NAMES.get(last, None) if not last.isdigit() else int(last)) if last else (hi if step else a)
            if a is None or b is None:
                raise Failure("usage", "invalid cron field %r" % text)
        out.update(range(a, b + 1, int(step) if step else 1))
    return out


def is_due(schedule, zone, at):
    """Whether `schedule` fires at the minute of `at` (UTC epoch seconds) in time zone `zone`."""
    fields = schedule.split()
    saved = os.environ.get("TZ")
    os.environ["TZ"] = zone
    time.tzset()
    try:
        t = time.localtime(at)
    finally:
        if saved is None:
            del os.environ["TZ"]
        else:
            os.environ["TZ"] = saved
        time.tzset()
    minute, hour, dom, month, dow = fields
    dows = {d % 7 for d in cron_field(dow, 0, 7)}
    dom_ok = t.tm_mday in cron_field(dom, 1, 31)
    dow_ok = (t.tm_wday + 1) % 7 in dows
    day_ok = (dom_ok or dow_ok) if dom != "*" and dow != "*" else (dom_ok and dow_ok)
    due = t.tm_min in cron_field(minute, 0, 59) and t.tm_hour in cron_field(hour, 0, 23) and t.tm_mon in cron_field(month, 1, 12) and day_ok
    return due, time.strftime("%Y-%m-%dT%H:%M", t)


def cmd_scheduled(cfg, at):
    due, slot = is_due(cfg["schedule"], cfg["timeZone"], at)
    if not due:
        return 0
    marker = os.path.join(cfg["stateDir"], "last-scheduled")
    try:
        with open(marker) as f:
            if f.read().strip() == slot:
                return 0
    except FileNotFoundError:
        pass
    os.makedirs(cfg["stateDir"], mode=0o700, exist_ok=True)
    with open(marker, "w") as f:
        f.write(slot + "\n")
    say("PROGRESS", "scheduled backup of %s %s" % (slot, cfg["timeZone"]))
    return cmd_run(cfg, None)


def main(argv):
    if argv[:1] == ["due"] and len(argv) == 4:
        # Checking a schedule needs no configuration: odoops-backup due SCHEDULE ZONE EPOCH.
        due, slot = is_due(argv[1], argv[2], int(argv[3]))
        print(json.dumps({"due": due, "local": slot}))
        return 0
    if not argv:
        sys.stderr.write("usage: odoops-backup run|scheduled|snapshots|fetch|status\n")
        return 2
    os.umask(0o077)
    cfg = load_config()
    try:
        if argv[0] == "run":
            only = argv[2] if len(argv) >= 3 and argv[1] == "--instance" else None
            return cmd_run(cfg, only)
        if argv[0] == "scheduled":
            at = int(argv[2]) if len(argv) == 3 and argv[1] == "--at" else int(time.time())
            return cmd_scheduled(cfg, at)
        if argv[0] == "snapshots":
            return cmd_snapshots(cfg)
        if argv[0] == "fetch" and len(argv) == 6:
            return cmd_fetch(cfg, argv[1], argv[2], argv[3], argv[4], argv[5])
        if argv[0] == "status":
            status = read_status(cfg)
            # Since when this configuration is in place: no run is due before its first scheduled time.
            mtime = os.stat(os.path.join(CONFIG_DIR, "config.json")).st_mtime
            status["configSince"] = datetime.datetime.fromtimestamp(mtime, datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
            say("RESULT", json.dumps(status, sort_keys=True))
            return 0
    except Failure as e:
        say("RESULT", json.dumps({"error": str(e), "code": e.code}))
        sys.stderr.write("odoops-backup: %s\n" % e)
        return 2 if e.code == "usage" else 1
    sys.stderr.write("usage: odoops-backup run [--instance I] | scheduled [--at EPOCH] | due SCHEDULE ZONE EPOCH | snapshots | fetch DEST SNAPSHOT FROM INTO DIR | status\n")
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

#!/usr/bin/python3
# A stand-in for systemctl on sandbox hosts (there is no systemd in the sandbox), installed by
# the managed-files tests into a host's own /usr/local/sbin (a copy-on-write layer: only that
# host sees it). Units are JSON files in the host's /etc/odoops-standin/units/<unit>.json:
#   {"exec": [argv of the daemon, in the foreground],
#    "reload": "HUP" (signal the daemon) | [argv of a reload command] | absent (restart),
#    "pidFile": optional file the daemon's PID is read from (when exec is a wrapper)}
# Supports start, stop, restart, reload, reload-or-restart, is-active. Daemons run in their
# own session; their output goes to /var/log/odoops-standin/<unit>.log.
import json, os, signal, subprocess, sys, time

UNITS = "/etc/odoops-standin/units"
STATE = "/var/spool/odoops-standin"
LOGS = "/var/log/odoops-standin"


def fail(code, msg):
    sys.stderr.write(msg + "\n")
    sys.exit(code)


def unit_def(unit):
    try:
        with open(os.path.join(UNITS, unit + ".json")) as f:
            return json.load(f)
    except FileNotFoundError:
        fail(5, "Unit %s.service not found." % unit)


def alive(pid):
    try:
        os.kill(pid, 0)
    except OSError:
        return False
    try:
        with open("/proc/%d/stat" % pid) as f:
            return f.read().split(") ")[-1].split()[0] != "Z"
    except OSError:
        return False


def leader(unit):
    try:
        with open(os.path.join(STATE, unit + ".pid")) as f:
            pid = int(f.read().strip())
    except (OSError, ValueError):
        return None
    return pid if alive(pid) else None


def daemon_pid(unit, d):
    if d.get("pidFile"):
        try:
            with open(d["pidFile"]) as f:
                pid = int(f.read().strip())
            return pid if alive(pid) else None
        except (OSError, ValueError):
            return None
    return leader(unit)


def start(unit, d):
    if leader(unit):
        return
    os.makedirs(STATE, exist_ok=True)
    os.makedirs(LOGS, exist_ok=True)
    log = open(os.path.join(LOGS, unit + ".log"), "ab")
    p = subprocess.Popen(d["exec"], stdin=subprocess.DEVNULL, stdout=log, stderr=log, start_new_session=True, close_fds=True)
    with open(os.path.join(STATE, unit + ".pid"), "w") as f:
        f.write(str(p.pid))
    time.sleep(0.3)
    if p.poll() is not None:
        fail(1, "Job for %s.service failed: exited with %s (see %s)" % (unit, p.returncode, os.path.join(LOGS, unit + ".log")))


def group_alive(pgid):
    try:
        os.killpg(pgid, 0)
    except OSError:
        return False
    return True


def stop(unit):
    # As systemd does, the whole unit is stopped: a daemon's children (NRPE forks one per
    # connection) can hold its listening socket after the leader is gone, and a restart
    # would then fail to bind.
    pid = leader(unit)
    if not pid:
        return
    try:
        os.killpg(pid, signal.SIGTERM)
    except OSError:
        pass
    for _ in range(100):
        if not alive(pid) and not group_alive(pid):
            break
        time.sleep(0.1)
    else:
        try:
            os.killpg(pid, signal.SIGKILL)
        except OSError:
            pass
        for _ in range(50):
            if not group_alive(pid):
                break
            time.sleep(0.1)


def reload(unit, d):
    how = d.get("reload")
    if how is None:
        stop(unit)
        start(unit, d)
    elif how == "HUP":
        pid = daemon_pid(unit, d)
        if not pid:
            fail(7, "%s.service is not active, cannot reload." % unit)
        os.kill(pid, signal.SIGHUP)
    else:
        r = subprocess.run(how)
        if r.returncode != 0:
            fail(1, "Job for %s.service failed (reload exited %d)" % (unit, r.returncode))


def main():
    if len(sys.argv) != 3:
        fail(2, "usage: systemctl start|stop|restart|reload|reload-or-restart|is-active UNIT")
    verb, unit = sys.argv[1], sys.argv[2]
    if unit.endswith(".service"):
        unit = unit[: -len(".service")]
    d = unit_def(unit)
    if verb == "start":
        start(unit, d)
    elif verb == "stop":
        stop(unit)
    elif verb == "restart":
        stop(unit)
        start(unit, d)
    elif verb == "reload":
        reload(unit, d)
    elif verb == "reload-or-restart":
        if leader(unit):
            reload(unit, d)
        else:
            start(unit, d)
    elif verb == "is-active":
        up = leader(unit) is not None
        print("active" if up else "inactive")
        sys.exit(0 if up else 3)
    else:
        fail(2, "unknown verb %s" % verb)


main()

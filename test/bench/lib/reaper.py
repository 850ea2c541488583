# Runs one command as a measured process tree: becomes the child subreaper of everything the
# command starts (so processes that daemonize, like ssh's ControlPersist masters, stay in the
# tree instead of escaping to init), waits for the command, then stops what it left running
# and reaps it all. Writes, as JSON to the file named by its first argument: the command's exit
# code, its wall time, and the CPU (user + system) of every process of the tree, from the
# kernel's accounting of reaped children (getrusage(RUSAGE_CHILDREN)).
#   python3 reaper.py USAGE.json -- COMMAND ARG...
import ctypes, json, os, resource, signal, subprocess, sys, time

PR_SET_CHILD_SUBREAPER = 36


def own_children():
    """PIDs whose parent is this process (orphans of the tree are re-parented here)."""
    me, found = os.getpid(), []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open("/proc/%s/stat" % entry) as f:
                stat = f.read()
        except OSError:
            continue
        if int(stat[stat.rindex(")") + 2:].split(" ")[1]) == me:
            found.append(int(entry))
    return found


def main():
    out, sep, argv = sys.argv[1], sys.argv[2], sys.argv[3:]
    if sep != "--" or not argv:
        sys.exit("usage: reaper.py USAGE.json -- COMMAND ARG...")
    if ctypes.CDLL(None, use_errno=True).prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) != 0:
        sys.exit("reaper.py: prctl(PR_SET_CHILD_SUBREAPER): errno %d" % ctypes.get_errno())
    t0 = time.monotonic()
    child = subprocess.Popen(argv)
    # Reap whatever dies meanwhile (ControlPersist masters exit after their idle time): no
    # zombies pile up, and their CPU is counted as they go.
    while True:
        pid, status = os.wait()
        if pid == child.pid:
            code = os.waitstatus_to_exitcode(status)
            break
    wall = time.monotonic() - t0
    # What the command left behind (ssh ControlPersist masters): stop it so its CPU is counted
    # and nothing of the run outlives it.
    left = own_children()
    for pid in left:
        try:
            os.kill(pid, signal.SIGTERM)
        except ProcessLookupError:
            pass
    deadline = time.monotonic() + 10
    while True:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            break
        if pid == 0:
            if time.monotonic() > deadline:
                for pid in own_children():
                    os.kill(pid, signal.SIGKILL)
            time.sleep(0.02)
    ru = resource.getrusage(resource.RUSAGE_CHILDREN)
    with open(out, "w") as f:
        json.dump({"code": code, "wallS": wall, "userS": ru.ru_utime, "systemS": ru.ru_stime, "leftBehind": len(left)}, f)
    sys.exit(0)


main()

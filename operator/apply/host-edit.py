# odoops file edits on a managed server: fed on stdin to `python3 - <command> <args...>`.
# Every write is atomic (temporary file in the same directory, fsync, rename) so a dead
# run never leaves a half-written .env, odoo.conf or state.json behind.
import json, os, sys, tempfile


def atomic_write(path, text):
    d = os.path.dirname(path) or "."
    os.makedirs(d, exist_ok=True)
    mode = os.stat(path).st_mode & 0o7777 if os.path.exists(path) else 0o644
    fd, tmp = tempfile.mkstemp(prefix="." + os.path.basename(path) + ".odoops-", dir=d)
    try:
        with os.fdopen(fd, "w") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def read(path):
    try:
        with open(path) as f:
            return f.read()
    except FileNotFoundError:
        return ""


def set_env(path, key, value):
    if "\n" in value or "\r" in value:
        sys.exit("refusing a newline in the value of %s" % key)
    lines = read(path).splitlines()
    out, done = [], False
    for line in lines:
        if line.split("=", 1)[0].strip() == key:
            if not done:
                out.append("%s=%s" % (key, value))
                done = True
            continue
        out.append(line)
    if not done:
        out.append("%s=%s" % (key, value))
    atomic_write(path, "\n".join(out) + "\n")


def conf_edit(path, updates):
    """Set keys of [options] in an INI file, keeping every other line (comments too)."""
    for k, v in updates.items():
        if "\n" in k or "\n" in v or "=" in k or "\r" in v:
            sys.exit("refusing an odoo.conf option with a newline or '=': %r" % k)
    lines = read(path).splitlines()
    start = next((i for i, l in enumerate(lines) if l.strip() == "[options]"), None)
    if start is None:
        lines += ["[options]"]
        start = len(lines) - 1
    end = next((i for i in range(start + 1, len(lines)) if lines[i].strip().startswith("[")), len(lines))
    pending = dict(updates)
    for i in range(start + 1, end):
        k = lines[i].split("=", 1)[0].strip()
        if "=" in lines[i] and not lines[i].lstrip().startswith(("#", ";")) and k in pending:
            lines[i] = "%s = %s" % (k, pending.pop(k))
    insert = ["%s = %s" % (k, v) for k, v in pending.items()]
    # Keep new keys inside the section, before trailing blank lines.
    at = end
    while at > start + 1 and not lines[at - 1].strip():
        at -= 1
    lines[at:at] = insert
    atomic_write(path, "\n".join(lines) + "\n")


def conf_get(path, key):
    for line in read(path).splitlines():
        if "=" in line and line.split("=", 1)[0].strip() == key:
            return line.split("=", 1)[1].strip()
    return None


def main():
    cmd, args = sys.argv[1], sys.argv[2:]
    if cmd == "set-env":
        set_env(args[0], args[1], args[2])
    elif cmd == "set-conf":
        conf_edit(args[0], {k: str(v) for k, v in json.loads(args[1]).items()})
    elif cmd == "ensure-addons-path":
        path, entry = args
        current = [p.strip() for p in (conf_get(path, "addons_path") or "").split(",") if p.strip()]
        if entry not in current:
            conf_edit(path, {"addons_path": ",".join(current + [entry])})
    elif cmd == "record":
        path, instance, revision, at = args
        try:
            state = json.loads(read(path) or "{}")
        except ValueError:
            state = {}
        state.setdefault("instances", {})[instance] = {"revision": revision, "at": at}
        atomic_write(path, json.dumps(state, indent=2, sort_keys=True) + "\n")
    else:
        sys.exit("unknown host-edit command %r" % cmd)


main()

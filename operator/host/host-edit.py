# odoops file edits on a managed server. Run by a constant bootstrap (`python3 -c ...`) that
# reads this program, a NUL byte and the request (JSON) from stdin: values never reach argv.
# Every write is atomic (temporary file in the same directory, fsync, rename) so a dead run
# never leaves a half-written .env, odoo.conf, state.json or marker behind. Prints one JSON
# result on stdout; a refusal exits 1 with one line on stderr.
import json, os, re, sys, tempfile

REQ = json.loads(REQUEST)  # noqa: F821 (set by the bootstrap)


def refuse(message):
    sys.stderr.write(message + "\n")
    sys.exit(1)


def single_line(what, value):
    """Printable, one line: str.splitlines() and INI readers split on more than "\\n"
    (\\r, \\x0b, \\x0c, \\x1c-\\x1e, \\x85, U+2028, U+2029), so none of them may reach a file."""
    if not isinstance(value, str):
        refuse("%s must be a string" % what)
    bad = [c for c in value if not c.isprintable()]
    if bad:
        refuse("refusing %s: it contains a non-printable or line-breaking character (%s)" % (what, ", ".join(sorted({"U+%04X" % ord(c) for c in bad}))))
    return value


def atomic_write(path, text, mode=None):
    d = os.path.dirname(path) or "."
    os.makedirs(d, exist_ok=True)
    if mode is None:
        mode = os.stat(path).st_mode & 0o7777 if os.path.exists(path) else 0o644
    owner = (os.stat(path).st_uid, os.stat(path).st_gid) if os.path.exists(path) else None
    fd, tmp = tempfile.mkstemp(prefix="." + os.path.basename(path) + ".odoops-", dir=d)
    try:
        with os.fdopen(fd, "w", newline="") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, mode)
        if owner is not None:
            os.chown(tmp, owner[0], owner[1])
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def read_lines(path):
    """Lines split on "\\n" only (never splitlines()); other characters stay inside their line."""
    try:
        with open(path, newline="") as f:
            text = f.read()
    except FileNotFoundError:
        return []
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    return lines


def set_env(path, key, value):
    if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", key):
        refuse("refusing .env key %r" % key)
    single_line("the value of %s" % key, value)
    out, done = [], False
    for line in read_lines(path):
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
        if not re.fullmatch(r"[a-z][a-z0-9_]*", k):
            refuse("refusing odoo.conf option name %r" % k)
        single_line("the value of option %s" % k, v)
    lines = read_lines(path)
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
    for line in read_lines(path):
        if "=" in line and line.split("=", 1)[0].strip() == key:
            return line.split("=", 1)[1].strip()
    return None


def private_dir(path):
    os.makedirs(path, mode=0o700, exist_ok=True)
    os.chmod(path, 0o700)


def main():
    op = REQ["op"]
    result = {}
    if op == "set-env":
        set_env(REQ["path"], REQ["key"], REQ["value"])
    elif op == "set-conf":
        conf_edit(REQ["path"], {k: str(v) for k, v in REQ["values"].items()})
    elif op == "ensure-addons-path":
        path, entry = REQ["path"], single_line("an addons_path entry", REQ["entry"])
        current = [p.strip() for p in (conf_get(path, "addons_path") or "").split(",") if p.strip()]
        if entry not in current:
            conf_edit(path, {"addons_path": ",".join(current + [entry])})
    elif op == "record":
        path = REQ["path"]
        private_dir(os.path.dirname(path))
        try:
            state = json.loads("\n".join(read_lines(path)) or "{}")
        except ValueError:
            state = {}
        entry = {"revision": REQ["revision"], "at": REQ["at"]}
        if "applied" in REQ:
            entry["applied"] = REQ["applied"]
        state.setdefault("instances", {})[REQ["instance"]] = entry
        if "modulesPath" in REQ:
            # The modules' files checksums as applied: what the probe compares the next commit with.
            private_dir(os.path.dirname(REQ["modulesPath"]))
            record = {"revision": REQ["revision"], "at": REQ["at"], "modules": REQ["modules"]}
            atomic_write(REQ["modulesPath"], json.dumps(record, indent=2, sort_keys=True) + "\n", 0o600)
        atomic_write(path, json.dumps(state, indent=2, sort_keys=True) + "\n", 0o600)
    elif op == "write-marker":
        private_dir(REQ["root"])
        private_dir(os.path.dirname(REQ["path"]))
        snapshot = REQ["marker"].get("snapshot")
        if snapshot and os.path.isdir(snapshot):
            # Retention never removes the snapshot a person has to restore from.
            with open(os.path.join(snapshot, "pinned"), "w") as f:
                f.write(REQ["path"] + "\n")
        atomic_write(REQ["path"], json.dumps(REQ["marker"], indent=2, sort_keys=True) + "\n", 0o600)
    elif op == "clear-marker":
        path = REQ["path"]
        try:
            with open(path) as f:
                marker = json.load(f)
        except FileNotFoundError:
            marker = None
        except ValueError:
            marker = {}
        if marker is not None:
            snapshot = marker.get("snapshot")
            if snapshot:
                try:
                    os.unlink(os.path.join(snapshot, "pinned"))
                except FileNotFoundError:
                    pass
            os.unlink(path)
        result = {"cleared": marker is not None, "marker": marker}
    else:
        refuse("unknown host-edit operation %r" % op)
    json.dump(result, sys.stdout)


main()

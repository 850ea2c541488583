# odoops live-state probe. Run by a constant bootstrap (`python3 -c ...`) that reads this
# program, a NUL byte and the request (JSON) from stdin. Reads everything odoops needs about
# every instance in ONE round trip, running the commands the request gives (argv lists,
# never through a shell) in parallel threads. Read-only: it creates no container, pulls no
# image, changes no file odoo reads; it writes only its own temporary askpass files and, when
# an addons checkout's desired commit is not on the server yet, that commit's git objects
# (`git fetch` without a refspec: HEAD, index and working tree stay as they are), so the plan
# sees the manifests and files the apply will check out. Prints one JSON document on stdout.
# Never raises: problems become "errors" entries.
# Its start-up is part of what a probe costs the server: only the modules every probe needs are
# imported here (no concurrent.futures: it pulls in logging; tempfile and shutil only with a credential).
import ast, configparser, hashlib, hmac, json, os, re, subprocess, sys, threading
from urllib.parse import urlsplit, urlunsplit

REQ = json.loads(REQUEST)  # noqa: F821 (set by the bootstrap)
CMD_TIMEOUT = REQ.get("timeout", 60)
PATHS = REQ["paths"]
GIT = REQ["git"]
SECRET_KEY = bytes.fromhex(REQ.get("secretKey", ""))


class Task:
    def __init__(self, fn, args):
        self.fn, self.args, self.done, self.value, self.error = fn, args, threading.Event(), None, None

    def result(self):
        self.done.wait()
        if self.error is not None:
            raise self.error
        return self.value


class Pool:
    """A bounded pool of threads running tasks in the order they were submitted."""

    def __init__(self, workers):
        self.workers, self.threads, self.queue, self.closed = workers, [], [], False
        self.cv = threading.Condition()

    def submit(self, fn, *args):
        task = Task(fn, args)
        with self.cv:
            self.queue.append(task)
            if len(self.threads) < self.workers:
                t = threading.Thread(target=self.work, daemon=True)
                self.threads.append(t)
                t.start()
            self.cv.notify()
        return task

    def work(self):
        while True:
            with self.cv:
                while not self.queue and not self.closed:
                    self.cv.wait()
                if not self.queue:
                    return
                task = self.queue.pop(0)
            try:
                task.value = task.fn(*task.args)
            except BaseException as e:  # handed to whoever waits for the result
                task.error = e
            task.done.set()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        with self.cv:
            self.closed = True
            self.cv.notify_all()
        for t in self.threads:
            t.join()


def run(argv, cwd=None, env=None):
    try:
        p = subprocess.run(argv, capture_output=True, text=True, timeout=CMD_TIMEOUT, cwd=cwd, stdin=subprocess.DEVNULL, env=env)
        return p.returncode, p.stdout, p.stderr
    except subprocess.TimeoutExpired:
        return 124, "", "timed out after %s s: %s" % (CMD_TIMEOUT, " ".join(argv))
    except OSError as e:
        return 127, "", str(e)


def last_line(text):
    lines = [l for l in text.strip().split("\n") if l.strip()]
    return lines[-1][:300] if lines else ""


def host_facts():
    osr = {}
    try:
        with open("/etc/os-release") as f:
            for line in f:
                k, _, v = line.strip().partition("=")
                osr[k] = v.strip('"')
    except OSError:
        pass
    return {"hostname": os.uname().nodename, "os": "%s-%s" % (osr.get("ID", "unknown"), osr.get("VERSION_ID", "unknown"))}


def read_env_image(path):
    try:
        with open(path) as f:
            for line in f:
                k, _, v = line.strip().partition("=")
                if k.strip() == "ODOO_IMAGE":
                    return v.strip().strip('"').strip("'")
    except OSError:
        pass
    return None


def digest(value):
    return hmac.new(SECRET_KEY, value.encode("utf-8"), hashlib.sha256).hexdigest()


def read_options(path, wanted, secret):
    """Managed options as strings; options marked secret come back as a keyed digest only."""
    cp = configparser.ConfigParser(interpolation=None)
    try:
        cp.read(path)
    except configparser.Error:
        return {}, {}
    if not cp.has_section("options"):
        return {}, {}
    plain = {k: cp.get("options", k) for k in wanted if k not in secret and cp.has_option("options", k)}
    digests = {k: digest(cp.get("options", k)) for k in secret if cp.has_option("options", k)}
    return plain, digests


def parse_ps(stdout):
    out = stdout.strip()
    if not out:
        return []
    if out.startswith("["):
        return json.loads(out)
    return [json.loads(l) for l in out.split("\n") if l.strip()]


def adapt_version(series, version):
    # What Odoo stores in ir_module_module.latest_version for a manifest version.
    if not series:
        return version
    if version == series or not version.startswith(series + "."):
        return "%s.%s" % (series, version)
    return version


def manifests(addons_dir, series):
    found = {}
    try:
        names = sorted(n for n in os.listdir(addons_dir) if not n.startswith("."))
    except OSError:
        names = []
    for mf in [os.path.join(addons_dir, n, "__manifest__.py") for n in names]:
        if not os.path.exists(mf):
            continue
        try:
            with open(mf) as f:
                data = ast.literal_eval(f.read())
            version = str(data.get("version", "1.0"))
        except Exception:
            continue
        found[os.path.basename(os.path.dirname(mf))] = adapt_version(series, version)
    return found


def manifest_version(text, series):
    try:
        data = ast.literal_eval(text)
        return adapt_version(series, str(data.get("version", "1.0")))
    except Exception:
        return None


def tree_checksums(d, commit, series):
    """Per module (top-level directory with a __manifest__.py) of a commit: the checksum of its
    tracked files (mode, blob id and path of each, *.pyc/*.pyo aside) and its manifest version."""
    code, out, err = run(GIT + ["-C", d, "ls-tree", "-r", "--full-tree", commit])
    if code != 0:
        return None, "git ls-tree %s in %s: %s" % (commit[:12], d, last_line(err))
    entries = {}
    for line in out.split("\n"):
        meta, _, path = line.partition("\t")
        parts = meta.split()
        if len(parts) != 3 or "/" not in path or path.endswith((".pyc", ".pyo")):
            continue
        entries.setdefault(path.split("/", 1)[0], []).append("%s %s %s" % (parts[0], parts[2], path))
    modules = [m for m, files in entries.items() if any(f.endswith(" %s/__manifest__.py" % m) for f in files)]
    request = "".join("%s:%s/__manifest__.py\n" % (commit, m) for m in sorted(modules))
    try:
        p = subprocess.run(GIT + ["-C", d, "cat-file", "--batch"], input=request.encode("utf-8"), capture_output=True, timeout=CMD_TIMEOUT)
    except (subprocess.TimeoutExpired, OSError) as e:
        return None, "git cat-file in %s: %s" % (d, e)
    data, pos, found = p.stdout, 0, {}
    for m in sorted(modules):
        nl = data.find(b"\n", pos)
        header = data[pos:nl].decode("utf-8", "replace").split()
        pos = nl + 1
        if len(header) != 3:
            continue
        size = int(header[2])
        text = data[pos:pos + size].decode("utf-8", "replace")
        pos += size + 1
        found[m] = {"checksum": hashlib.sha256("\n".join(sorted(entries[m])).encode("utf-8")).hexdigest(), "version": manifest_version(text, series)}
    return found, None


def has_commit(d, commit):
    return run(GIT + ["-C", d, "cat-file", "-e", commit + "^{commit}"])[0] == 0


def fetch_commit(d, spec, commit):
    """Brings a commit's objects into a checkout (no refspec: no branch, HEAD or file moves)."""
    env, tmp = git_env(spec.get("credential"))
    try:
        code, _, err = run(GIT + ["-c", "credential.helper=", "-C", d, "fetch", "-q", "--no-tags", "--", spec["url"], "refs/heads/" + spec["ref"] if not re.fullmatch(r"[0-9a-fA-F]{40}", spec["ref"]) else commit], env=env)
        if code != 0 or not has_commit(d, commit):
            # A tag, or a server that refuses a ref name: fetch the tags too.
            code, _, err = run(GIT + ["-c", "credential.helper=", "-C", d, "fetch", "-q", "--tags", "--", spec["url"]], env=env)
    finally:
        if tmp:
            remove_tree(tmp)
    return None if has_commit(d, commit) else "git fetch of %s in %s: %s" % (commit[:12], d, last_line(err) or "commit not found")


def code_at(d, repo, spec, series):
    """Modules of a checkout at the commit the apply will check out (desired, else HEAD), and at HEAD."""
    head = repo["commit"]
    if not head:
        return {}, {}, []
    target = repo["desiredCommit"] or head
    errors = []
    if target != head and not has_commit(d, target):
        err = fetch_commit(d, spec, target)
        if err:
            errors.append(err)
            target = head
    at_target, err = tree_checksums(d, target, series)
    if err:
        return {}, {}, errors + [err]
    at_head = at_target
    if target != head:
        at_head, err = tree_checksums(d, head, series)
        if err:
            errors.append(err)
            at_head = {}
    return at_target, at_head, errors


def read_recorded(path):
    try:
        with open(path) as f:
            return (json.load(f) or {}).get("modules") or {}
    except (OSError, ValueError):
        return {}


def without_userinfo(url):
    """An origin URL with any user:password@ removed, and whether there was one."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return url, False
    if parts.scheme in ("http", "https", "git", "ssh") and "@" in parts.netloc:
        userinfo, _, host = parts.netloc.rpartition("@")
        if parts.scheme == "ssh" and ":" not in userinfo:
            return url, False  # ssh://git@host/...: a user name, no secret
        return urlunsplit((parts.scheme, host, parts.path, parts.query, parts.fragment)), True
    return url, False


def remove_tree(path):
    import shutil
    shutil.rmtree(path, ignore_errors=True)


def git_env(credential):
    """Environment (and temp dir to remove) giving git a credential through GIT_ASKPASS."""
    env = dict(os.environ, GIT_TERMINAL_PROMPT="0")
    if not credential:
        return env, None
    os.makedirs(PATHS["scratch"], mode=0o700, exist_ok=True)
    import tempfile
    tmp = tempfile.mkdtemp(prefix="git-auth.", dir=PATHS["scratch"])
    user, sep, password = credential.partition(":")
    for name, value in (("user", user), ("password", password if sep else user)):
        fd = os.open(os.path.join(tmp, name), os.O_WRONLY | os.O_CREAT, 0o600)
        with os.fdopen(fd, "w") as f:
            f.write(value)
    helper = os.path.join(tmp, "askpass")
    fd = os.open(helper, os.O_WRONLY | os.O_CREAT, 0o700)
    with os.fdopen(fd, "w") as f:
        f.write('#!/bin/sh\ncase "$1" in Username*) cat "%s/user" ;; *) cat "%s/password" ;; esac\necho\n' % (tmp, tmp))
    env["GIT_ASKPASS"] = helper
    return env, tmp


def is_sha(ref):
    return re.fullmatch(r"[0-9a-fA-F]{40}", ref) is not None


def remote_refs(url, refs, credential):
    """One `git ls-remote` for every ref wanted from one repository (however many instances
    and checkouts use it): {ref name: commit}, or an error line."""
    env, tmp = git_env(credential)
    patterns = []
    for ref in sorted(refs):
        patterns += ["refs/heads/" + ref, "refs/tags/" + ref, "refs/tags/" + ref + "^{}"]
    try:
        code, out, err = run(GIT + ["-c", "credential.helper=", "ls-remote", "--", url] + patterns, cwd="/", env=env)
    finally:
        if tmp:
            remove_tree(tmp)
    if code != 0:
        return None, last_line(err)
    found = {}
    for line in out.split("\n"):
        sha, _, name = line.partition("\t")
        found[name] = sha
    return found, None


def resolve_ref(spec, listing):
    """The commit a spec's ref names, from its repository's ls-remote listing (a future)."""
    ref = spec["ref"]
    if is_sha(ref):
        return ref.lower(), None
    found, err = listing.result()
    if err is not None:
        return None, "git ls-remote %s: %s" % (ref, err)
    for name in ("refs/tags/%s^{}" % ref, "refs/tags/" + ref, "refs/heads/" + ref):
        if name in found:
            return found[name], None
    return None, "ref %s not found in %s" % (ref, spec["url"])


def addons_repo(d, spec, listing):
    res = {"url": None, "urlHasCredentials": False, "commit": None, "desiredCommit": None}
    errors = []
    if os.path.isdir(os.path.join(d, ".git")) or os.path.isfile(os.path.join(d, ".git")):
        code, out, _ = run(GIT + ["-C", d, "rev-parse", "HEAD"])
        if code == 0:
            res["commit"] = out.strip()
        code, out, _ = run(GIT + ["-C", d, "remote", "get-url", "origin"])
        if code == 0:
            res["url"], res["urlHasCredentials"] = without_userinfo(out.strip())
    if spec is not None:
        sha, err = resolve_ref(spec, listing)
        res["desiredCommit"] = sha
        if err:
            errors.append(err)
    return res, errors


def parse_labels(text):
    out = {}
    for part in (text or "").split(","):
        k, _, v = part.partition("=")
        out[k] = v
    return out


def image_facts(inspect):
    """Series from the image's metadata (ODOO_VERSION, else the odoo.version label) and its digest."""
    code, out, err = inspect
    if code != 0:
        return {"present": False, "series": None, "digest": None}
    try:
        data = json.loads(out.strip() or "{}")
    except ValueError:
        return {"present": True, "series": None, "digest": None}
    config = data.get("Config") or {}
    series = None
    for e in config.get("Env") or []:
        k, _, v = e.partition("=")
        if k == "ODOO_VERSION" and v:
            series = v
    if series is None:
        series = (config.get("Labels") or {}).get("odoo.version") or None
    m = re.match(r"(\d+\.\d+)", series or "")
    digests = data.get("RepoDigests") or []
    return {"present": True, "series": m.group(1) if m else None, "digest": digests[0].rpartition("@")[2] if digests else None}


def entries(path, limit=5):
    """A few entries of a directory (sorted), empty when it is absent or empty."""
    try:
        return sorted(os.listdir(path))[:limit]
    except OSError:
        return []


def provision_facts(inst):
    """The provisioning marker and what of an earlier installation is there (files only)."""
    facts = {"marker": None, "markerPath": inst["provisionMarkerFile"], "files": [], "filestore": entries(inst["filestoreDir"]), "addons": entries(inst["addonsDir"])}
    try:
        with open(inst["provisionMarkerFile"]) as f:
            facts["marker"] = json.load(f)
    except FileNotFoundError:
        pass
    except (OSError, ValueError) as e:
        # Unreadable: never guess that provisioning may go on.
        facts["marker"] = {"status": "refused", "runId": "?", "revision": "?", "at": "?", "step": "?", "message": "unreadable provisioning marker: %s" % e}
    facts["files"] = [os.path.basename(p) for p in (inst["composeFile"], inst["envFile"], inst["confFile"]) if os.path.exists(p)]
    return facts


def read_instance(inst):
    """Files only: no subprocess."""
    res = {"present": os.path.isfile(inst["composeFile"]), "image": None, "imagePresent": None, "imageDigest": None, "running": False,
           "runningImage": None, "odooVersion": None, "modules": {}, "manifests": {}, "checksums": {}, "addons": {}, "options": {}, "secretDigests": {},
           "marker": None, "errors": [], "provision": provision_facts(inst)}
    if res["present"]:
        res["image"] = read_env_image(inst["envFile"])
        res["options"], res["secretDigests"] = read_options(inst["confFile"], inst["options"], inst["secretOptions"])
    try:
        with open(inst["markerFile"]) as f:
            res["marker"] = json.load(f)
    except FileNotFoundError:
        pass
    except (OSError, ValueError) as e:
        res["marker"] = {"code": "needs-manual-restore", "reason": "unreadable marker %s: %s" % (inst["markerFile"], e)}
    return res


def inspect_images(images):
    """Image facts of every image in one `docker image inspect` call. Its output lists the images
    found in argument order; when some are missing (exit 1), each is asked on its own, so a
    missing image is told apart without parsing messages (rare: apply pulls what it names)."""
    if not images:
        return {}
    code, out, err = run(REQ["imageInspect"] + images)
    lines = [l for l in out.split("\n") if l.strip()]
    if code == 0 and len(lines) == len(images):
        return {img: image_facts((0, line, "")) for img, line in zip(images, lines)}
    return {img: image_facts(run(REQ["imageInspect"] + [img])) for img in images}


def modules_query(name, db_container):
    """ir_module_module of an instance, through `docker exec` into its running db container."""
    if not db_container:
        return 1, "", 'db container of odoo-%s is not running' % name
    return run(REQ["dockerExec"] + [db_container] + REQ["modulesPsql"][name])


def probe_all(instances, pool):
    """Every host-contract command the probe needs, run in parallel threads, as few processes as
    the server allows: one `docker ps` for all instances, one `docker image inspect` for all
    images, one `psql` per instance (`docker exec` into its db container: each instance has its
    own PostgreSQL), git only where a checkout is."""
    results = {i["name"]: read_instance(i) for i in instances}
    present = [i for i in instances if results[i["name"]]["present"]]
    if not present:
        return results
    f_ps = pool.submit(run, REQ["dockerPs"])
    # Submitted before the checkouts' tasks, which wait for them: started first.
    wanted_refs = {}
    for i in present:
        for a in i["addons"]:
            if not is_sha(a["ref"]):
                wanted_refs.setdefault((a["url"], a.get("credential") or ""), set()).add(a["ref"])
    f_listing = {key: pool.submit(remote_refs, key[0], refs, key[1] or None) for key, refs in wanted_refs.items()}
    f_addons = {}
    for i in present:
        root = i["addonsDir"]
        wanted = {a["name"]: a for a in i["addons"]}
        on_disk = sorted(e for e in os.listdir(root) if os.path.isdir(os.path.join(root, e))) if os.path.isdir(root) else []
        f_addons[i["name"]] = {
            r: pool.submit(addons_repo, os.path.join(root, r), wanted.get(r), wanted[r] and f_listing.get((wanted[r]["url"], wanted[r].get("credential") or "")) if r in wanted else None)
            for r in sorted(set(on_disk) | set(wanted))
        }

    code, out, err = f_ps.result()
    db_containers = {}
    if code == 0:
        try:
            for c in parse_ps(out):
                labels = parse_labels(c.get("Labels"))
                project, service = labels.get("com.docker.compose.project", ""), labels.get("com.docker.compose.service")
                if not (project.startswith("odoo-") and project[5:] in results and c.get("State") == "running"):
                    continue
                if service == "odoo":
                    results[project[5:]]["running"] = True
                    results[project[5:]]["runningImage"] = c.get("Image")
                elif service == "db":
                    db_containers[project[5:]] = c.get("ID")
        except ValueError as e:
            for i in present:
                results[i["name"]]["errors"].append("docker ps: bad JSON: %s" % e)
    else:
        for i in present:
            results[i["name"]]["errors"].append("docker ps: exit %s %s" % (code, last_line(err)))
    f_psql = {i["name"]: pool.submit(modules_query, i["name"], db_containers.get(i["name"])) for i in present}

    # Image metadata only: an image absent from the server is reported, never pulled.
    images = {results[i["name"]]["image"] for i in present} | {r["runningImage"] for r in results.values()}
    facts = inspect_images(sorted(x for x in images if x))

    for i in present:
        res = results[i["name"]]
        if res["image"]:
            f = facts[res["image"]]
            res["imagePresent"] = f["present"]
            res["odooVersion"] = f["series"]
        if res["runningImage"]:
            res["imageDigest"] = facts[res["runningImage"]]["digest"]
        code, out, err = f_psql[i["name"]].result()
        if code == 0:
            for line in out.split("\n"):
                parts = line.split("\t")
                if len(parts) >= 2:
                    res["modules"][parts[0]] = [parts[1], (parts[2] if len(parts) > 2 and parts[2] else None)]
        else:
            res["errors"].append("psql ir_module_module: exit %s %s" % (code, last_line(err)))
        series = res["odooVersion"] or i.get("series")
        wanted = {a["name"]: a for a in i["addons"]}
        recorded = read_recorded(i["modulesFile"])
        for r in sorted(f_addons[i["name"]]):
            repo, errs = f_addons[i["name"]][r].result()
            res["addons"][r] = repo
            res["errors"].extend(errs)
            d = os.path.join(i["addonsDir"], r)
            at_target, at_head, errs = code_at(d, repo, wanted.get(r) or {"url": repo["url"] or "", "ref": repo["commit"] or ""}, series) if repo["commit"] else ({}, {}, [])
            res["errors"].extend(errs)
            if repo["commit"] and not errs:
                # Git checkouts: manifests and files as of the commit the apply checks out.
                for mod, code in sorted(at_target.items()):
                    if mod in res["manifests"]:
                        continue  # an earlier repository on the addons path wins, as in Odoo
                    if code["version"]:
                        res["manifests"][mod] = code["version"]
                    applied = recorded.get(mod) or (at_head.get(mod) or {}).get("checksum")
                    res["checksums"][mod] = [code["checksum"], applied]
            else:
                for mod, ver in manifests(d, series).items():
                    res["manifests"].setdefault(mod, ver)
    return results


def main():
    state = None
    try:
        with open(PATHS["state"]) as f:
            state = json.load(f)
    except (OSError, ValueError):
        state = None
    with Pool(32) as pool:
        try:
            instances = probe_all(REQ["instances"], pool)
        except Exception as e:  # a probe bug must be reported, not hang or crash silently
            instances = {i["name"]: {"present": False, "errors": ["probe failed: %r" % (e,)]} for i in REQ["instances"]}
    json.dump({"host": host_facts(), "state": state, "instances": instances}, sys.stdout)


main()

# odoops live-state probe: fed on stdin to `python3 - <request-json>` on a managed server.
# Reads everything odoops needs about every instance in ONE round trip, running the
# host-contract commands as argv lists (never through a shell) in parallel threads.
# Prints one JSON document on stdout. Never raises: problems become "errors" entries.
import ast, configparser, glob, json, os, re, socket, subprocess, sys
from concurrent.futures import ThreadPoolExecutor

REQ = json.loads(sys.argv[1])
CMD_TIMEOUT = REQ.get("timeout", 60)
GIT = ["git", "-c", "protocol.ext.allow=never", "-c", "safe.directory=*"]


def run(argv, cwd=None):
    try:
        p = subprocess.run(argv, capture_output=True, text=True, timeout=CMD_TIMEOUT, cwd=cwd, stdin=subprocess.DEVNULL)
        return p.returncode, p.stdout, p.stderr
    except subprocess.TimeoutExpired:
        return 124, "", "timed out after %s s: %s" % (CMD_TIMEOUT, " ".join(argv))
    except OSError as e:
        return 127, "", str(e)


def last_line(text):
    lines = [l for l in text.strip().splitlines() if l.strip()]
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
    return {"hostname": socket.gethostname(), "os": "%s-%s" % (osr.get("ID", "unknown"), osr.get("VERSION_ID", "unknown"))}


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


def read_options(path, wanted):
    cp = configparser.ConfigParser(interpolation=None)
    try:
        cp.read(path)
    except configparser.Error:
        return {}
    if not cp.has_section("options"):
        return {}
    return {k: cp.get("options", k) for k in wanted if cp.has_option("options", k)}


def parse_ps(stdout):
    out = stdout.strip()
    if not out:
        return []
    if out.startswith("["):
        return json.loads(out)
    return [json.loads(l) for l in out.splitlines() if l.strip()]


def adapt_version(series, version):
    # What Odoo stores in ir_module_module.latest_version for a manifest version.
    if not series:
        return version
    if version == series or not version.startswith(series + "."):
        return "%s.%s" % (series, version)
    return version


def manifests(addons_dir, series):
    found = {}
    for mf in sorted(glob.glob(os.path.join(addons_dir, "*", "__manifest__.py"))):
        try:
            with open(mf) as f:
                data = ast.literal_eval(f.read())
            version = str(data.get("version", "1.0"))
        except Exception:
            continue
        found[os.path.basename(os.path.dirname(mf))] = adapt_version(series, version)
    return found


def resolve_ref(url, ref, cwd):
    if re.fullmatch(r"[0-9a-fA-F]{40}", ref):
        return ref.lower(), None
    code, out, err = run(GIT + ["ls-remote", "--", url, "refs/heads/" + ref, "refs/tags/" + ref, "refs/tags/" + ref + "^{}"], cwd=cwd)
    if code != 0:
        return None, "git ls-remote %s: %s" % (ref, last_line(err))
    refs = {}
    for line in out.splitlines():
        sha, _, name = line.partition("\t")
        refs[name] = sha
    for name in ("refs/tags/%s^{}" % ref, "refs/tags/" + ref, "refs/heads/" + ref):
        if name in refs:
            return refs[name], None
    return None, "ref %s not found in %s" % (ref, url)


def addons_repo(d, spec):
    res = {"url": None, "commit": None, "desiredCommit": None}
    errors = []
    if os.path.isdir(os.path.join(d, ".git")) or os.path.isfile(os.path.join(d, ".git")):
        code, out, _ = run(GIT + ["-C", d, "rev-parse", "HEAD"])
        if code == 0:
            res["commit"] = out.strip()
        code, out, _ = run(GIT + ["-C", d, "remote", "get-url", "origin"])
        if code == 0:
            res["url"] = out.strip()
    if spec is not None:
        sha, err = resolve_ref(spec["url"], spec["ref"], d if res["commit"] else "/")
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


def read_instance(inst):
    """Files only: no subprocess."""
    name = inst["name"]
    base = "/srv/odoo/" + name
    res = {"present": os.path.isfile(base + "/compose.yaml"), "image": None, "imageDigest": None, "running": False,
           "runningImage": None, "odooVersion": None, "modules": {}, "manifests": {}, "addons": {}, "options": {}, "errors": []}
    if res["present"]:
        res["image"] = read_env_image(base + "/.env")
        res["options"] = read_options(base + "/odoo.conf", inst["options"])
    return res


def probe_all(instances, pool):
    """Every host-contract command the probe needs, deduplicated per server and run in parallel:
    one `docker ps` for all instances, `odoo --version` and the digest once per distinct image."""
    results = {i["name"]: read_instance(i) for i in instances}
    present = [i for i in instances if results[i["name"]]["present"]]
    if not present:
        return results
    compose = lambda name: ["docker", "compose", "-f", "/srv/odoo/%s/compose.yaml" % name]
    f_ps = pool.submit(run, ["docker", "ps", "--format", "json"])
    f_version = {}
    for i in present:
        img = results[i["name"]]["image"]
        if img not in f_version:
            f_version[img] = pool.submit(run, compose(i["name"]) + ["run", "--rm", "-T", "--no-deps", "odoo", "odoo", "--version"])
    f_psql = {i["name"]: pool.submit(run, compose(i["name"]) + ["exec", "-T", "db", "psql", "-U", "odoo", "-d", i["dbConninfo"], "-At", "-F", "\t",
                                                                "-c", "SELECT name, state, latest_version FROM ir_module_module"]) for i in present}
    f_addons = {}
    for i in present:
        root = "/srv/odoo/%s/addons" % i["name"]
        wanted = {a["name"]: a for a in i["addons"]}
        on_disk = sorted(e for e in os.listdir(root) if os.path.isdir(os.path.join(root, e))) if os.path.isdir(root) else []
        f_addons[i["name"]] = {r: pool.submit(addons_repo, os.path.join(root, r), wanted.get(r)) for r in sorted(set(on_disk) | set(wanted))}

    code, out, err = f_ps.result()
    if code == 0:
        try:
            for c in parse_ps(out):
                labels = parse_labels(c.get("Labels"))
                project, service = labels.get("com.docker.compose.project", ""), labels.get("com.docker.compose.service")
                if service == "odoo" and project.startswith("odoo-") and project[5:] in results and c.get("State") == "running":
                    results[project[5:]]["running"] = True
                    results[project[5:]]["runningImage"] = c.get("Image")
        except ValueError as e:
            for i in present:
                results[i["name"]]["errors"].append("docker ps: bad JSON: %s" % e)
    else:
        for i in present:
            results[i["name"]]["errors"].append("docker ps: exit %s %s" % (code, last_line(err)))

    f_digest = {}
    for r in results.values():
        img = r["runningImage"]
        if img and img not in f_digest:
            f_digest[img] = pool.submit(run, ["docker", "image", "inspect", "--format", "{{json .RepoDigests}}", img])

    for i in present:
        res = results[i["name"]]
        code, out, err = f_version[res["image"]].result()
        m = re.search(r"(\d+\.\d+)", out)
        if code == 0 and m:
            res["odooVersion"] = m.group(1)
        else:
            res["errors"].append("odoo --version: exit %s %s" % (code, last_line(err or out)))
        if res["runningImage"]:
            code, out, err = f_digest[res["runningImage"]].result()
            if code == 0:
                try:
                    digests = json.loads(out.strip() or "[]") or []
                    if digests:
                        res["imageDigest"] = digests[0].rpartition("@")[2]
                except ValueError:
                    pass
        code, out, err = f_psql[i["name"]].result()
        if code == 0:
            for line in out.splitlines():
                parts = line.split("\t")
                if len(parts) >= 2:
                    res["modules"][parts[0]] = [parts[1], (parts[2] if len(parts) > 2 and parts[2] else None)]
        else:
            res["errors"].append("psql ir_module_module: exit %s %s" % (code, last_line(err)))
        series = res["odooVersion"] or i.get("series")
        root = "/srv/odoo/%s/addons" % i["name"]
        for r in sorted(f_addons[i["name"]]):
            repo, errs = f_addons[i["name"]][r].result()
            res["addons"][r] = repo
            res["errors"].extend(errs)
            for mod, ver in manifests(os.path.join(root, r), series).items():
                res["manifests"].setdefault(mod, ver)
    return results


def main():
    state = None
    try:
        with open("/var/lib/odoops/state.json") as f:
            state = json.load(f)
    except (OSError, ValueError):
        state = None
    with ThreadPoolExecutor(max_workers=32) as pool:
        try:
            instances = probe_all(REQ["instances"], pool)
        except Exception as e:  # a probe bug must be reported, not hang or crash silently
            instances = {i["name"]: {"present": False, "errors": ["probe failed: %r" % (e,)]} for i in REQ["instances"]}
    json.dump({"host": host_facts(), "state": state, "instances": instances}, sys.stdout)


main()

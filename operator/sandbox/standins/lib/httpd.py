#!/usr/bin/env python3
"""The emulated *running* Odoo server of an odoo-role container (`docker compose up`).

Python (not Node) because one runs per instance and it idles at ~20 MB RSS. It behaves
like Odoo 16.0-18.0 where odoops and its tests can tell (operator/sandbox/standins/README.md,
measured against real Odoo 17.0):
- startup: the image's wait for PostgreSQL, Odoo's banner, the database created and
  initialised when db_name is missing (through the odoo stand-in), the registry preloaded
  (installed modules; the Python code of on-disk modules read once, as Python imports it),
  Odoo-format log lines on stderr (the container log); connections are refused until the
  registry is loaded;
- /web/health passes without the database; /web/login and everything reading a model need
  it, with Odoo's database selection (?db=, session, db_name/dbfilter) and its failures
  (302 loops when the database is unreachable, UndefinedColumn when the code declares a
  field the database lacks — until `-u` adds it and signals the registry change).

Usage: httpd.py --host H --port P --series S [--tag ID] [--ready-fd N]; the instance's
settings come as JSON in env ODOO_STANDIN_SERVER (odoo-server.mjs). Port 0: no HTTP.
"""
import argparse
import datetime
import hashlib
import hmac
import http.cookies
import importlib.util
import json
import os
import re
import secrets
import signal
import socket
import subprocess
import sys
import threading
import time
import traceback
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

HERE = os.path.dirname(os.path.abspath(__file__))
sys.dont_write_bytecode = True  # no __pycache__ in the repository's lib/
_spec = importlib.util.spec_from_file_location('odoo_fields', os.path.join(HERE, 'odoo_fields.py'))
odoo_fields = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(odoo_fields)

ap = argparse.ArgumentParser()
ap.add_argument('--host', default='0.0.0.0')
ap.add_argument('--port', type=int, default=8069)
ap.add_argument('--series', default='17.0')
ap.add_argument('--db', default=None)  # legacy: database name when no ODOO_STANDIN_SERVER
ap.add_argument('--ready-fd', type=int, default=-1)
ap.add_argument('--tag', default='')  # lets the docker stand-in recognise its process
args = ap.parse_args()

CFG = json.loads(os.environ.get('ODOO_STANDIN_SERVER') or 'null') or {
    'series': args.series, 'supported': True, 'catalog': None, 'db': {'name': args.db, 'host': '/var/run/postgresql',
    'port': 5432, 'user': 'odoo', 'password': None}, 'dbfilter': '', 'listDb': True, 'addons': [], 'workers': 0,
    'banner': {'conf': None, 'addons': [], 'database': 'odoo@default:default'}, 'psql': 'psql', 'initCommand': None,
}
SERIES = CFG['series']
DB_NAME = CFG['db']['name']
DB_NAMES = [d.strip() for d in (DB_NAME or '').split(',') if d.strip()]

# Columns the stand-in's base schema has (odoo-db.mjs): what core code reads of these models.
CORE_MODELS = {
    'res.users': ['id', 'login', 'password', 'active', 'partner_id', 'company_id', 'share'],
    'res.partner': ['id', 'name', 'display_name', 'email', 'is_company', 'active', 'company_id'],
    'res.company': ['id', 'name', 'partner_id', 'currency_id', 'sequence', 'active'],
}


def stamp():
    now = datetime.datetime.now(datetime.timezone.utc)
    return now.strftime('%Y-%m-%d %H:%M:%S') + ',%03d' % (now.microsecond // 1000)


_log_lock = threading.Lock()


def log(level, logger, msg, db='?', tb=None):
    with _log_lock:
        sys.stderr.write('%s %d %s %s %s: %s \n' % (stamp(), os.getpid(), level, db or '?', logger, msg))
        if tb:
            sys.stderr.write(tb if tb.endswith('\n') else tb + '\n')
        sys.stderr.flush()


def py_traceback(exc_type, message, frames):
    lines = ['Traceback (most recent call last):']
    lines += ['  File %s' % f for f in frames]
    lines.append('%s: %s' % (exc_type, message))
    return '\n'.join(lines) + '\n'


# ------------------------------------------------------------------ PostgreSQL through psql
class PgError(Exception):
    """A database error as psycopg2 would raise it (type = psycopg2 exception name)."""

    def __init__(self, pytype, message, sql=None):
        super().__init__(message)
        self.pytype = pytype
        self.sql = sql


SQLSTATE_TYPES = {'42703': 'psycopg2.errors.UndefinedColumn', '42P01': 'psycopg2.errors.UndefinedTable',
                  '3D000': 'psycopg2.OperationalError', '57P01': 'psycopg2.OperationalError'}


def psql(sql, db, variables=None, timeout=15):
    """Runs SQL (psql, stdin) on db; returns rows (lists of strings). Raises PgError."""
    d = CFG['db']
    env = {'PATH': os.environ.get('PATH', '/usr/bin:/bin'), 'PGHOST': str(d['host']), 'PGPORT': str(d['port']),
           'PGUSER': d['user'], 'PGDATABASE': db, 'PGCONNECT_TIMEOUT': '5', 'PGAPPNAME': 'odoo-standin-httpd'}
    if d.get('password'):
        env['PGPASSWORD'] = d['password']
    argv = [CFG.get('psql') or 'psql', '-X', '-q', '-A', '-t', '-F', '\x1f', '-R', '\x1e',
            '-v', 'ON_ERROR_STOP=1', '-v', 'VERBOSITY=verbose', '-f', '-']
    for k, v in (variables or {}).items():
        argv += ['-v', '%s=%s' % (k, v)]
    try:
        r = subprocess.run(argv, input=sql, capture_output=True, text=True, env=env, timeout=timeout)
    except subprocess.TimeoutExpired:
        raise PgError('psycopg2.OperationalError', 'timeout expired', sql)
    if r.returncode == 0:
        out = r.stdout.rstrip('\n')
        return [row.split('\x1f') for row in out.split('\x1e') if row != ''] if out else []
    err = re.sub(r'^psql:<stdin>:\d+: ', '', r.stderr.strip(), flags=re.M)
    if r.returncode == 2 or err.startswith('psql: error:'):
        raise PgError('psycopg2.OperationalError', err.replace('psql: error: ', '', 1), sql)
    m = re.match(r'ERROR:\s+([0-9A-Z]{5}): (.*)', err, re.S)
    code, msg = (m.group(1), m.group(2)) if m else ('', err)
    msg = re.sub(r'\nLOCATION:.*', '', msg, flags=re.S)
    raise PgError(SQLSTATE_TYPES.get(code, 'psycopg2.errors.ProgrammingError'), msg, sql)


def pg_answers(timeout=1.0):
    d = CFG['db']
    host = str(d['host'])
    try:
        if host.startswith('/'):
            s = socket.socket(socket.AF_UNIX)
            s.settimeout(timeout)
            s.connect(os.path.join(host, '.s.PGSQL.%d' % int(d['port'])))
        else:
            s = socket.create_connection((host, int(d['port'])), timeout=timeout)
        s.close()
        return True
    except OSError:
        return False


# ------------------------------------------------------------------ the registry
def core_module_names():
    try:
        with open(CFG['catalog'], encoding='utf-8') as fh:
            return set(json.load(fh)['modules'])
    except (OSError, ValueError, TypeError, KeyError):
        return set()


CORE_NAMES = core_module_names()
IMPORTED = {}  # module -> declared models: Python imports a module's code once per process
_import_lock = threading.Lock()


def module_dir(name):
    if name in CORE_NAMES:
        return None
    for p in CFG.get('addons') or []:
        if os.path.isfile(os.path.join(p, name, '__manifest__.py')):
            return os.path.join(p, name)
    return None


class Registry:
    """What a loaded Odoo registry means here: installed modules and the columns their code reads."""

    def __init__(self, db):
        self.db = db
        self.sequence = None
        self.models = {}

    def load(self):
        t0 = time.time()
        if not CFG.get('supported', True):
            raise PgError('NotImplementedError', 'odoo stand-in: Odoo %s is not supported (see operator/sandbox/standins/README.md)' % SERIES)
        rows = psql("CREATE SEQUENCE IF NOT EXISTS base_registry_signaling INCREMENT BY 1 START WITH 1;\n"
                    "SELECT 'seq', last_value::text FROM base_registry_signaling UNION ALL "
                    "SELECT 'init', (to_regclass('public.ir_module_module') IS NOT NULL)::text;\n", self.db)
        self.sequence = next((r[1] for r in rows if r[0] == 'seq'), None)
        if ('init', 'false') in [tuple(r) for r in rows]:
            log('ERROR', 'odoo.modules.loading', 'Database %s not initialized, you can force it with `-i base`' % self.db, self.db)
            log('INFO', 'odoo.modules.registry', 'Registry loaded in %.3fs' % (time.time() - t0), self.db)
            self.models = {}
            return self
        rows += psql("SELECT 'mod', name FROM ir_module_module WHERE state = 'installed';\n", self.db)
        installed = sorted(r[1] for r in rows if r[0] == 'mod')
        log('INFO', 'odoo.modules.loading', 'loading 1 modules...', self.db)
        log('INFO', 'odoo.modules.loading', '1 modules loaded in 0.01s, 0 queries (+0 extra)', self.db)
        # Odoo's graph reads each installed module's manifest at every load: one gone from the
        # addons path is skipped with a WARNING, and reported as an ERROR once the rest is loaded.
        missing = [name for name in installed if name not in CORE_NAMES and module_dir(name) is None]
        for name in missing:
            log('WARNING', 'odoo.modules.graph', 'module %s: not installable, skipped' % name, self.db)
        log('INFO', 'odoo.modules.loading', 'loading %d modules...' % (len(installed) - len(missing)), self.db)
        models = {m: {'table': m.replace('.', '_'), 'columns': list(cols)} for m, cols in CORE_MODELS.items()}
        with _import_lock:
            for name in installed:
                if name in CORE_NAMES or name in missing:
                    continue
                if name not in IMPORTED:
                    d = module_dir(name)
                    try:
                        IMPORTED[name] = odoo_fields.module_models(d)
                    except SyntaxError as e:  # the module's import fails: so does the registry
                        raise PgError('SyntaxError', '%s (%s, line %s)' % (e.msg, e.filename, e.lineno))
                for model, info in IMPORTED[name].items():
                    cur = models.setdefault(model, {'table': info['table'], 'columns': ['id']})
                    for f in sorted(info['fields']):
                        if f not in cur['columns']:
                            cur['columns'].append(f)
        log('INFO', 'odoo.modules.loading', '%d modules loaded in %.2fs, 0 queries (+0 extra)' % (len(installed) - len(missing), time.time() - t0), self.db)
        if missing:
            log('ERROR', 'odoo.modules.loading', 'Some modules are not loaded, some dependencies or manifest may be missing: %s' % missing, self.db)
        log('INFO', 'odoo.modules.loading', 'Modules loaded.', self.db)
        log('INFO', 'odoo.modules.registry', 'Registry loaded in %.3fs' % (time.time() - t0), self.db)
        self.models = models
        return self

    def select(self, model, where='', variables=None, limit=None):
        """Reads a model as the ORM does (every stored column): UndefinedColumn when code is ahead."""
        info = self.models[model]
        cols = ', '.join('"%s"."%s"' % (info['table'], c) for c in info['columns'])
        sql = 'SELECT %s FROM "%s"%s ORDER BY "%s"."id"%s;\n' % (cols, info['table'], (' WHERE ' + where) if where else '',
                                                            info['table'], (' LIMIT %d' % limit) if limit else '')
        rows = psql(sql, self.db, variables)
        return [dict(zip(info['columns'], r)) for r in rows]


REGISTRIES = {}
_registry_lock = threading.Lock()


def registry_for(db):
    """Registry(db).check_signaling(): (re)loads after another process changed modules."""
    with _registry_lock:
        reg = REGISTRIES.get(db)
        if reg is None:
            reg = REGISTRIES[db] = Registry(db).load()
            return reg
        rows = psql('SELECT last_value::text FROM base_registry_signaling;\n', db)
        if rows and rows[0][0] != reg.sequence:
            log('INFO', 'odoo.modules.registry', 'Reloading the model registry after database signaling.', db)
            reg = REGISTRIES[db] = Registry(db).load()
        return reg


# ------------------------------------------------------------------ databases (odoo.http)
def db_filter(dbs, host=''):
    if CFG.get('dbfilter'):
        host = host.partition(':')[0]
        if host.startswith('www.'):
            host = host[4:]
        domain = host.partition('.')[0]
        rx = re.compile(CFG['dbfilter'].replace('%h', re.escape(host)).replace('%d', re.escape(domain)))
        return [d for d in dbs if rx.match(d)]
    if DB_NAMES:
        return sorted(set(DB_NAMES).intersection(dbs))
    return list(dbs)


def db_list(host=''):
    """odoo.http.db_list(force=True): list_db does not matter here."""
    if not CFG.get('dbfilter') and DB_NAMES:
        dbs = sorted(DB_NAMES)
    else:
        try:
            rows = psql("SELECT datname FROM pg_database WHERE datdba = (SELECT usesysid FROM pg_user WHERE usename = current_user) "
                        "AND NOT datistemplate AND datallowconn AND datname <> 'postgres' ORDER BY datname;\n", 'postgres')
        except PgError:
            return []
        dbs = [r[0] for r in rows]
    return db_filter(dbs, host)


SESSIONS = {}
SECRET = secrets.token_bytes(32)


def csrf_token(sid):
    return hmac.new(SECRET, sid.encode(), hashlib.sha1).hexdigest()


LOGIN_PAGE = ('<!DOCTYPE html>\n<html lang="en-US">\n<head><meta charset="utf-8"/><title>Odoo</title></head>\n'
              '<body class="bg-100"><main><form class="oe_login_form" role="form" method="post" action="/web/login">'
              '<input type="hidden" name="csrf_token" value="%(csrf)s"/>%(error)s'
              '<input type="text" name="login" id="login"/><input type="password" name="password" id="password"/>'
              '<input type="hidden" name="redirect"/><button type="submit" class="btn btn-primary">Log in</button>'
              '</form></main></body>\n</html>\n')
SERVER_ERROR = ('<!doctype html>\n<html lang=en>\n<title>500 Internal Server Error</title>\n<h1>Internal Server Error</h1>\n'
                '<p>The server encountered an internal error and was unable to complete your request. Either the server is '
                'overloaded or there is an error in the application.</p>\n')
REDIRECT = ('<!doctype html>\n<html lang=en>\n<title>Redirecting...</title>\n<h1>Redirecting...</h1>\n'
            '<p>You should be redirected automatically to the target URL: <a href="%s">%s</a>. If not, click the link.\n')

major = int(SERIES.split('.')[0]) if SERIES[:1].isdigit() else 0
VERSION_INFO = {'server_version': SERIES, 'server_version_info': [major, 0, 0, 'final', 0, ''],
                'server_serie': SERIES, 'protocol_version': 1}
ORM_FRAMES = ['"/usr/lib/python3/dist-packages/odoo/http.py", line 2189, in __call__',
              '"/usr/lib/python3/dist-packages/odoo/models.py", line 3921, in _fetch_query',
              '"/usr/lib/python3/dist-packages/odoo/sql_db.py", line 332, in execute']


class Redirect(Exception):
    def __init__(self, location, code):
        super().__init__(location)
        self.location = location
        self.code = code


class Handler(BaseHTTPRequestHandler):
    server_version = 'Werkzeug/2.2.2'
    sys_version = 'Python/3.11.2'
    protocol_version = 'HTTP/1.1'

    # ---------------------------------------------------------------- plumbing
    def setup(self):
        super().setup()
        self.req_db = None
        self.t0 = time.time()

    def _send(self, code, body, ctype='text/html; charset=utf-8', headers=()):
        data = body.encode() if isinstance(body, str) else body
        self.send_response(code)
        self.send_header('Content-Type', ctype)
        self.send_header('Content-Length', str(len(data)))
        for k, v in headers:
            self.send_header(k, v)
        if getattr(self, 'set_sid', None):
            self.send_header('Set-Cookie', 'session_id=%s; HttpOnly; Path=/; SameSite=Lax; Max-Age=604800' % self.set_sid)
        self.end_headers()
        if self.command != 'HEAD':
            self.wfile.write(data)

    def _redirect(self, location, code):
        self._send(code, REDIRECT % (location, location), headers=[('Location', location)])

    def _json(self, payload):
        self._send(200, json.dumps(payload), 'application/json')

    def _session(self):
        """_get_session_and_dbname: the cookie's session if its db passes the filter, else monodb."""
        jar = http.cookies.SimpleCookie(self.headers.get('Cookie') or '')
        sid = jar['session_id'].value if 'session_id' in jar else None
        self.set_sid = None
        if not sid or sid not in SESSIONS:
            sid = secrets.token_hex(20)
            SESSIONS[sid] = {'db': None, 'uid': None, 'login': None}
            self.set_sid = sid
        self.sid = sid
        session = SESSIONS[sid]
        host = self.headers.get('Host') or ''
        dbname = None
        if session['db'] and db_filter([session['db']], host):
            dbname = session['db']
        else:
            dbs = db_list(host)
            if len(dbs) == 1:
                dbname = dbs[0]
        if session['db'] != dbname:
            session.update(db=dbname, uid=None, login=None)
        return session

    def _registry(self, session):
        """_serve_db or _serve_nodb: the registry of the request's db, None when unusable."""
        if not session['db']:
            return None
        try:
            reg = registry_for(session['db'])
            self.req_db = session['db']
            return reg
        except PgError as e:
            if not e.pytype.startswith('psycopg2.'):
                raise
            if e.pytype == 'psycopg2.OperationalError':
                log('INFO', 'odoo.sql_db', 'Connection to the database failed', session['db'])
            else:
                log('WARNING', 'odoo.http', 'Database or registry unusable, trying without', session['db'],
                    py_traceback(e.pytype, str(e), ORM_FRAMES[:1]))
            session.update(db=None, uid=None, login=None)  # session.logout()
            return None

    def _ensure_db(self, session, params):
        """web.controllers.utils.ensure_db (redirects raised as Redirect)."""
        db = (params.get('db') or '').strip() or None
        host = self.headers.get('Host') or ''
        if db and not db_filter([db], host):
            db = None
        if db and not session['db']:
            session['db'] = db
            raise Redirect(self.path, 302)
        if not db and session['db'] and db_filter([session['db']], host):
            db = session['db']
        if not db:
            dbs = db_list(host)
            if len(dbs) == 1:
                db = dbs[0]
        if not db:
            raise Redirect('/web/database/selector', 303)
        if db != session['db']:
            sid = secrets.token_hex(20)
            SESSIONS[sid] = {'db': db, 'uid': None, 'login': None}
            self.set_sid = sid
            raise Redirect(self.path, 302)
        return db

    def _server_error(self, e, jsonrpc_id=None, jsonrpc=False):
        """An exception inside a request: logged as Odoo does, 500 page or JSON-RPC error."""
        if isinstance(e, PgError) and e.sql:
            log('ERROR', 'odoo.sql_db', 'bad query: %s\nERROR: %s\n ' % (e.sql.strip(), str(e)), self.req_db)
        tb = py_traceback(e.pytype if isinstance(e, PgError) else type(e).__name__, str(e), ORM_FRAMES)
        log('ERROR', 'odoo.http', 'Exception during request handling.', self.req_db, tb)
        if jsonrpc:
            name = e.pytype if isinstance(e, PgError) else type(e).__name__
            self._json({'jsonrpc': '2.0', 'id': jsonrpc_id, 'error': {'code': 200, 'message': 'Odoo Server Error', 'data': {
                'name': name, 'debug': tb, 'message': str(e), 'arguments': [str(e)], 'context': {}}}})
        else:
            self._send(500, SERVER_ERROR)

    def _authenticate(self, reg, login, password):
        """res.users.authenticate: reads the user and its partner (all stored columns)."""
        users = reg.select('res.users', '"res_users"."login" = :\'login\'', {'login': login})
        if not users or users[0]['password'] != password or users[0]['active'] != 't':
            return None
        reg.select('res.partner', '"res_partner"."id" = :\'pid\'', {'pid': users[0]['partner_id']})
        return int(users[0]['id'])

    # ---------------------------------------------------------------- GET
    def do_GET(self):
        url = urllib.parse.urlsplit(self.path)
        params = dict(urllib.parse.parse_qsl(url.query))
        p = url.path
        if p == '/web/health':
            # Proves only that the HTTP server runs (odoo/addons/web/controllers/webclient.py).
            return self._send(200, json.dumps({'status': 'pass'}), 'application/json', [('Cache-Control', 'no-store')])
        session = self._session()
        try:
            reg = self._registry(session)
            if p == '/web/login':
                self._ensure_db(session, params)
                if reg is None:
                    raise Redirect(self.path, 302)
                return self._send(200, LOGIN_PAGE % {'csrf': csrf_token(self.sid), 'error': ''})
            if p in ('/', '/odoo', '/web'):
                if reg is not None and session['uid']:
                    reg.select('res.users', '"res_users"."id" = :\'uid\'', {'uid': session['uid']})
                    return self._send(200, '<!DOCTYPE html><html><head><title>Odoo</title></head><body class="o_web_client"></body></html>\n')
                raise Redirect('/web/login', 303)
            if p == '/web/database/selector':
                dbs = db_list(self.headers.get('Host') or '') if CFG.get('listDb', True) else []
                return self._send(200, '<!DOCTYPE html><html><head><title>Odoo</title></head><body>%s</body></html>\n' % ''.join(
                    '<a href="/web?db=%s">%s</a>' % (d, d) for d in dbs))
            return self._send(404, '<h1>404: Page not found</h1>')
        except Redirect as r:
            return self._redirect(r.location, r.code)
        except PgError as e:
            return self._server_error(e)

    do_HEAD = do_GET

    # ---------------------------------------------------------------- POST
    def do_POST(self):
        length = int(self.headers.get('Content-Length') or 0)
        raw = self.rfile.read(length) if length else b''
        url = urllib.parse.urlsplit(self.path)
        p = url.path
        if p == '/web/webclient/version_info':
            try:
                req_id = json.loads(raw or b'{}').get('id')
            except ValueError:
                req_id = None
            return self._json({'jsonrpc': '2.0', 'id': req_id, 'result': VERSION_INFO})
        session = self._session()
        try:
            reg = self._registry(session)
        except PgError as e:
            return self._server_error(e)
        if p == '/web/login':
            return self._form_login(session, reg, dict(urllib.parse.parse_qsl(raw.decode('utf-8', 'replace'))))
        if p == '/web/session/authenticate' or p.startswith('/web/dataset/call_kw'):
            try:
                body = json.loads(raw or b'{}')
            except ValueError:
                body = {}
            req_id = body.get('id')
            params = body.get('params') or {}
            try:
                if p == '/web/session/authenticate':
                    return self._rpc_authenticate(session, params, req_id)
                return self._rpc_call_kw(session, reg, params, req_id)
            except PgError as e:
                return self._server_error(e, req_id, jsonrpc=True)
        return self._send(404, '<h1>404: Page not found</h1>')

    def _form_login(self, session, reg, form):
        try:
            self._ensure_db(session, {})
            if reg is None:
                raise Redirect(self.path, 302)
            if not hmac.compare_digest(form.get('csrf_token', ''), csrf_token(self.sid)):
                log('WARNING', 'odoo.http', "No CSRF validation token provided for path '/web/login'", self.req_db)
                return self._send(400, '<h1>Bad Request</h1>\n<p>Session expired (invalid CSRF token)</p>\n')
            uid = self._authenticate(reg, form.get('login', ''), form.get('password', ''))
            if uid is None:
                log('INFO', 'odoo.addons.base.models.res_users', 'Login failed for db:%s login:%s from %s' % (self.req_db, form.get('login'), self.client_address[0]), self.req_db)
                return self._send(200, LOGIN_PAGE % {'csrf': csrf_token(self.sid), 'error': '<p class="alert alert-danger">Wrong login/password</p>'})
            session.update(uid=uid, login=form.get('login'))
            log('INFO', 'odoo.addons.base.models.res_users', 'Login successful for db:%s login:%s from %s' % (self.req_db, form.get('login'), self.client_address[0]), self.req_db)
            return self._redirect('/odoo' if major >= 18 else '/web', 303)
        except Redirect as r:
            return self._redirect(r.location, r.code)
        except PgError as e:
            return self._server_error(e)

    def _rpc_authenticate(self, session, params, req_id):
        db = params.get('db')
        if not db or not db_filter([db], self.headers.get('Host') or ''):
            return self._json({'jsonrpc': '2.0', 'id': req_id, 'error': {'code': 200, 'message': 'Odoo Server Error', 'data': {
                'name': 'odoo.exceptions.AccessError', 'message': 'Database not found.', 'arguments': ['Database not found.'], 'context': {}}}})
        session['db'] = db
        reg = registry_for(db)
        self.req_db = db
        uid = self._authenticate(reg, params.get('login', ''), params.get('password', ''))
        if uid is None:
            return self._json({'jsonrpc': '2.0', 'id': req_id, 'error': {'code': 200, 'message': 'Odoo Server Error', 'data': {
                'name': 'odoo.exceptions.AccessDenied', 'message': 'Access Denied', 'arguments': ['Access Denied'], 'context': {}}}})
        session.update(uid=uid, login=params.get('login'))
        return self._json({'jsonrpc': '2.0', 'id': req_id, 'result': {'uid': uid, 'is_admin': uid == 2, 'db': db,
                           'username': params.get('login'), 'server_version': SERIES, 'server_version_info': VERSION_INFO['server_version_info']}})

    def _rpc_call_kw(self, session, reg, params, req_id):
        if reg is None or not session['uid']:
            return self._json({'jsonrpc': '2.0', 'id': req_id, 'error': {'code': 100, 'message': 'Odoo Session Expired', 'data': {
                'name': 'odoo.http.SessionExpiredException', 'message': 'Session expired', 'arguments': ['Session expired'], 'context': {}}}})
        model, method = params.get('model'), params.get('method')
        if model not in reg.models or method not in ('search_read', 'read', 'search', 'search_count', 'web_search_read'):
            return self._json({'jsonrpc': '2.0', 'id': req_id, 'error': {'code': 200, 'message': 'Odoo Server Error', 'data': {
                'name': 'NotImplementedError', 'message': 'odoo stand-in: %s.%s is not emulated' % (model, method), 'arguments': [], 'context': {}}}})
        kwargs = params.get('kwargs') or {}
        limit = kwargs.get('limit')
        rows = reg.select(model, limit=int(limit) if limit else None)
        if method == 'search_count':
            result = len(rows)
        elif method == 'search':
            result = [int(r['id']) for r in rows]
        else:
            fields = kwargs.get('fields') or list(rows[0].keys() if rows else [])
            result = [{k: r.get(k) for k in ['id', *fields] if k in r} for r in rows]
            if method == 'web_search_read':
                result = {'length': len(result), 'records': result}
        return self._json({'jsonrpc': '2.0', 'id': req_id, 'result': result})

    def log_message(self, fmt, *a):
        # Odoo's werkzeug access line: ... "GET /web/login HTTP/1.1" 200 - <queries> <query time> <remaining time>
        log('INFO', 'werkzeug', '%s - - [%s] %s - 1 0.001 %.3f' % (self.client_address[0], self.log_date_time_string(),
            (fmt % a).rsplit(' ', 1)[0], time.time() - self.t0), self.req_db)


# ------------------------------------------------------------------ lifecycle
def ready(msg):
    if args.ready_fd >= 0:
        try:
            os.write(args.ready_fd, (msg + '\n').encode())
            os.close(args.ready_fd)
        except OSError:
            pass
        args.ready_fd = -1


def stop(*_):
    if CFG.get('workers'):
        log('INFO', 'odoo.service.server', 'Stopping gracefully')
    else:
        log('INFO', 'odoo.service.server', 'Initiating shutdown')
        log('INFO', 'odoo.service.server', 'Hit CTRL-C again or send a second signal to force the shutdown.')
    sys.stderr.flush()
    os._exit(0)


def start():
    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGHUP, signal.SIG_IGN)
    # The official image's entrypoint waits for PostgreSQL (wait-for-psql.py) before odoo.
    until = time.time() + float(os.environ.get('DOCKER_STANDIN_PSQL_WAIT', '3'))
    while DB_NAME and not pg_answers() and time.time() < until:
        time.sleep(0.2)
    b = CFG['banner']
    log('INFO', 'odoo', 'Odoo version %s' % SERIES)
    if b.get('conf'):
        log('INFO', 'odoo', 'Using configuration file at %s' % b['conf'])
    log('INFO', 'odoo', 'addons paths: [%s]' % ', '.join("'%s'" % a for a in b.get('addons') or []))
    log('INFO', 'odoo', 'database: %s' % b.get('database'))
    if DB_NAME:
        for db in DB_NAMES:
            # odoo-bin creates a missing db_name database (and installs base) before serving.
            try:
                exists = psql("SELECT 1 FROM pg_database WHERE datname = :'db';\n", 'postgres', {'db': db})
            except PgError as e:
                # Real Odoo dies here when PostgreSQL is unreachable: the container exits.
                log('INFO', 'odoo.sql_db', 'Connection to the database failed')
                sys.stderr.write(py_traceback('psycopg2.OperationalError', str(e), [
                    '"/usr/bin/odoo", line 8, in <module>',
                    '"/usr/lib/python3/dist-packages/odoo/service/db.py", line 128, in _create_empty_database']))
                ready('READY')
                sys.exit(1)
            if not exists and CFG.get('initCommand'):
                env = dict(os.environ, ODOO_STANDIN_EMBEDDED='1')
                subprocess.run(CFG['initCommand'] + ['-d', db, '-i', 'base'], env=env, stdout=sys.stderr, stderr=sys.stderr)
    if args.port:
        if CFG.get('workers'):
            log('INFO', 'odoo.service.server', 'HTTP service (werkzeug) running on %s:%d' % (args.host, args.port))
        else:
            log('INFO', 'odoo.service.server', 'HTTP service (werkzeug) running on %s:%d' % (socket.gethostname(), args.port))
    for db in DB_NAMES:
        try:
            registry_for(db)
        except PgError as e:
            log('CRITICAL', 'odoo.service.server', 'Failed to initialize database `%s`.' % db, db, py_traceback(e.pytype, str(e), [
                '"/usr/lib/python3/dist-packages/odoo/service/server.py", line 1313, in preload_registries',
                '"/usr/lib/python3/dist-packages/odoo/modules/registry.py", line 113, in new']))
    if args.port == 0:
        ready('READY')
        while True:
            time.sleep(3600)
    try:
        ThreadingHTTPServer.allow_reuse_address = True
        ThreadingHTTPServer.daemon_threads = True
        httpd = ThreadingHTTPServer((args.host, args.port), Handler)
    except OSError as e:
        ready('ERROR %s' % e.strerror)
        log('ERROR', 'odoo.service.server', 'could not bind %s:%d: %s' % (args.host, args.port, e.strerror))
        sys.exit(1)
    ready('READY')
    httpd.serve_forever()


if __name__ == '__main__':
    try:
        start()
    except Exception:  # an emulator bug: visible in the container log, process ends like a crash
        log('CRITICAL', 'odoo', 'odoo stand-in: unexpected error', tb=traceback.format_exc())
        ready('ERROR odoo stand-in crashed (see the container log)')
        sys.exit(1)

#!/usr/bin/env python3
"""The emulated *running* Odoo server: answers the HTTP endpoints odoops probes.

Python (not Node) because one runs per instance and it idles at ~10 MB RSS.
Usage: httpd.py --host 127.0.0.1 --port 8069 --series 17.0 [--db NAME] [--ready-fd N]
Port 0 means "do not listen" (a container without a published port).
"""
import argparse
import datetime
import json
import os
import signal
import socket
import sys
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

ap = argparse.ArgumentParser()
ap.add_argument('--host', default='0.0.0.0')
ap.add_argument('--port', type=int, default=8069)
ap.add_argument('--series', default='17.0')
ap.add_argument('--db', default='?')
ap.add_argument('--ready-fd', type=int, default=-1)
ap.add_argument('--tag', default='')  # lets the docker stand-in recognise its process
args = ap.parse_args()


def log(level, logger, msg, db='?'):
    now = datetime.datetime.now(datetime.timezone.utc)
    stamp = now.strftime('%Y-%m-%d %H:%M:%S') + ',%03d' % (now.microsecond // 1000)
    sys.stderr.write('%s %d %s %s %s: %s \n' % (stamp, os.getpid(), level, db, logger, msg))
    sys.stderr.flush()


major = int(args.series.split('.')[0]) if args.series[:1].isdigit() else 0
VERSION_INFO = {
    'server_version': args.series,
    'server_version_info': [major, 0, 0, 'final', 0, ''],
    'server_serie': args.series,
    'protocol_version': 1,
}
LOGIN_PAGE = ('<!DOCTYPE html>\n<html lang="en-US">\n<head><meta charset="utf-8"/><title>Odoo</title></head>\n'
              '<body class="bg-100"><main><form class="oe_login_form" role="form" method="post" action="/web/login">'
              '<input type="text" name="login" id="login"/><input type="password" name="password" id="password"/>'
              '<button type="submit" class="btn btn-primary">Log in</button></form></main></body>\n</html>\n')


class Handler(BaseHTTPRequestHandler):
    server_version = 'Werkzeug/2.0.2'
    sys_version = 'Python/3.10.12'
    protocol_version = 'HTTP/1.1'

    def _send(self, code, body, ctype, headers=()):
        data = body.encode()
        self.send_response(code)
        self.send_header('Content-Type', ctype)
        self.send_header('Content-Length', str(len(data)))
        for k, v in headers:
            self.send_header(k, v)
        self.end_headers()
        if self.command != 'HEAD':
            self.wfile.write(data)

    def do_GET(self):
        p = self.path.split('?')[0]
        if p == '/web/health':
            self._send(200, json.dumps({'status': 'pass'}), 'application/json; charset=utf-8',
                       [('Cache-Control', 'no-store')])
        elif p == '/web/login':
            self._send(200, LOGIN_PAGE, 'text/html; charset=utf-8')
        elif p in ('/', '/web', '/odoo'):
            self._send(303, '', 'text/html; charset=utf-8', [('Location', '/web/login')])
        else:
            self._send(404, '<h1>404: Page not found</h1>', 'text/html; charset=utf-8')

    do_HEAD = do_GET

    def do_POST(self):
        length = int(self.headers.get('Content-Length') or 0)
        raw = self.rfile.read(length) if length else b''
        p = self.path.split('?')[0]
        if p == '/web/webclient/version_info':
            try:
                req_id = json.loads(raw or b'{}').get('id')
            except ValueError:
                req_id = None
            self._send(200, json.dumps({'jsonrpc': '2.0', 'id': req_id, 'result': VERSION_INFO}),
                       'application/json')
        else:
            self._send(404, '<h1>404: Page not found</h1>', 'text/html; charset=utf-8')

    def log_message(self, fmt, *a):
        # Odoo's werkzeug access log line.
        log('INFO', 'werkzeug', '%s - - [%s] %s' % (self.client_address[0], self.log_date_time_string(), fmt % a), args.db)


def ready(msg):
    if args.ready_fd >= 0:
        try:
            os.write(args.ready_fd, (msg + '\n').encode())
            os.close(args.ready_fd)
        except OSError:
            pass


def stop(*_):
    log('INFO', 'odoo.service.server', 'Initiating shutdown')
    log('INFO', 'odoo.service.server', 'Hit CTRL-C again or send a second signal to force the shutdown.')
    sys.stderr.flush()
    os._exit(0)


signal.signal(signal.SIGTERM, stop)
signal.signal(signal.SIGINT, stop)
signal.signal(signal.SIGHUP, signal.SIG_IGN)

log('INFO', 'odoo', 'Odoo version %s' % args.series)
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
log('INFO', 'odoo.service.server', 'HTTP service (werkzeug) running on %s:%d' % (socket.gethostname(), args.port))
ready('READY')
httpd.serve_forever()

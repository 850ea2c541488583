/**
 * A private git repository over real HTTP for sandbox servers: git's own smart-HTTP CGI
 * (`git http-backend`) behind HTTP Basic authentication, listening on the sandbox's gateway
 * address (the root-namespace end of the servers' links). Every request's credentials are
 * recorded, so a test can tell what git sent.
 */
import { spawn } from 'node:child_process';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';

export interface GitHttpServer {
  /** http://<gateway>:<port>/<repo>.git */
  url(repo: string): string;
  /** "user:password" of each request that carried credentials. */
  seen: string[];
  close(): Promise<void>;
}

export async function startGitHttp(opts: { root: string; host: string; user: string; password: string }): Promise<GitHttpServer> {
  const seen: string[] = [];
  const server = http.createServer((req, res) => {
    const auth = req.headers.authorization ?? '';
    const given = auth.startsWith('Basic ') ? Buffer.from(auth.slice(6), 'base64').toString('utf8') : null;
    if (given !== null) seen.push(given);
    if (given !== `${opts.user}:${opts.password}`) {
      res.writeHead(401, { 'WWW-Authenticate': 'Basic realm="odoops test"' });
      res.end('authentication required\n');
      return;
    }
    const url = new URL(req.url ?? '/', 'http://x');
    const cgi = spawn('git', ['http-backend'], {
      env: {
        PATH: process.env.PATH,
        GIT_PROJECT_ROOT: opts.root,
        GIT_HTTP_EXPORT_ALL: '1',
        PATH_INFO: decodeURIComponent(url.pathname),
        QUERY_STRING: url.search.slice(1),
        REQUEST_METHOD: req.method ?? 'GET',
        CONTENT_TYPE: req.headers['content-type'] ?? '',
        REMOTE_USER: opts.user,
        REMOTE_ADDR: req.socket.remoteAddress ?? '',
        GIT_CONFIG_NOSYSTEM: '1',
        HOME: path.join(opts.root, '..'),
      },
      stdio: ['pipe', 'pipe', 'inherit'],
    });
    req.pipe(cgi.stdin);
    // CGI output: headers, a blank line, the body.
    let head = Buffer.alloc(0);
    let headersDone = false;
    cgi.stdout.on('data', (chunk: Buffer) => {
      if (headersDone) return void res.write(chunk);
      head = Buffer.concat([head, chunk]);
      const end = head.indexOf('\r\n\r\n') >= 0 ? head.indexOf('\r\n\r\n') : head.indexOf('\n\n');
      if (end < 0) return;
      const sep = head.indexOf('\r\n\r\n') >= 0 ? 4 : 2;
      const headers: Record<string, string> = {};
      let status = 200;
      for (const line of head.subarray(0, end).toString('utf8').split(/\r?\n/)) {
        const i = line.indexOf(':');
        if (i < 0) continue;
        const k = line.slice(0, i).trim();
        const v = line.slice(i + 1).trim();
        if (k.toLowerCase() === 'status') status = Number.parseInt(v, 10);
        else headers[k] = v;
      }
      res.writeHead(status, headers);
      headersDone = true;
      res.write(head.subarray(end + sep));
    });
    cgi.on('close', () => res.end());
  });
  await new Promise<void>((resolve) => server.listen(0, opts.host, resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: (repo) => `http://${opts.host}:${port}/${repo}.git`,
    seen,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

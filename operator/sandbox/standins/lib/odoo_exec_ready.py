#!/usr/bin/env python3
"""Starts a real odoo-bin as a container's main process for the docker stand-in.

    odoo_exec_ready.py --ready-fd N -- /usr/bin/python3 SRC/odoo-bin -c CONF ...

The process exec()s into the command (same PID: the one the engine records and stops)
after handing fd N to a detached watcher that writes "READY" there once the exec has
happened — what `docker compose up -d` waits for on a real engine: the container started,
not Odoo answering (odoops' health check waits for that).
"""
import os
import sys
import time


def main(argv):
    if len(argv) < 4 or argv[0] != '--ready-fd' or argv[2] != '--':
        sys.stderr.write('usage: odoo_exec_ready.py --ready-fd N -- COMMAND...\n')
        return 2
    fd = int(argv[1])
    cmd = argv[3:]
    me = os.getpid()
    marker = ('\0'.join(cmd[:2]) + '\0').encode()
    child = os.fork()
    if child == 0:
        if os.fork() != 0:  # the watcher is a grandchild, reaped by init, not by Odoo
            os._exit(0)
        msg = 'ERROR the server did not start'
        for _ in range(600):
            try:
                with open('/proc/%d/cmdline' % me, 'rb') as fh:
                    line = fh.read()
            except OSError:
                break
            if line.startswith(marker):
                msg = 'READY'
                break
            time.sleep(0.05)
        try:
            os.write(fd, (msg + '\n').encode())
        finally:
            os._exit(0)
    os.waitpid(child, 0)
    os.close(fd)
    os.execv(cmd[0], cmd)
    return 1


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))

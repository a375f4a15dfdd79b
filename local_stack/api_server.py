"""``chalice local`` with API Gateway's patience for a burst.

``chalice local`` serves with the standard library's ``HTTPServer``, whose listen backlog
is 5: under 50 concurrent callbacks it reset 2-14 connections before reading them, which
API Gateway never does (the burst test lost events to it after WeCom's three attempts).
Its handler speaks HTTP/1.1 and writes each answer's headers and body apart: with
Nagle's algorithm on, the body of every answer on a kept-alive connection waited for the
client's delayed ACK (about 40 ms). This runs the very same CLI with a backlog of 256 and
``TCP_NODELAY``; nothing else differs.
"""

from __future__ import annotations

import socketserver
import sys

BACKLOG = 256


def main() -> int:
    socketserver.TCPServer.request_queue_size = BACKLOG
    socketserver.StreamRequestHandler.disable_nagle_algorithm = True
    from chalice.cli import main as chalice_main

    sys.argv[0] = "chalice"
    return int(chalice_main() or 0)


if __name__ == "__main__":
    sys.exit(main())

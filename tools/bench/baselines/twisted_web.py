# SPDX-License-Identifier: MIT
"""twisted.web serving what `plyd web` serves in `tools/ply bench web`: /ply/hello (a resource
answering "Hello, world!") and static files from a directory (static.File).

Usage: /usr/bin/python3 twisted_web.py PORT DIR   (0 picks a port; it is logged)
"""
import sys

from twisted.internet import reactor
from twisted.web import resource, server, static


class Hello(resource.Resource):
    isLeaf = True

    def render_GET(self, request):
        request.setHeader(b"content-type", b"text/plain; charset=utf-8")
        return b"Hello, world!\n"


def main():
    port, directory = int(sys.argv[1]), sys.argv[2]
    root = static.File(directory)
    ply = resource.Resource()
    ply.putChild(b"hello", Hello())
    root.putChild(b"ply", ply)
    site = server.Site(root)
    site.noisy = False
    site.log = lambda request: None  # no access log: measure serving, not logging
    listener = reactor.listenTCP(port, site, interface="127.0.0.1")
    print("listening on 127.0.0.1:%d" % listener.getHost().port, file=sys.stderr, flush=True)
    reactor.run()


if __name__ == "__main__":
    main()

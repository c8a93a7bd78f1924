# SPDX-License-Identifier: MIT
"""A twisted.web server for the HTTP client's tests: a page, a redirect chain (relative and
absolute), a redirect loop, a chunked page, a large page, and one that never answers.

Usage: /usr/bin/python3 twisted_web_server.py   (logs "listening on 127.0.0.1:PORT")
"""
import sys

from twisted.internet import reactor
from twisted.web import resource, server, util


class Text(resource.Resource):
    isLeaf = True

    def __init__(self, body):
        super().__init__()
        self.body = body

    def render_GET(self, request):
        request.setHeader(b"content-type", b"text/plain; charset=utf-8")
        return self.body


class Chunked(resource.Resource):
    """Written in pieces without a Content-Length: twisted.web sends it chunked."""
    isLeaf = True

    def render_GET(self, request):
        for piece in (b"one ", b"two ", b"three"):
            request.write(piece)
        request.finish()
        return server.NOT_DONE_YET


class Silent(resource.Resource):
    isLeaf = True

    def render_GET(self, request):
        return server.NOT_DONE_YET


def main():
    root = resource.Resource()
    root.putChild(b"page", Text(b"from twisted\n"))
    root.putChild(b"chunked", Chunked())
    root.putChild(b"big", Text(b"x" * 100000))
    root.putChild(b"silent", Silent())
    root.putChild(b"first", util.Redirect(b"second"))
    root.putChild(b"second", util.Redirect(b"/page"))
    root.putChild(b"loop", util.Redirect(b"/loop"))
    site = server.Site(root)
    site.noisy = False
    site.log = lambda request: None
    listener = reactor.listenTCP(0, site, interface="127.0.0.1")
    print("listening on 127.0.0.1:%d" % listener.getHost().port, file=sys.stderr, flush=True)
    reactor.run()


if __name__ == "__main__":
    main()

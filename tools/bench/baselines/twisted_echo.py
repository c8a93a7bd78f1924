# SPDX-License-Identifier: MIT
"""The Twisted anchor: Twisted's classic echo server on its epoll reactor.

Usage: /usr/bin/python3 twisted_echo.py [PORT]   (prints "listening on 127.0.0.1:PORT")
"""
import sys

from twisted.internet import epollreactor

epollreactor.install()

from twisted.internet import protocol, reactor  # noqa: E402


class Echo(protocol.Protocol):
    def dataReceived(self, data):
        self.transport.write(data)


class EchoFactory(protocol.Factory):
    protocol = Echo


port = reactor.listenTCP(int(sys.argv[1]) if len(sys.argv) > 1 else 0, EchoFactory(),
                         interface="127.0.0.1", backlog=1024)
sys.stderr.write("listening on 127.0.0.1:%d\n" % port.getHost().port)
sys.stderr.flush()
reactor.run()

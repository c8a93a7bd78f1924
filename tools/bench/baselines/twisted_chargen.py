# SPDX-License-Identifier: MIT
"""Twisted's own chargen (twisted.protocols.wire.Chargen, a streaming producer that the transport
pauses while the peer does not read), the anchor of `tools/ply bench slow-readers`.

Usage: /usr/bin/python3 twisted_chargen.py PORT   (0 picks a port; it is logged)
"""
import sys

from twisted.internet import protocol, reactor
from twisted.protocols import wire


def main():
    factory = protocol.Factory.forProtocol(wire.Chargen)
    factory.noisy = False
    listener = reactor.listenTCP(int(sys.argv[1]), factory, interface="127.0.0.1")
    print("listening on 127.0.0.1:%d" % listener.getHost().port, file=sys.stderr, flush=True)
    reactor.run()


if __name__ == "__main__":
    main()

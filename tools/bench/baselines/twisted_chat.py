# SPDX-License-Identifier: MIT
"""The seed's chat server on Twisted (the anchor of `tools/ply bench chat`).

Asks for a name, then sends every line to every other user as "<NAME> line".
Usage: /usr/bin/python3 twisted_chat.py PORT   (0 picks a port; it is logged)
"""
import sys

from twisted.internet import protocol, reactor
from twisted.protocols import basic


class Chat(basic.LineReceiver):
    def __init__(self, users):
        self.users = users
        self.name = None

    def connectionMade(self):
        self.sendLine(b"What's your name?")

    def connectionLost(self, reason):
        if self.name in self.users:
            del self.users[self.name]

    def lineReceived(self, line):
        if self.name is None:
            if line in self.users:
                self.sendLine(b"Name taken, please choose another.")
                return
            self.name = line
            self.users[line] = self
            self.sendLine(b"Welcome, " + line + b"!")
            return
        message = b"<" + self.name + b"> " + line
        for user in self.users.values():
            if user is not self:
                user.sendLine(message)


class ChatFactory(protocol.Factory):
    def __init__(self):
        self.users = {}

    def buildProtocol(self, addr):
        return Chat(self.users)


port = reactor.listenTCP(int(sys.argv[1]) if len(sys.argv) > 1 else 0, ChatFactory(),
                         backlog=1024, interface="127.0.0.1")
print("listening on 127.0.0.1:%d" % port.getHost().port, file=sys.stderr, flush=True)
reactor.run()

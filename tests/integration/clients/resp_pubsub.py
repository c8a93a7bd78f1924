# SPDX-License-Identifier: MIT
"""redis-py against redis-server and plyd pubsub --resp, side by side: PUBSUB, CLIENT, HELLO and
RESET give the same answers (names of the server aside), and PUBSUB counts a cluster's subscribers.

  resp_pubsub.py diff REDIS PLY      prints "same" or the differences, exit 1 on any
  resp_pubsub.py cluster A B         subscribers on B, counted by A; "counted" or why not
Each server is a TCP port on 127.0.0.1 or the path of a Unix socket.
"""
import sys
import time

import redis


def error_of(call):
    try:
        call()
    except redis.ResponseError as e:
        return "error: " + str(e)
    return "no error"


def wait_subscribed(pubsub, count):
    deadline = time.time() + 5
    seen = 0
    while seen < count and time.time() < deadline:
        m = pubsub.get_message(timeout=0.2)
        if m and m["type"] in ("subscribe", "psubscribe"):
            seen += 1
    return seen == count


def where(server):
    """Keyword arguments that reach `server`: a port, or a Unix socket's path."""
    if server.startswith("/"):
        return {"unix_socket_path": server}
    return {"host": "127.0.0.1", "port": int(server)}


def client(server):
    return redis.Redis(socket_timeout=5, **where(server))


def session(server):
    """What a client sees: each step's answer, by name."""
    r = client(server)
    out = {}
    sub = r.pubsub()
    sub.subscribe("news", "weather")
    sub.psubscribe("n*")
    out["subscribed"] = wait_subscribed(sub, 3)
    out["numsub"] = r.pubsub_numsub("news", "weather", "nobody")
    out["channels"] = sorted(r.pubsub_channels())
    out["channels w*"] = sorted(r.pubsub_channels("w*"))
    out["numpat"] = r.pubsub_numpat()
    out["getname before"] = r.client_getname()
    out["setname"] = r.client_setname("tester")
    out["getname"] = r.client_getname()
    out["bad name"] = error_of(lambda: r.client_setname("a b"))
    out["pubsub foo"] = error_of(lambda: r.execute_command("PUBSUB", "FOO"))
    out["numpat x"] = error_of(lambda: r.execute_command("PUBSUB", "NUMPAT", "x"))
    out["channels a b"] = error_of(lambda: r.execute_command("PUBSUB", "CHANNELS", "a", "b"))
    out["client foo"] = error_of(lambda: r.execute_command("CLIENT", "FOO"))
    out["hello x"] = error_of(lambda: r.execute_command("HELLO", "x"))
    out["hello 4"] = error_of(lambda: r.execute_command("HELLO", "4"))
    out["hello 2 bad option"] = error_of(lambda: r.execute_command("HELLO", "2", "x"))
    hello = r.execute_command("HELLO", "2", "SETNAME", "again")
    fields = dict(zip(hello[::2], hello[1::2]))
    out["hello fields"] = sorted(fields)
    out["hello proto"] = fields[b"proto"]
    out["getname after hello"] = r.client_getname()
    out["reset x"] = error_of(lambda: r.execute_command("RESET", "x"))
    # RESET on a subscribed connection: it is unsubscribed and nameless again.
    conn = (redis.UnixDomainSocketConnection(path=server, socket_timeout=5)
            if server.startswith("/") else
            redis.Connection(socket_timeout=5, **where(server)))
    conn.send_command("CLIENT", "SETNAME", "resetme")
    conn.read_response()
    conn.send_command("SUBSCRIBE", "resetting")
    conn.read_response()
    before = r.pubsub_numsub("resetting")
    conn.send_command("RESET")
    out["reset"] = conn.read_response()
    conn.send_command("CLIENT", "GETNAME")
    out["name after reset"] = conn.read_response()
    out["numsub before and after reset"] = (before, r.pubsub_numsub("resetting"))
    conn.disconnect()
    sub.close()
    return out


def diff(redis_server, ply_server):
    want = session(redis_server)
    got = session(ply_server)
    wrong = [k for k in want if want[k] != got.get(k)]
    for k in wrong:
        print(f"{k}: redis {want[k]!r}, ply {got.get(k)!r}")
    # HELLO 3: redis-server speaks RESP3; ply refuses it with Redis's own words for a version it
    # does not speak.
    r = client(ply_server)
    refused = error_of(lambda: r.execute_command("HELLO", "3"))
    if refused != want["hello 4"]:
        print(f"hello 3: ply {refused!r}, expected {want['hello 4']!r}")
        wrong.append("hello 3")
    print("same" if not wrong else f"{len(wrong)} difference(s)")
    return 1 if wrong else 0


def cluster(a_server, b_server):
    b = client(b_server)
    a = client(a_server)
    sub = b.pubsub()
    sub.subscribe("far")
    sub.psubscribe("f?r", "x*")
    if not wait_subscribed(sub, 3):
        print("B did not confirm the subscriptions")
        return 1
    deadline = time.time() + 10
    while time.time() < deadline:
        got = (a.pubsub_numsub("far"), a.pubsub_channels("f*"), a.pubsub_numpat())
        if got == ([(b"far", 1)], [b"far"], 2):
            print("counted")
            return 0
        time.sleep(0.1)
    print(f"A counts {got!r}")
    return 1


if __name__ == "__main__":
    mode, x, y = sys.argv[1], sys.argv[2], sys.argv[3]
    sys.exit(diff(x, y) if mode == "diff" else cluster(x, y))

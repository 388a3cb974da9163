"""Prints every frame a pyzmq SUB socket receives, one JSON string per line, for a test to read.

Usage: sub_printer.py <publish endpoint> <topic> [lifetime seconds]

Prints "ready" once the socket is connected (the subscription may still be on its way: the test posts probes
until one shows up here). A frame's content spans lines, so each frame is printed as a JSON string. Exits by
itself after the lifetime (120 s by default) so a test host that died cannot leave it behind.
"""
import json
import sys
import time

import zmq


def main(endpoint, topic, lifetime_seconds=120.0):
    context = zmq.Context()
    sub = context.socket(zmq.SUB)
    sub.setsockopt(zmq.LINGER, 0)
    sub.setsockopt_string(zmq.SUBSCRIBE, topic)
    sub.connect(endpoint)
    print("ready", flush=True)

    deadline = time.monotonic() + lifetime_seconds
    while time.monotonic() < deadline:
        if sub.poll(200):
            print(json.dumps(sub.recv_string()), flush=True)
    sub.close()
    context.term()


if __name__ == "__main__":
    if len(sys.argv) not in (3, 4):
        sys.exit(__doc__)
    main(sys.argv[1], sys.argv[2], *(float(a) for a in sys.argv[3:]))

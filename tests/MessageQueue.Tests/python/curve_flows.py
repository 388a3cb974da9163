"""The legacy door over CurveZMQ, driven by pyzmq (libzmq with libsodium), an implementation independent of NetMQ.

Arguments: the REQ endpoint, the PUB endpoint and the server's Z85 public key. Prints one line per observation.
"""
import json
import sys

import zmq

from slow_joiner import wait_until_joined

TIMEOUT_MS = 10_000
UNANSWERED_MS = 1_000


def main(reply_endpoint, publish_endpoint, server_key):
    if not zmq.has("curve"):
        fail("this pyzmq has no CURVE support")
    context = zmq.Context()

    plain = context.socket(zmq.REQ)
    plain.setsockopt(zmq.LINGER, 0)
    plain.connect(reply_endpoint)
    plain.send_string(json.dumps({"type": "1"}))
    print("plain list:", "no reply" if not plain.poll(UNANSWERED_MS) else plain.recv_string())

    def curve_socket(kind):
        socket = context.socket(kind)
        public, secret = zmq.curve_keypair()
        socket.curve_publickey = public
        socket.curve_secretkey = secret
        socket.curve_serverkey = server_key.encode("ascii")
        socket.setsockopt(zmq.LINGER, 0)
        socket.setsockopt(zmq.RCVTIMEO, TIMEOUT_MS)
        return socket

    req = curve_socket(zmq.REQ)
    req.connect(reply_endpoint)

    def request(payload):
        req.send_string(json.dumps(payload))
        return req.recv_string()

    print("curve list:", request({"type": "1"}))

    sub = curve_socket(zmq.SUB)
    sub.setsockopt_string(zmq.SUBSCRIBE, "NodeJs")
    sub.connect(publish_endpoint)
    poller = zmq.Poller()
    poller.register(sub, zmq.POLLIN)

    if not wait_until_joined(request, poller, sub, "NodeJs", TIMEOUT_MS):
        fail("subscription never took effect")

    print("post:", request({"type": "3", "subject": "NodeJs", "updateMessage": "hello over curve from pyzmq"}))
    if not poller.poll(TIMEOUT_MS):
        fail("no publication")
    print("publication ends with:", sub.recv_string().rsplit("\n", 1)[-1])
    context.destroy(linger=0)


def fail(message):
    print("FAILED:", message)
    sys.exit(1)


if __name__ == "__main__":
    try:
        main(sys.argv[1], sys.argv[2], sys.argv[3])
    except zmq.Again:
        fail("timed out waiting for the gateway")

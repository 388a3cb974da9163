"""The legacy flows driven by pyzmq, an implementation independent of NetMQ.

Speaks to the gateway the way the original Python console client does (REQ for requests, SUB with the subject
as prefix filter for publications) and prints one line per observation for the calling test to check.
Exits non-zero with a message on the first surprise; every receive has a timeout so it never hangs.
"""
import json
import sys

import zmq

from slow_joiner import wait_until_joined

TIMEOUT_MS = 10_000


def main(reply_endpoint, publish_endpoint):
    context = zmq.Context()
    req = context.socket(zmq.REQ)
    req.setsockopt(zmq.LINGER, 0)
    req.setsockopt(zmq.RCVTIMEO, TIMEOUT_MS)
    req.connect(reply_endpoint)

    def request(payload):
        req.send_string(json.dumps(payload) if isinstance(payload, dict) else payload)
        return req.recv_string()

    print("list:", request({"type": "1"}))

    reply = json.loads(request({"type": "2", "email": "py@example.com", "subject": "React"}))
    print("subscribe:", reply["isValid"], reply["data"].split(".")[0])

    reply = json.loads(request({"type": "2", "email": "py@example.com", "subject": "Vue"}))
    print("subscribe unknown:", reply["isValid"], reply["data"])

    # As the original client does: SUB with the subject name as prefix filter, after a successful "2".
    sub = context.socket(zmq.SUB)
    sub.setsockopt(zmq.LINGER, 0)
    sub.setsockopt_string(zmq.SUBSCRIBE, "React")
    sub.connect(publish_endpoint)
    poller = zmq.Poller()
    poller.register(sub, zmq.POLLIN)

    if not wait_until_joined(request, poller, sub, "React", TIMEOUT_MS):
        fail("subscription never took effect")

    print("post:", request({"type": "3", "subject": "React", "updateMessage": "hello from pyzmq"}))
    if not poller.poll(TIMEOUT_MS):
        fail("no publication")
    topic, message = sub.recv_string().split(" ", 1)
    print("publication topic:", topic)
    print("publication ends with:", message.rsplit("\n", 1)[-1])

    print("unsubscribe:", request({"type": "4", "subject": "React", "email": "py@example.com"}))
    print("unsubscribe again:", request({"type": "4", "subject": "React", "email": "py@example.com"}))
    print("malformed:", request("{not json"))
    print("numeric type:", request({"type": 1}))

    # The original client quits by sending "4" and closing without reading the reply.
    req.send_string(json.dumps({"type": "4", "subject": "React", "email": "py@example.com"}))
    req.close()

    after = context.socket(zmq.REQ)
    after.setsockopt(zmq.LINGER, 0)
    after.setsockopt(zmq.RCVTIMEO, TIMEOUT_MS)
    after.connect(reply_endpoint)
    after.send_string(json.dumps({"type": "1"}))
    print("after a peer left:", after.recv_string())
    context.destroy(linger=0)


def fail(message):
    print("FAILED:", message)
    sys.exit(1)


if __name__ == "__main__":
    try:
        main(sys.argv[1], sys.argv[2])
    except zmq.Again:
        fail("timed out waiting for the gateway")

"""A pyzmq PUB or PUSH socket fed by a test through stdin: an independent ZeroMQ peer for the gateway's ingest sources.

Usage: zmq_feeder.py pub|push <endpoint> [lifetime seconds]

pub binds <endpoint> (tcp://127.0.0.1:0 picks a free port); push connects to it. Prints "ready <endpoint>" (the
endpoint bound or connected to), then takes one JSON command per line and prints "sent <count>" once it is sent:
  {"frames": ["<base64>", ...]}                             one message of those frames
  {"series": <count>, "prefix": "m-", "topic": "<or null>"} text messages prefix0, prefix1, ... (after the topic frame)
A send blocks while the socket is at its high-water mark (PUSH), as a real service's would. Exits at the end of
stdin or after the lifetime (120 s by default), so a test host that died cannot leave it behind.

FEEDER_CURVE_SECRET (pub only) makes the PUB a CurveZMQ server: "new" for a key pair of libzmq's own
(zmq.curve_keypair()), or a Z85 secret key to keep a restarted publisher's key. The ready line then ends with the
server's public key: "ready <endpoint> <public key>". FEEDER_CURVE_CLIENT (a Z85 public key) then admits that
client only, checked through ZAP (pyzmq's ThreadAuthenticator).
"""
import base64
import os
import json
import sys
import threading

import zmq
from zmq.auth.thread import ThreadAuthenticator


def main(kind, endpoint, lifetime_seconds=120.0):
    context = zmq.Context()
    sock = context.socket(zmq.PUB if kind == "pub" else zmq.PUSH)
    sock.setsockopt(zmq.LINGER, 5000)
    public_key = None
    auth = None
    curve_secret = os.environ.get("FEEDER_CURVE_SECRET")
    if curve_secret and kind == "pub":
        if not zmq.has("curve"):
            sys.exit("this libzmq has no CurveZMQ")
        if curve_secret == "new":
            public_key, secret_key = zmq.curve_keypair()
        else:
            secret_key = curve_secret.encode()
            public_key = zmq.curve_public(secret_key)
        sock.curve_secretkey = secret_key
        sock.curve_publickey = public_key
        sock.curve_server = True
        allowed_client = os.environ.get("FEEDER_CURVE_CLIENT")
        if allowed_client:
            auth = ThreadAuthenticator(context)
            auth.start()
            auth.configure_curve_callback(domain="*", credentials_provider=OnlyClient(allowed_client.encode()))
    if kind == "pub":
        sock.bind(endpoint)
        endpoint = sock.getsockopt_string(zmq.LAST_ENDPOINT)
    else:
        sock.connect(endpoint)
    timer = threading.Timer(lifetime_seconds, lambda: os._exit(0))
    timer.daemon = True
    timer.start()
    print("ready " + endpoint + (" " + public_key.decode() if public_key else ""), flush=True)

    for line in sys.stdin:
        command = json.loads(line)
        if "frames" in command:
            sock.send_multipart([base64.b64decode(f) for f in command["frames"]])
            count = 1
        else:
            count = command["series"]
            topic = command.get("topic")
            for i in range(count):
                text = (command["prefix"] + str(i)).encode()
                sock.send_multipart([topic.encode(), text] if topic is not None else [text])
        print("sent %d" % count, flush=True)
    if auth is not None:
        auth.stop()
    sock.close()
    context.term()


class OnlyClient:
    """A ZAP credentials provider that admits one client public key."""

    def __init__(self, public_key):
        self.public_key = public_key

    def callback(self, domain, key):
        return key == self.public_key


if __name__ == "__main__":
    if len(sys.argv) not in (3, 4):
        sys.exit(__doc__)
    main(sys.argv[1], sys.argv[2], *(float(a) for a in sys.argv[3:]))

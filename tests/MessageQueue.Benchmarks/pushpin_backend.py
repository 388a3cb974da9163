"""The ingest group's backend behind Pushpin: WebSocket-over-HTTP (GRIP), every connection subscribed to one channel.

Usage: pushpin_backend.py <port> <channel>. Prints "backend listening on <port>" once it accepts connections.
Pushpin turns each WebSocket event into a POST of Content-Type application/websocket-events; the reply accepts the
connection (OPEN) and subscribes it with a GRIP control message. Messages then come from Pushpin's ZeroMQ PUSH input,
never through here: the backend only opens and closes connections. Ends when its standard input closes.
"""

import http.server
import json
import sys
import threading

EVENTS = "application/websocket-events"


def event(name, content=None):
    if content is None:
        return (name + "\r\n").encode()
    data = content.encode()
    return ("%s %x\r\n" % (name, len(data))).encode() + data + b"\r\n"


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    channel = ""

    def do_GET(self):
        # The benchmark's readiness check: an answer through Pushpin means its proxy and zurl are up.
        self.send_response(200)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"ok")

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        reply = b""
        if body.startswith(b"OPEN"):
            subscribe = "c:" + json.dumps({"type": "subscribe", "channel": self.channel})
            reply = event("OPEN") + event("TEXT", subscribe)
        elif body.startswith(b"CLOSE"):
            reply = event("CLOSE")
        self.send_response(200)
        self.send_header("Content-Type", EVENTS)
        self.send_header("Sec-WebSocket-Extensions", "grip")
        self.send_header("Content-Length", str(len(reply)))
        self.end_headers()
        self.wfile.write(reply)

    def log_message(self, format, *args):
        pass


class Server(http.server.ThreadingHTTPServer):
    # 1,000 clients connecting at once: a short listen backlog makes Pushpin answer some of them 502.
    request_queue_size = 1024
    daemon_threads = True


def main():
    port, channel = int(sys.argv[1]), sys.argv[2]
    Handler.channel = channel
    server = Server(("127.0.0.1", port), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    print("backend listening on %d" % server.server_address[1], flush=True)
    sys.stdin.read()
    server.shutdown()


if __name__ == "__main__":
    main()

"""A real SMTP server for the tests (Debian's python3-aiosmtpd): stores every message it accepts.

Usage: smtp_sink.py <port> <directory> [stall]. Each accepted message becomes <directory>/<n>.eml, with one
X-Sink-Rcpt header per envelope recipient in front. Prints "ready" once it listens; stops on SIGTERM.
With "stall", the server keeps each message it receives but never answers after its body (the reply to DATA's
end never comes), as a server that hangs after taking a mail does.
"""
import asyncio
import os
import signal
import sys
import threading

from aiosmtpd.controller import Controller


class Store:
    def __init__(self, directory, stall):
        self.directory = directory
        self.stall = stall
        self.count = 0
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):
        with self.lock:
            self.count += 1
            name = os.path.join(self.directory, f"{self.count:06d}.eml")
        headers = "".join(f"X-Sink-Rcpt: {rcpt}\r\n" for rcpt in envelope.rcpt_tos).encode()
        partial = name + ".partial"
        with open(partial, "wb") as f:
            f.write(headers + envelope.original_content)
        os.replace(partial, name)
        if self.stall:
            await asyncio.sleep(3600)
        return "250 Message accepted for delivery"


def main(port, directory, mode=""):
    os.makedirs(directory, exist_ok=True)
    controller = Controller(Store(directory, mode == "stall"), hostname="127.0.0.1", port=int(port))
    controller.start()
    print("ready", flush=True)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    stop.wait()
    controller.stop()


if __name__ == "__main__":
    main(*sys.argv[1:])

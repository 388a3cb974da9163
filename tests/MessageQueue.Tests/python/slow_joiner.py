"""PUB/SUB slow joiner, shared by the flow scripts: post probes until one arrives instead of sleeping a fixed time."""
import time
import uuid


def wait_until_joined(request, poller, sub, subject, timeout_ms):
    """Posts probe updates on subject through request() until sub receives one; False if none came in time."""
    deadline = time.monotonic() + timeout_ms / 1000
    while True:
        marker = "probe-" + uuid.uuid4().hex
        if request({"type": "3", "subject": subject, "updateMessage": marker}) != "isSuccess":
            return False
        if poller.poll(200):
            while not sub.recv_string().endswith(marker):
                pass
            return True
        if time.monotonic() > deadline:
            return False

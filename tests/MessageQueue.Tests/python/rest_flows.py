"""The REST door and its event stream driven from Python's standard library, with pyzmq on the legacy door.

A client written without .NET: it creates a subject over HTTP, posts through pyzmq's REQ socket, reads the update
from the server-sent event stream, then reconnects with Last-Event-ID the way EventSource does and checks that it
gets exactly what it missed. Prints one line per observation; every read has a timeout so it never hangs.
"""
import http.client
import json
import sys
import urllib.parse
import uuid

import zmq

TIMEOUT_S = 10


def open_stream(host, port, path, last_event_id=None):
    connection = http.client.HTTPConnection(host, port, timeout=TIMEOUT_S)
    headers = {"Accept": "text/event-stream"}
    if last_event_id is not None:
        headers["Last-Event-ID"] = last_event_id
    connection.request("GET", path, headers=headers)
    response = connection.getresponse()
    assert response.status == 200, response.status
    assert response.getheader("Content-Type").startswith("text/event-stream")
    return connection, response


def next_event(response):
    """Parses lines as EventSource does; comments and retry lines are skipped."""
    event = {}
    while True:
        line = response.readline().decode("utf-8").rstrip("\n")
        if line == "":
            if "data" in event:
                return event
            continue
        if line.startswith(":") or line.startswith("retry:"):
            continue
        field, _, value = line.partition(": ")
        event[field] = value


def main(http_address, reply_endpoint):
    address = urllib.parse.urlparse(http_address)
    api = http.client.HTTPConnection(address.hostname, address.port, timeout=TIMEOUT_S)

    def call(method, path, body=None):
        api.request(method, path, body=json.dumps(body) if body is not None else None,
                    headers={"Content-Type": "application/json"})
        response = api.getresponse()
        return response.status, json.loads(response.read() or b"null")

    name = "py" + uuid.uuid4().hex[:11]
    status, created = call("POST", "/api/subjects", {"name": name, "content": "From Python."})
    print("create:", status, created["content"])

    context = zmq.Context()
    req = context.socket(zmq.REQ)
    req.setsockopt(zmq.LINGER, 0)
    req.setsockopt(zmq.RCVTIMEO, TIMEOUT_S * 1000)
    req.connect(reply_endpoint)

    def post_legacy(text):
        req.send_string(json.dumps({"type": "3", "subject": name, "updateMessage": text}))
        return req.recv_string()

    connection, stream = open_stream(address.hostname, address.port, f"/api/subjects/{name}/events")
    print("legacy post:", post_legacy("first"))
    event = next_event(stream)
    update = json.loads(event["data"])
    print("event:", event["event"], event["id"], update["text"], update["door"])
    connection.close()

    print("legacy post:", post_legacy("missed"))
    status, _ = call("POST", f"/api/subjects/{name}/updates", {"text": "also missed"})
    print("rest post:", status)

    connection, stream = open_stream(address.hostname, address.port, f"/api/subjects/{name}/events", event["id"])
    for _ in range(2):
        update = json.loads(next_event(stream)["data"])
        print("resumed:", update["sequence"], update["text"], update["door"])
    connection.close()

    status, subject = call("GET", f"/api/subjects/{name}")
    print("content:", status, subject["content"].replace("\n", " | "))
    status, problem = call("POST", f"/api/subjects/{name}/updates", {"text": 5})
    print("mistyped:", status, problem["title"], list(problem["errors"]))


if __name__ == "__main__":
    main(*sys.argv[1:])

"""The original Python server's shape in pyzmq, as a reference column: one REP socket, one PUB socket,
json.loads per request, each subject's accumulated content kept in memory, nothing on disk, no email.

Usage: python3 pyzmq_server.py '<JSON object: subject name -> initial content>'
"""
import json
import os
import sys
import threading

import zmq

INVALID = "Invalid Request. Please try again."
SUCCESS = "isSuccess"


def exit_when_parent_leaves():
    # The benchmark holds our standard input open for as long as it wants us.
    sys.stdin.read()
    os._exit(0)


def answer(request, contents, pub):
    kind = request.get("type")
    if kind == "1":
        return " ".join(f"[{name}]" for name in contents)
    if kind not in ("2", "3", "4"):
        return INVALID
    subject = request.get("subject")
    if subject not in contents:
        missing = f"Not exist subject - {subject}. Try again!"
        return json.dumps({"data": missing, "isValid": "Fail"}) if kind == "2" else missing
    if kind == "2":
        return json.dumps({"data": contents[subject], "isValid": SUCCESS})
    if kind == "3":
        contents[subject] = contents[subject] + "\n" + request.get("updateMessage", "")
        pub.send_string(f"{subject} {contents[subject]}")
    return SUCCESS


def main():
    contents = json.loads(sys.argv[1])
    context = zmq.Context()
    rep = context.socket(zmq.REP)
    pub = context.socket(zmq.PUB)
    rep.bind("tcp://127.0.0.1:*")
    pub.bind("tcp://127.0.0.1:*")
    threading.Thread(target=exit_when_parent_leaves, daemon=True).start()
    print(f"pyzmq server answering on {rep.getsockopt_string(zmq.LAST_ENDPOINT)}, "
          f"publishing on {pub.getsockopt_string(zmq.LAST_ENDPOINT)}", flush=True)
    while True:
        try:
            request = json.loads(rep.recv())
            reply = answer(request, contents, pub) if isinstance(request, dict) else INVALID
        except ValueError:
            reply = INVALID
        rep.send_string(reply)


if __name__ == "__main__":
    main()

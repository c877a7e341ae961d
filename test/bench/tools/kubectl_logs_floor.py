#!/usr/bin/python3
"""The floor of `kubectl logs -f` on this machine: kubectl against a minimal HTTPS server
that answers discovery, the pod, and its log at once (the same 69,000 lines of 101 bytes
as bench-pods), so the time beyond `kubectl get --raw /livez` is kubectl's own cost of
reading and writing the log (it writes each line with its own write()). bench-pods'
logs_mb_s cannot exceed the figure printed here.

Usage: test/bench/tools/kubectl_logs_floor.py [KUBECTL] [RUNS]
Prints: kubectl_logs_floor_mb_s=N (median over RUNS, default 7)."""

import json
import os
import shutil
import socket
import ssl
import statistics
import subprocess
import sys
import tempfile
import threading
import time

LINES, LINE = 69000, b"a" * 100 + b"\n"
BODY = LINE * LINES


def discovery(path):
    if path == "/api":
        return {"kind": "APIVersions", "versions": ["v1"],
                "serverAddressByClientCIDRs": [{"clientCIDR": "0.0.0.0/0", "serverAddress": "127.0.0.1"}]}
    if path == "/apis":
        return {"kind": "APIGroupList", "apiVersion": "v1", "groups": []}
    if path == "/api/v1":
        return {"kind": "APIResourceList", "groupVersion": "v1", "resources": [
            {"name": "pods", "singularName": "pod", "namespaced": True, "kind": "Pod", "verbs": ["get", "list"]},
            {"name": "pods/log", "singularName": "", "namespaced": True, "kind": "Pod", "verbs": ["get"]}]}
    if path == "/livez":
        return "ok"
    return {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "logs", "namespace": "default"},
            "spec": {"containers": [{"name": "logs", "image": "x"}]}, "status": {"phase": "Succeeded"}}


def serve(listener, ctx):
    while True:
        conn, _ = listener.accept()
        threading.Thread(target=handle, args=(conn, ctx), daemon=True).start()


def handle(conn, ctx):
    try:
        conn = ctx.wrap_socket(conn, server_side=True)
        reader = conn.makefile("rb")
        while True:
            line = reader.readline()
            if not line:
                return
            path = line.split()[1].decode().split("?")[0]
            while reader.readline() not in (b"\r\n", b""):
                pass
            if path.endswith("/log"):
                conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nConnection: close\r\n\r\n")
                conn.sendall(BODY)
                conn.close()
                return
            doc = discovery(path)
            body = doc.encode() if isinstance(doc, str) else json.dumps(doc).encode()
            conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n"
                         % len(body) + body)
    except (OSError, ssl.SSLError):
        pass


def main():
    default = os.path.join(os.path.dirname(os.path.realpath(shutil.which("kubectl") or "/")), "kubectl.1.33")
    kubectl = sys.argv[1] if len(sys.argv) > 1 else default
    runs = int(sys.argv[2]) if len(sys.argv) > 2 else 7
    work = tempfile.mkdtemp()
    key, cert = os.path.join(work, "k.pem"), os.path.join(work, "c.pem")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", cert,
                    "-days", "1", "-subj", "/CN=localhost", "-addext", "subjectAltName=IP:127.0.0.1"],
                   check=True, capture_output=True)
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(cert, key)
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)
    port = listener.getsockname()[1]
    threading.Thread(target=serve, args=(listener, ctx), daemon=True).start()
    config = os.path.join(work, "kubeconfig")
    with open(config, "w") as f:
        f.write(f"""apiVersion: v1
kind: Config
clusters: [{{name: c, cluster: {{server: "https://127.0.0.1:{port}", insecure-skip-tls-verify: true}}}}]
users: [{{name: u, user: {{token: x}}}}]
contexts: [{{name: c, context: {{cluster: c, user: u, namespace: default}}}}]
current-context: c
""")
    env = dict(os.environ, KUBECONFIG=config, HOME=work)
    out = os.path.join(work, "out")

    def timed(args):
        with open(out, "wb") as sink:
            t0 = time.monotonic()
            subprocess.run([kubectl] + args, env=env, stdout=sink, stderr=subprocess.DEVNULL, check=True)
            return time.monotonic() - t0

    timed(["logs", "-f", "logs"])  # discovery cache and page cache warm, as in bench-pods
    base = statistics.median(timed(["get", "--raw", "/livez"]) for _ in range(runs))
    logs = statistics.median(timed(["logs", "-f", "logs"]) for _ in range(runs))
    if os.path.getsize(out) != len(BODY):
        sys.exit(f"kubectl wrote {os.path.getsize(out)} bytes, want {len(BODY)}")
    mib = len(BODY) / 1048576
    print(f"kubectl get --raw /livez {base * 1000:.0f} ms; kubectl logs -f of {mib:.1f} MiB {logs * 1000:.0f} ms")
    print(f"kubectl_logs_floor_mb_s={mib / (logs - base):.1f}")
    shutil.rmtree(work)


if __name__ == "__main__":
    main()

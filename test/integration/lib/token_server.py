#!/usr/bin/python3
"""A registry token server for tests (docker distribution's token auth), on loopback.

Usage: token_server.py PORT_FILE KEY CERT ISSUER SERVICE USER PASSWORD LOG
Issues an RS256 JWT (signed with the openssl CLI, cert chain in the x5c header) granting
whatever scope is asked for, to clients that send Basic USER:PASSWORD (GET), or that POST
an OAuth2 refresh_token grant whose refresh token is PASSWORD; 401 otherwise.
Writes its port to PORT_FILE once listening, and one line per request to LOG.
"""
import base64
import http.server
import json
import os
import subprocess
import sys
import time
import urllib.parse

port_file, key, cert, issuer, service, user, password, log = sys.argv[1:9]


def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


with open(cert) as f:
    pem = f.read()
der_b64 = "".join(l for l in pem.splitlines() if "-----" not in l)


def make_token(scope):
    access = []
    for s in scope:
        parts = s.split(":")
        if len(parts) >= 3:
            access.append({"type": parts[0], "name": ":".join(parts[1:-1]),
                           "actions": parts[-1].split(",")})
    now = int(time.time())
    header = {"typ": "JWT", "alg": "RS256", "x5c": [der_b64]}
    claims = {"iss": issuer, "sub": user, "aud": service, "exp": now + 600, "nbf": now - 60,
              "iat": now, "jti": b64url(os.urandom(12)), "access": access}
    signing_input = (b64url(json.dumps(header).encode()) + "." +
                     b64url(json.dumps(claims).encode()))
    sig = subprocess.run(["openssl", "dgst", "-sha256", "-sign", key],
                         input=signing_input.encode(), capture_output=True, check=True).stdout
    return signing_input + "." + b64url(sig)


class Handler(http.server.BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def reply(self, code, body=b""):
        self.send_response(code)
        if body:
            self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        query = urllib.parse.parse_qs(urllib.parse.urlparse(self.path).query)
        expected = "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()
        ok = self.headers.get("Authorization") == expected
        with open(log, "a") as f:
            f.write(f"{'granted' if ok else 'denied'} {query.get('scope', [])}\n")
        if not ok:
            return self.reply(401)
        self.reply(200, json.dumps({"token": make_token(query.get("scope", []))}).encode())


    def do_POST(self):
        length = int(self.headers.get("Content-Length", "0"))
        form = urllib.parse.parse_qs(self.rfile.read(length).decode())
        ok = (form.get("grant_type") == ["refresh_token"] and
              form.get("refresh_token") == [password])
        with open(log, "a") as f:
            f.write(f"{'granted' if ok else 'denied'} oauth {form.get('scope', [])}\n")
        if not ok:
            return self.reply(401)
        self.reply(200, json.dumps({"access_token": make_token(form.get("scope", [])),
                                    "expires_in": 600}).encode())


server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
with open(port_file + ".tmp", "w") as f:
    f.write(str(server.server_address[1]))
os.rename(port_file + ".tmp", port_file)
server.serve_forever()

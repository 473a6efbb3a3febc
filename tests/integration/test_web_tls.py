"""
lobbyweb over HTTPS, with a self-signed certificate made by openssl in the
site's temp dir: the login page served to a client that trusts only that
certificate, the session cookie Secure, HSTS on every answer, plain HTTP on
its port answered with nothing; and plain HTTP off loopback refused at start
unless the config says plain_http_anywhere = true.
"""
import http.client
import json
import os
import socket
import ssl
import subprocess

from lobbytest import BUILD, ROOT, Proc, Site, free_port, run_tests, test, wait_for

LOBBYWEB = os.path.join(BUILD, "lobbyweb")
STATIC = os.path.join(ROOT, "web", "static")
PASSWORD = "desk-pass-2024"


def make_cert(d):
    cert, key = os.path.join(d, "web.crt"), os.path.join(d, "web.key")
    r = subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
                        "ec_paramgen_curve:prime256v1", "-nodes", "-days", "2",
                        "-subj", "/CN=lobbyweb test", "-addext", "subjectAltName=IP:127.0.0.1",
                        "-keyout", key, "-out", cert], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    return cert, key


def write_conf(d, name, text):
    path = os.path.join(d, name)
    with open(path, "w") as f:
        f.write(f'static_dir = "{STATIC}";\n' + text)
    return path


def check_conf(path):
    return subprocess.run([LOBBYWEB, "-n", "-c", path], capture_output=True, text=True,
                          timeout=10)


@test
def test_https_login_secure_cookie_and_hsts():
    s = Site()
    web = None
    try:
        r = s.run_ctl("user", "add", "clerk", "--role", "frontdesk", stdin=PASSWORD + "\n")
        assert r.returncode == 0, r.stderr
        cert, key = make_cert(s.dir)
        port = free_port()
        conf = write_conf(s.dir, "lobbyweb.conf",
                          f'listen = "127.0.0.1:{port}";\nsocket = "{s.sock}";\n'
                          f'tls_cert = "{cert}";\ntls_key = "{key}";\n')
        web = Proc([LOBBYWEB, "-d", "-c", conf], os.path.join(s.dir, "lobbyweb.log"))
        wait_for(lambda: socket.create_connection(("127.0.0.1", port), 0.2).close() or True,
                 5, "lobbyweb listening")
        wait_for(lambda: f"listening on https://127.0.0.1:{port}" in web.output(), 5,
                 "lobbyweb saying it listens on https")
        ctx = ssl.create_default_context(cafile=cert)	# that certificate and no other

        def get(method, path, body=None, headers=None):
            c = http.client.HTTPSConnection("127.0.0.1", port, context=ctx, timeout=5)
            c.request(method, path, body, headers or {})
            resp = c.getresponse()
            data = resp.read()
            c.close()
            return resp, data

        r, page = get("GET", "/login")
        assert r.status == 200 and b'data-page="login"' in page, (r.status, page[:300])
        assert r.getheader("Strict-Transport-Security") == "max-age=31536000", r.getheaders()
        # The login: its cookie only ever goes back over HTTPS.
        r, body = get("POST", "/api/login", json.dumps({"name": "clerk", "password": PASSWORD}),
                      {"Content-Type": "application/json"})
        assert r.status == 200, (r.status, body)
        cookie = r.getheader("Set-Cookie")
        attrs = [a.strip() for a in cookie.split(";")]
        assert attrs[0].startswith("lw_session=") and len(attrs[0]) == len("lw_session=") + 64
        assert {"Secure", "HttpOnly", "SameSite=Strict"} <= set(attrs), cookie
        assert r.getheader("Strict-Transport-Security"), r.getheaders()
        r, body = get("GET", "/api/me", headers={"Cookie": attrs[0]})
        assert r.status == 200 and json.loads(body)["name"] == "clerk", (r.status, body)
        # A client that does not trust the certificate stops at the handshake.
        try:
            c = http.client.HTTPSConnection("127.0.0.1", port, timeout=5,
                                            context=ssl.create_default_context())
            c.request("GET", "/login")
            c.getresponse()
            raise AssertionError("a certificate nobody signed was taken")
        except ssl.SSLCertVerificationError:
            pass
        # Plain HTTP on the HTTPS port gets no page.
        with socket.create_connection(("127.0.0.1", port), 5) as raw:
            raw.sendall(b"GET /login HTTP/1.0\r\n\r\n")
            got = b""
            try:
                while (chunk := raw.recv(4096)):
                    got += chunk
            except (ConnectionResetError, socket.timeout):
                pass
        assert not got.startswith(b"HTTP/") and b"data-page" not in got, got[:200]
        assert web.alive()
    finally:
        try:
            if web is not None:
                rc = web.stop()
                assert rc == 0, f"lobbyweb exited with {rc} on SIGTERM"
        finally:
            s.close()


@test
def test_plain_http_off_loopback_needs_saying():
    d = Site(start_lobbyd=False)
    try:
        port = free_port()
        bad = write_conf(d.dir, "anywhere.conf", f'listen = "0.0.0.0:{port}";\n')
        want = (f"{bad}: listen: 0.0.0.0 is not loopback; plain HTTP there needs "
                "tls_cert and tls_key, or plain_http_anywhere = true")
        r = check_conf(bad)
        assert r.returncode == 1 and want in r.stderr, (r.returncode, r.stderr)
        # Started for real, it refuses the same way before listening.
        p = subprocess.run([LOBBYWEB, "-c", bad], capture_output=True, text=True, timeout=10)
        assert p.returncode == 1 and want in p.stderr, (p.returncode, p.stderr)
        # Said explicitly, or with a certificate, the same address is taken.
        ok = write_conf(d.dir, "said.conf",
                        f'listen = "0.0.0.0:{port}";\nplain_http_anywhere = true;\n')
        r = check_conf(ok)
        assert r.returncode == 0 and r.stderr == "", (r.returncode, r.stderr)
        cert, key = make_cert(d.dir)
        tls = write_conf(d.dir, "tls.conf", f'listen = "0.0.0.0:{port}";\n'
                         f'tls_cert = "{cert}";\ntls_key = "{key}";\n')
        r = check_conf(tls)
        assert r.returncode == 0 and r.stderr == "", (r.returncode, r.stderr)
        # A certificate without its key is no TLS at all.
        half = write_conf(d.dir, "half.conf", f'listen = "127.0.0.1:{port}";\n'
                          f'tls_cert = "{cert}";\n')
        r = check_conf(half)
        assert r.returncode == 1 and f"{half}: tls_cert and tls_key go together" in r.stderr, \
            r.stderr
    finally:
        d.close()


if __name__ == "__main__":
    run_tests(__file__)

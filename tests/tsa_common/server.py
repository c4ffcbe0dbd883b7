"""A local RFC 3161 timestamp authority for cip's tests: `openssl ts -reply`
behind http.server on 127.0.0.1. Started by tests/tsa_common/mod.rs with the
pyHanko venv's python (asn1crypto comes with pyHanko); prints "PORT n" once
listening. The path picks a behaviour:

  /tsa              a good token (TSA certificate: EKU timeStamping, critical)
  /tsa/short        a good token from a TSA certificate that expires soon
  /tsa/bad-nonce    the token answers another nonce
  /tsa/bad-imprint  the token stamps another digest
  /tsa/wrong-eku    the TSA certificate in the token has a non-critical EKU
  /tsa/error        HTTP 500 every time
  /tsa/reject       a granted=false answer (status 2, rejection)

and GET /ca.crl serves the CA's CRL (the certificates' distribution point).
With a second argument `--tls` it serves https with DIR/tls.pem and tls.key.
"""
import os
import ssl
import subprocess
import sys
import tempfile
from http.server import BaseHTTPRequestHandler, HTTPServer

from asn1crypto import tsp, x509

DIR = sys.argv[1]


def openssl_reply(query, signer="tsa"):
    with tempfile.TemporaryDirectory(dir=DIR) as t:
        q = os.path.join(t, "q.tsq")
        r = os.path.join(t, "r.tsr")
        with open(q, "wb") as f:
            f.write(query)
        subprocess.run(
            ["openssl", "ts", "-reply", "-config", os.path.join(DIR, "tsa.cnf"),
             "-queryfile", q, "-out", r,
             "-signer", os.path.join(DIR, signer + ".pem"),
             "-inkey", os.path.join(DIR, signer + ".key")],
            check=True, capture_output=True)
        with open(r, "rb") as f:
            return f.read()


def respond(mode, query):
    if mode == "bad-nonce":
        req = tsp.TimeStampReq.load(query)
        req["nonce"] = req["nonce"].native + 1
        return openssl_reply(req.dump(force=True))
    if mode == "bad-imprint":
        req = tsp.TimeStampReq.load(query)
        h = bytearray(req["message_imprint"]["hashed_message"].native)
        h[0] ^= 0xFF
        req["message_imprint"]["hashed_message"] = bytes(h)
        return openssl_reply(req.dump(force=True))
    if mode == "wrong-eku":
        # openssl refuses to sign with such a certificate, so the good
        # token's certificate is swapped for one with the same key, issuer
        # and serial whose EKU is not critical.
        resp = tsp.TimeStampResp.load(openssl_reply(query))
        with open(os.path.join(DIR, "tsa-noncrit.der"), "rb") as f:
            bad = x509.Certificate.load(f.read())
        sd = resp["time_stamp_token"]["content"]
        sd["certificates"] = [bad]
        return resp.dump(force=True)
    if mode == "reject":
        # TimeStampResp without a token (asn1crypto insists on one).
        info = tsp.PKIStatusInfo({"status": "rejection",
                                  "status_string": ["policy not accepted"]}).dump()
        return b"\x30" + bytes([len(info)]) + info
    return openssl_reply(query, "tsa-short" if mode == "short" else "tsa")


class Handler(BaseHTTPRequestHandler):
    def do_GET(self):
        # The CA's CRL, named by the certificates' distribution points.
        if self.path != "/ca.crl":
            self.send_response(404)
            self.end_headers()
            return
        with open(os.path.join(DIR, "ca.crl"), "rb") as f:
            body = f.read()
        self.send_response(200)
        self.send_header("Content-Type", "application/pkix-crl")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_POST(self):
        mode = self.path.rstrip("/").split("/")[-1]
        mode = "" if mode == "tsa" else mode
        if mode == "error":
            self.send_response(500)
            self.end_headers()
            return
        n = int(self.headers.get("Content-Length", "0"))
        query = self.rfile.read(n)
        try:
            body = respond(mode, query)
        except Exception as e:  # a broken query: say so, as a TSA would
            self.send_response(400)
            self.end_headers()
            self.wfile.write(str(e).encode())
            return
        self.send_response(200)
        self.send_header("Content-Type", "application/timestamp-reply")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


server = HTTPServer(("127.0.0.1", 0), Handler)
if sys.argv[2:] == ["--tls"]:
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(os.path.join(DIR, "tls.pem"), os.path.join(DIR, "tls.key"))
    server.socket = ctx.wrap_socket(server.socket, server_side=True)
print("PORT", server.server_address[1], flush=True)
server.serve_forever()

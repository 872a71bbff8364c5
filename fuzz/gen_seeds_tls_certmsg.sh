#!/bin/sh
# Writes the seeds of the tls_certmsg fuzz target into corpus/tls_certmsg/:
# Certificate messages in both layouts around certificates from
# corpus/cert_fields/ (made by fuzz/gen_corpus.sh), plus near misses.
# Deterministic; rerun after editing.
set -eu
exec python3 - "$(cd "$(dirname "$0")/.." && pwd)" <<'PY'
import os
import sys

root = sys.argv[1]
out = os.path.join(root, "corpus", "tls_certmsg")
certs_dir = os.path.join(root, "corpus", "cert_fields")
os.makedirs(out, exist_ok=True)


def cert(name):
    with open(os.path.join(certs_dir, name), "rb") as f:
        return f.read()


def u24(n):
    return n.to_bytes(3, "big")


def msg(certs, tls13, context=b"", exts=None):
    body = b""
    for i, c in enumerate(certs):
        body += u24(len(c)) + c
        if tls13:
            e = exts[i] if exts else b""
            body += len(e).to_bytes(2, "big") + e
    inner = (bytes([len(context)]) + context if tls13 else b"") + u24(len(body)) + body
    return bytes([11]) + u24(len(inner)) + inner


def seed(name, tls13, m):
    with open(os.path.join(out, name), "wb") as f:
        f.write(bytes([1 if tls13 else 0]) + m)


leaf, inter = cert("leaf-ip4"), cert("intermediate")
for v, t in (("13", True), ("12", False)):
    seed(f"one_{v}", t, msg([leaf], t))
    seed(f"chain_{v}", t, msg([leaf, inter], t))
    seed(f"empty_list_{v}", t, msg([], t))
    seed(f"tiny_certs_{v}", t, msg([b"\x30", b"\x30\x00", b"x"], t))
    seed(f"max_certs_{v}", t, msg([b"\x30\x00"] * 16, t))
    seed(f"too_many_{v}", t, msg([b"\x30\x00"] * 17, t))
    good = msg([b"\x30\x03\x02\x01\x01"], t)
    seed(f"trailing_{v}", t, good + b"\x00")
    seed(f"truncated_{v}", t, good[:-1])
    seed(f"not_certificate_{v}", t, bytes([2]) + good[1:])
    seed(f"empty_entry_{v}", t, msg([b""], t))
seed("context_13", True, msg([leaf], True, context=b"\x01\x02\x03\x04"))
seed("extensions_13", True, msg([b"\x30\x00", b"\x30\x00"], True, exts=[b"\x00\x05\x00\x01\x00", b"\x00\x12\x00\x00"]))
seed("ext_overrun_13", True, msg([b"\x30\x00"], True)[:-2] + b"\xff\xff")
seed("header_only", False, b"\x0b\x00\x00\x00")
seed("empty", False, b"")
seed("layout_swap", False, msg([leaf], True))
PY

#!/usr/bin/env python3
"""Seeds fuzz/corpus/<target>/ from the contract fixtures (crates/clerk-core/tests/fixtures).

The corpus is git-ignored: run this before `cargo fuzz run` (`make fuzz` does). Standard library
only. Each seed follows its target's input layout (see the header of fuzz_targets/<target>.rs).
"""
import base64
import hashlib
import json
import pathlib

ROOT = pathlib.Path(__file__).resolve().parent
FIXTURES = ROOT.parent / "crates" / "clerk-core" / "tests" / "fixtures"
CORPUS = ROOT / "corpus"
HOST = "happy-hippo-42.clerk.accounts.dev"


def fixture(name):
    return json.loads((FIXTURES / name).read_text())


def write(target, seeds):
    out = CORPUS / target
    out.mkdir(parents=True, exist_ok=True)
    for seed in seeds:
        # Content-addressed like libFuzzer, so re-seeding never duplicates.
        (out / hashlib.sha1(seed).hexdigest()).write_bytes(seed)
    print(f"{target}: {len(seeds)} seeds")


def compact(value):
    return json.dumps(value, separators=(",", ":")).encode()


def publishable_key(production):
    prefix = "pk_live_" if production else "pk_test_"
    return prefix + base64.b64encode(f"{HOST}$".encode()).decode().rstrip("=")


def cookie_suffix(key):
    return base64.urlsafe_b64encode(hashlib.sha1(key.encode()).digest()).decode()[:8]


tokens = [fixture(f"session_token.v2.{name}.json") for name in ("basic", "active_org", "impersonated_pending")]
jwts = [t["jwt"].encode() for t in tokens]

# token_verify: mode 0 = token text, mode 1 = header JSON \n payload JSON (signed by the harness);
# mode 3 (and 7, 11, …: the higher bits pick the signature character to change) also signs the
# payload made valid and checks it verifies, and not once tampered with.
seeds = [b"\x00" + jwt for jwt in jwts]
seeds += [b"\x01" + compact(t["header"]) + b"\n" + compact(t["payload"]) for t in tokens]
seeds += [bytes([3 | n << 2]) + compact(t["header"]) + b"\n" + compact(t["payload"]) for n, t in enumerate(tokens)]
base = tokens[1]["payload"]
for case in fixture("fpm_test_vectors.json")["cases"][:8]:
    payload = dict(base, **case["input"])
    seeds.append(b"\x01" + compact(tokens[1]["header"]) + b"\n" + compact(payload))
seeds += [b"\x00a.b.c", b"\x00e30.e30.AA", b"\x01{}\n{}", b'\x01{"alg":"RS256","typ":"JWT"}\n{"sub":"u","exp":1e300}']
write("token_verify", seeds)

# auth_request: flags, then Authorization \n Cookie \n query \n Referer \n Cookie \n Host.
seeds = []
for jwt in jwts:
    for flags in (0, 1, 2, 0x10, 0x40):
        seeds.append(bytes([flags]) + b"Bearer " + jwt)
    for production in (False, True):
        flags = b"\x05" if production else b"\x04"
        suffix = cookie_suffix(publishable_key(production))
        plain = b"__session=" + jwt + b"; __client_uat=1755000000; __clerk_db_jwt=dvb_1"
        suffixed = plain.replace(b"__session=", f"__session_{suffix}=".encode()).replace(
            b"__client_uat=", f"__client_uat_{suffix}=".encode()
        )
        seeds.append(flags + b"\n" + plain + b"\n\nhttps://other.example/\n\nlocalhost:3000")
        seeds.append(flags + b"\n" + suffixed + b"\n__clerk_db_jwt=x\n\n" + plain)
seeds += [b"\x00Bearer  a.b.c", b"\x00\n__client_uat=12abc", b"\x02\n__session=%E0%A4%A; __client_uat=-5"]
# Handshake nonces (a known one with directives, an unknown one, malformed ones) and satellite
# syncs to known and unknown origins, on development and production, with and without parties.
# Parts: Authorization, Cookie, query, Referer, Cookie, Host, nonce, redirect URL, directives.
def request(flags, cookie=b"", nonce=b"", redirect=b"", directives=b""):
    return bytes([flags]) + b"\n".join([b"", cookie, b"", b"", b"", b"", nonce, redirect, directives])
session = b"__session=" + jwts[0] + b"; path=/"
for flags in (0x04, 0x05, 0x14, 0x15):
    seeds.append(request(flags, nonce=b"nonce_1230", directives=session + b"|__client_uat=1755000000; path=/"))
    seeds.append(request(flags, nonce=b"nonce_1231"))
    seeds.append(request(flags, nonce=b"a b%3F/\xc3\xa90"))
    seeds.append(request(flags, nonce=b"x" * 300 + b"0"))
    for target in (b"https://evil.example/x", b"http://localhost:3000/back", b"https://satellite.example.org/p?a=1",
                   b"http://127.0.0.1:5173/", b"javascript:alert(1)", b"http://localhost:3000.evil.example/"):
        seeds.append(request(flags, cookie=b"__clerk_db_jwt=dvb_1", redirect=target))
write("auth_request", seeds)

# publishable_key: publishable keys, PEM keys, JWK sets.
pem = (FIXTURES / "test_signing_key.public.pem").read_bytes()
seeds = [publishable_key(False).encode(), publishable_key(True).encode(), b"pk_test_Y2xlcmsuY2xlcmsuZGV2JA=="]
seeds += [pem, pem.strip().replace(b"\n", b"\\n"), (FIXTURES / "jwks.response.json").read_bytes()]
write("publishable_key", seeds)

# webhook: flags, then secret \n id \n timestamp \n signature \n body.
deliveries = fixture("signed_deliveries.json")
seeds = []
for delivery in deliveries["deliveries"]:
    h = delivery["headers"]
    fields = [deliveries["secret"], h["svix-id"], h["svix-timestamp"], h["svix-signature"], delivery["raw_body"]]
    for flags in (0, 1, 2):
        seeds.append(bytes([flags]) + "\n".join(fields).encode())
for v in fixture("svix_test_vectors.json")["vectors"]:
    fields = [v["secret"], v["msg_id"], str(v["timestamp"]), v.get("expected_signature", ""), v["payload"]]
    seeds.append(b"\x00" + "\n".join(fields).encode())
write("webhook", seeds)

# user_json: users from the Backend API and webhooks.
users = [fixture("user.example.json"), fixture("user.created.json")["data"], fixture("user.updated.json")["data"]]
users += fixture("users.list.response.json")
write("user_json", [compact(user) for user in users])

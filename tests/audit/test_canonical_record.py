"""The record a leaf commits to: RFC 8785 bytes (fast path identical to the reference), RFC 9162 leaf hash."""

from __future__ import annotations

import hashlib
import random
import struct

import pytest
import rfc8785

from privacyhub.audit.record import canonical_json, record_leaf_hash
from privacyhub.errors import ValidationFailed
from tests.factories import event_payload

ALPHABET = ["a", "Z", "0", " ", "\"", "\\", "/", "\n", "\t", "\x00", "\x1f", "\x7f", "é", "\u2028", "\ue000",
            "\uffff", "😀", "𝄞", "中"]


def random_value(rng: random.Random, depth: int = 0):
    """A random JSON value leaning towards the edge cases RFC 8785 cares about."""
    kind = rng.randrange(9 if depth < 3 else 6)
    if kind == 0:
        return None
    if kind == 1:
        return rng.random() < 0.5
    if kind == 2:
        return rng.choice([0, 1, -1, 2**53 - 1, -(2**53 - 1), rng.randrange(-10**12, 10**12)])
    if kind == 3:
        bits = rng.getrandbits(64)
        value = struct.unpack(">d", bits.to_bytes(8, "big"))[0]
        if value != value or value in (float("inf"), float("-inf")):
            value = 1.5
        return rng.choice([value, 0.1, -0.0, 1e21, 1e-7, 1e16, 123.456, 5.0, 1e-4, 9.999e15, rng.uniform(-1e6, 1e6)])
    if kind in (4, 5):
        return "".join(rng.choice(ALPHABET) for _ in range(rng.randrange(6)))
    if kind in (6, 7):
        return {"".join(rng.choice(ALPHABET) for _ in range(rng.randrange(4))): random_value(rng, depth + 1)
                for _ in range(rng.randrange(5))}
    return [random_value(rng, depth + 1) for _ in range(rng.randrange(5))]


def test_canonical_json_is_byte_identical_to_the_reference_implementation():
    rng = random.Random(8785)
    for _ in range(5000):
        value = random_value(rng)
        assert canonical_json(value) == rfc8785.dumps(value), value


def test_rfc8785_examples():
    # RFC 8785 section 3.2.3 (sorting) and appendix B number samples
    assert canonical_json({"\u20ac": "Euro Sign", "\r": "Carriage Return", "\ufb33": "Hebrew Letter Dalet With Dagesh",
                           "1": "One", "\U0001f600": "Emoji: Grinning Face", "\u0080": "Control",
                           "\u00f6": "Latin Small Letter O With Diaeresis"}).decode() == (
        '{"\\r":"Carriage Return","1":"One","\u0080":"Control","\u00f6":"Latin Small Letter O With Diaeresis",'
        '"\u20ac":"Euro Sign","\U0001f600":"Emoji: Grinning Face","\ufb33":"Hebrew Letter Dalet With Dagesh"}')
    assert canonical_json([333333333.33333329, 1e30, 4.50, 2e-3, 0.000000000000000000000000001]) == \
        b"[333333333.3333333,1e+30,4.5,0.002,1e-27]"


def test_leaf_hash_is_sha256_of_zero_byte_and_canonical_record():
    record = {"v": 1, "id": "x", "metadata": {"b": 1, "a": [True, None]}}
    expected = hashlib.sha256(b"\x00" + b'{"id":"x","metadata":{"a":[true,null],"b":1},"v":1}').digest()
    assert record_leaf_hash(record) == expected


@pytest.mark.parametrize("value", [2**53, {"n": -(2**60)}, "\ud800", float("nan")])
def test_values_without_a_canonical_form_are_refused(value):
    with pytest.raises(ValidationFailed):
        canonical_json(value)


def test_ingest_refuses_them_with_422(client, auth):
    response = client.post("/v1/events", json=event_payload(1, metadata={"n": 2**60}), headers=auth)
    assert response.status_code == 422 and "RFC 8785" in response.get_json()["detail"]

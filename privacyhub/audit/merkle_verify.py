"""RFC 9162 proof verification, written from the RFC's bit-shifting algorithms.

Kept apart from the proof generators in ``merkle`` on purpose: a verifier that
reused the generator's recursion would agree with its bugs. Only the two hash
functions are shared. Verifiers return ``False`` for malformed input, never raise.
"""

from __future__ import annotations

from collections.abc import Sequence

from privacyhub.audit.merkle import EMPTY_ROOT, HASH_SIZE, node_hash


def _all_hashes(*hashes: bytes) -> bool:
    """True when every value is a 32-byte hash, so garbage entries fail early."""
    return all(isinstance(h, bytes) and len(h) == HASH_SIZE for h in hashes)


def verify_inclusion(
    leaf_hash: bytes, leaf_index: int, tree_size: int, proof: Sequence[bytes], root: bytes
) -> bool:
    """Check an inclusion proof per RFC 9162 section 2.1.3.2."""
    if not _all_hashes(leaf_hash, root, *proof):
        return False
    if not 0 <= leaf_index < tree_size:
        return False
    fn, sn, r = leaf_index, tree_size - 1, leaf_hash
    for p in proof:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            while not fn & 1 and fn != 0:
                fn >>= 1
                sn >>= 1
        else:
            r = node_hash(r, p)
        fn >>= 1
        sn >>= 1
    return sn == 0 and r == root


def verify_consistency(
    first: int, second: int, first_root: bytes, second_root: bytes, proof: Sequence[bytes]
) -> bool:
    """Check that tree ``second`` extends tree ``first`` per RFC 9162 section 2.1.4.2.

    Equal sizes need equal roots and an empty proof; an empty first tree (root
    MTH({})) is a prefix of every tree and also needs an empty proof.
    """
    if not _all_hashes(first_root, second_root, *proof):
        return False
    if not 0 <= first <= second:
        return False
    if first == second:
        return not proof and first_root == second_root
    if first == 0:
        return not proof and first_root == EMPTY_ROOT
    if not proof:
        return False
    path = list(proof)
    if first & (first - 1) == 0:
        path.insert(0, first_root)
    fn, sn = first - 1, second - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            fr = node_hash(c, fr)
            sr = node_hash(c, sr)
            while not fn & 1 and fn != 0:
                fn >>= 1
                sn >>= 1
        else:
            sr = node_hash(sr, c)
        fn >>= 1
        sn >>= 1
    return sn == 0 and fr == first_root and sr == second_root

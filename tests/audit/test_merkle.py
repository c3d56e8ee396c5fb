"""The audit log's Merkle tree must match RFC 6962/9162 byte for byte.

Expected hashes are published test data, never values produced by the code under
test, so a mistake shared by generator and verifier still fails here.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator, Sequence

import pytest

from privacyhub.audit.merkle import (
    EMPTY_ROOT,
    CompactRange,
    Node,
    consistency_proof,
    inclusion_proof,
    leaf_hash,
    node_hash,
    perfect_subtrees,
    root_from_leaves,
)
from privacyhub.audit.merkle_verify import verify_consistency, verify_inclusion

h = bytes.fromhex

# --- Published test data -----------------------------------------------------
# transparency-dev/merkle testonly/constants.go (LeafInputs, NodeHashes, RootHashes,
# CompactTrees); the same data as google/certificate-transparency's merkle tests.
LEAF_INPUTS = [
    h(""),
    h("00"),
    h("10"),
    h("2021"),
    h("3031"),
    h("40414243"),
    h("5051525354555657"),
    h("606162636465666768696a6b6c6d6e6f"),
]
# NODE_HASHES[level][index] for the 8-leaf tree, in this module's (level, index) addressing.
NODE_HASHES = [
    [
        h("6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d"),
        h("96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7"),
        h("0298d122906dcfc10892cb53a73992fc5b9f493ea4c9badb27b791b4127a7fe7"),
        h("07506a85fd9dd2f120eb694f86011e5bb4662e5c415a62917033d4a9624487e7"),
        h("bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"),
        h("4271a26be0d8a84f0bd54c8c302e7cb3a3b5d1fa6780a40bcce2873477dab658"),
        h("b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f"),
        h("46f6ffadd3d06a09ff3c5860d2755c8b9819db7df44251788c7d8e3180de8eb1"),
    ],
    [
        h("fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125"),
        h("5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e"),
        h("0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a"),
        h("ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0"),
    ],
    [
        h("d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"),
        h("6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"),
    ],
    [h("5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328")],
]
# ROOTS[size] for size 0..8.
ROOTS = [
    h("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"),
    h("6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d"),
    h("fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125"),
    h("aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77"),
    h("d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"),
    h("4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4"),
    h("76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef"),
    h("ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c"),
    h("5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328"),
]
# CompactTrees(): the compact range after each append, as (level, index) into NODE_HASHES.
COMPACT_TREES = [
    [],
    [(0, 0)],
    [(1, 0)],
    [(1, 0), (0, 2)],
    [(2, 0)],
    [(2, 0), (0, 4)],
    [(2, 0), (1, 2)],
    [(2, 0), (1, 2), (0, 6)],
    [(3, 0)],
]

# (leaf_index, tree_size, proof): transparency-dev/merkle testonly/reference_test.go
# TestRefInclusionProof, and proof/verify_test.go inclusionProofs (1-based leaf there).
INCLUSION_VECTORS = [
    (0, 1, []),
    (0, 2, [h("96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7")]),
    (1, 2, [h("6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d")]),
    (2, 3, [h("fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125")]),
    (
        1,
        5,
        [
            h("6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d"),
            h("5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e"),
            h("bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"),
        ],
    ),
    (
        0,
        8,
        [
            h("96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7"),
            h("5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e"),
            h("6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"),
        ],
    ),
    (
        5,
        8,
        [
            h("bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"),
            h("ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0"),
            h("d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"),
        ],
    ),
]

# (first, second, proof): transparency-dev/merkle proof/verify_test.go consistencyProofs
# (also testonly/reference_test.go TestRefConsistencyProof).
CONSISTENCY_VECTORS = [
    (1, 1, []),
    (
        1,
        8,
        [
            h("96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7"),
            h("5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e"),
            h("6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"),
        ],
    ),
    (
        6,
        8,
        [
            h("0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a"),
            h("ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0"),
            h("d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"),
        ],
    ),
    (
        2,
        5,
        [
            h("5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e"),
            h("bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"),
        ],
    ),
    (
        6,
        7,
        [
            h("0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a"),
            h("b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f"),
            h("d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"),
        ],
    ),
]

# Which stored nodes each proof is built from: transparency-dev/merkle proof/proof_test.go
# TestInclusion / TestConsistency (their NodeID(level, index) is our (level, index); a
# "rehash" range there is a right-edge subtree we fold from the same perfect nodes).
INCLUSION_NODES = [
    (1, 0, []),
    (2, 0, [(0, 1)]),
    (2, 1, [(0, 0)]),
    (3, 1, [(0, 0), (0, 2)]),
    (7, 0, [(0, 1), (1, 1), (0, 6), (1, 2)]),
    (7, 1, [(0, 0), (1, 1), (0, 6), (1, 2)]),
    (7, 2, [(0, 3), (1, 0), (0, 6), (1, 2)]),
    (7, 3, [(0, 2), (1, 0), (0, 6), (1, 2)]),
    (7, 4, [(0, 5), (0, 6), (2, 0)]),
    (7, 5, [(0, 4), (0, 6), (2, 0)]),
    (7, 6, [(1, 2), (2, 0)]),
    (4, 2, [(0, 3), (1, 0)]),
    (5, 3, [(0, 2), (1, 0), (0, 4)]),
    (6, 3, [(0, 2), (1, 0), (1, 2)]),
    (6, 4, [(0, 5), (2, 0)]),
    (15, 10, [(0, 11), (1, 4), (0, 14), (1, 6), (3, 0)]),
    (31, 24, [(0, 25), (1, 13), (0, 30), (1, 14), (3, 2), (4, 0)]),
    (95, 81, [(0, 80), (1, 41), (2, 21), (0, 94), (1, 46), (2, 22), (4, 4), (6, 0)]),
]
CONSISTENCY_NODES = [
    (1, 2, [(0, 1)]),
    (1, 4, [(0, 1), (1, 1)]),
    (1, 6, [(0, 1), (1, 1), (1, 2)]),
    (2, 3, [(0, 2)]),
    (2, 8, [(1, 1), (2, 1)]),
    (3, 7, [(0, 2), (0, 3), (1, 0), (0, 6), (1, 2)]),
    (4, 7, [(0, 6), (1, 2)]),
    (5, 7, [(0, 4), (0, 5), (0, 6), (2, 0)]),
    (6, 7, [(1, 2), (0, 6), (2, 0)]),
    (7, 8, [(0, 6), (0, 7), (1, 2), (2, 0)]),
    (1, 1, []),
    (2, 2, []),
    (3, 3, []),
    (4, 4, []),
    (5, 5, []),
    (7, 7, []),
    (8, 8, []),
    (2, 4, [(1, 1)]),
    (3, 5, [(0, 2), (0, 3), (1, 0), (0, 4)]),
    (3, 6, [(0, 2), (0, 3), (1, 0), (1, 2)]),
    (4, 6, [(1, 2)]),
    (1, 7, [(0, 1), (1, 1), (0, 6), (1, 2)]),
    (10, 15, [(1, 4), (1, 5), (0, 14), (1, 6), (3, 0)]),
    (24, 31, [(3, 2), (0, 30), (1, 14), (2, 6), (4, 0)]),
    (81, 95, [(0, 80), (0, 81), (1, 41), (2, 21), (0, 94), (1, 46), (2, 22), (4, 4), (6, 0)]),
]

SOME_HASH = hashlib.sha256(b"not in any tree").digest()


# --- Naive reference: RFC 9162 section 2.1 definitions, recursion and slicing ------
def _sha(data: bytes) -> bytes:
    return hashlib.sha256(data).digest()


def ref_mth(leaves: Sequence[bytes]) -> bytes:
    """MTH over leaf hashes, straight from the RFC's recursive definition."""
    if not leaves:
        return _sha(b"")
    if len(leaves) == 1:
        return leaves[0]
    k = 1 << ((len(leaves) - 1).bit_length() - 1)
    return _sha(b"\x01" + ref_mth(leaves[:k]) + ref_mth(leaves[k:]))


def ref_path(m: int, leaves: Sequence[bytes]) -> list[bytes]:
    if len(leaves) == 1:
        return []
    k = 1 << ((len(leaves) - 1).bit_length() - 1)
    if m < k:
        return ref_path(m, leaves[:k]) + [ref_mth(leaves[k:])]
    return ref_path(m - k, leaves[k:]) + [ref_mth(leaves[:k])]


def ref_subproof(m: int, leaves: Sequence[bytes], b: bool) -> list[bytes]:
    n = len(leaves)
    if m == n:
        return [] if b else [ref_mth(leaves)]
    k = 1 << ((n - 1).bit_length() - 1)
    if m <= k:
        return ref_subproof(m, leaves[:k], b) + [ref_mth(leaves[k:])]
    return ref_subproof(m - k, leaves[k:], False) + [ref_mth(leaves[:k])]


# --- Fixtures and helpers -----------------------------------------------------
class NodeStore:
    """A ``merkle_nodes`` table stand-in that refuses lookups outside the proved tree."""

    def __init__(self, nodes: dict[tuple[int, int], bytes]) -> None:
        self.nodes = nodes
        self.tree_size = 0
        self.calls: list[tuple[int, int]] = []

    def at(self, tree_size: int) -> NodeStore:
        self.tree_size, self.calls = tree_size, []
        return self

    def get(self, level: int, index: int) -> bytes:
        assert (index + 1) << level <= self.tree_size, (
            f"node ({level}, {index}) is past size {self.tree_size}"
        )
        self.calls.append((level, index))
        return self.nodes[(level, index)]


def published_store() -> NodeStore:
    """Nodes of the 8-leaf tree exactly as published, not as computed here."""
    return NodeStore({(lvl, i): v for lvl, row in enumerate(NODE_HASHES) for i, v in enumerate(row)})


def sealed(leaves: Sequence[bytes]) -> tuple[CompactRange, NodeStore]:
    """Append leaves the way the sealer will, persisting every node append() reports."""
    tree, nodes = CompactRange(), {}
    for leaf in leaves:
        for node in tree.append(leaf):
            assert (node.level, node.index) not in nodes, "a node was reported twice"
            nodes[(node.level, node.index)] = node.hash
    return tree, NodeStore(nodes)


def generated_leaves(count: int) -> list[bytes]:
    return [leaf_hash(str(i).encode()) for i in range(count)]


def flipped(proof: Sequence[bytes], i: int) -> list[bytes]:
    wrong = list(proof)
    wrong[i] = bytes([wrong[i][0] ^ 8]) + wrong[i][1:]
    return wrong


def corrupt_inclusion(index: int, size: int, proof: list[bytes], root: bytes, leaf: bytes) -> Iterator[tuple]:
    """Mutations modelled on corruptInclusionProof in transparency-dev/merkle verify_test.go."""
    yield "index - 1", (leaf, index - 1, size, proof, root)
    yield "index + 1", (leaf, index + 1, size, proof, root)
    yield "index ^ 2", (leaf, index ^ 2, size, proof, root)
    yield "size * 2", (leaf, index, size * 2, proof, root)
    yield "size // 2", (leaf, index, size // 2, proof, root)
    yield "wrong leaf", (SOME_HASH, index, size, proof, root)
    yield "short leaf", (b"WrongLeaf", index, size, proof, root)
    yield "empty root", (leaf, index, size, proof, EMPTY_ROOT)
    yield "random root", (leaf, index, size, proof, SOME_HASH)
    yield "trailing garbage", (leaf, index, size, proof + [b""], root)
    yield "trailing root", (leaf, index, size, proof + [root], root)
    yield "preceding garbage", (leaf, index, size, [b""] + proof, root)
    yield "preceding root", (leaf, index, size, [root] + proof, root)
    for i in range(len(proof)):
        yield f"flipped proof[{i}]", (leaf, index, size, flipped(proof, i), root)
    if proof:
        yield "removed component", (leaf, index, size, proof[:-1], root)
    if len(proof) > 1:
        yield "inserted component", (leaf, index, size, [proof[0], SOME_HASH] + proof[1:], root)


def corrupt_consistency(m: int, n: int, r1: bytes, r2: bytes, proof: list[bytes]) -> Iterator[tuple]:
    """Mutations modelled on corruptConsistencyProof in transparency-dev/merkle verify_test.go."""
    yield "first - 1", (m - 1, n, r1, r2, proof)
    yield "first + 1", (m + 1, n, r1, r2, proof)
    yield "first ^ 2", (m ^ 2, n, r1, r2, proof)
    yield "second * 2", (m, n * 2, r1, r2, proof)
    yield "second // 2", (m, n // 2, r1, r2, proof)
    yield "wrong first root", (m, n, SOME_HASH, r2, proof)
    yield "wrong second root", (m, n, r1, SOME_HASH, proof)
    yield "swapped roots", (m, n, r2, r1, proof)
    yield "empty proof", (m, n, r1, r2, [])
    yield "trailing garbage", (m, n, r1, r2, proof + [b""])
    yield "trailing first root", (m, n, r1, r2, proof + [r1])
    yield "trailing second root", (m, n, r1, r2, proof + [r2])
    yield "preceding garbage", (m, n, r1, r2, [b""] + proof)
    yield "preceding first root", (m, n, r1, r2, [r1] + proof)
    yield "preceding second root", (m, n, r1, r2, [r2] + proof)
    yield "preceding proof[0]", (m, n, r1, r2, [proof[0]] + proof)
    yield "truncated proof", (m, n, r1, r2, proof[:-1])
    for i in range(len(proof)):
        yield f"flipped proof[{i}]", (m, n, r1, r2, flipped(proof, i))


def accepted_inclusion_probes(
    index: int, size: int, proof: list[bytes], root: bytes, leaf: bytes
) -> list[str]:
    return [
        desc for desc, args in corrupt_inclusion(index, size, proof, root, leaf) if verify_inclusion(*args)
    ]


def accepted_consistency_probes(m: int, n: int, r1: bytes, r2: bytes, proof: list[bytes]) -> list[str]:
    return [desc for desc, args in corrupt_consistency(m, n, r1, r2, proof) if verify_consistency(*args)]


# --- Hashing and roots against published data --------------------------------------
def test_leaf_hashes_match_published_level_zero() -> None:
    assert [leaf_hash(data) for data in LEAF_INPUTS] == NODE_HASHES[0]


def test_node_hashes_match_published_interior_nodes() -> None:
    for level in range(1, len(NODE_HASHES)):
        below = NODE_HASHES[level - 1]
        assert [node_hash(below[2 * i], below[2 * i + 1]) for i in range(len(NODE_HASHES[level]))] == (
            NODE_HASHES[level]
        )


@pytest.mark.parametrize("size", range(9))
def test_root_from_leaves_matches_published_roots(size: int) -> None:
    assert root_from_leaves([leaf_hash(d) for d in LEAF_INPUTS[:size]]) == ROOTS[size]


def test_empty_tree_root_is_hash_of_empty_string() -> None:
    assert root_from_leaves([]) == EMPTY_ROOT == CompactRange().root() == ROOTS[0]


@pytest.mark.parametrize("size", range(9))
def test_compact_range_matches_published_roots_and_frontier(size: int) -> None:
    tree = CompactRange()
    for data in LEAF_INPUTS[:size]:
        tree.append(leaf_hash(data))
    assert tree.size == size
    assert tree.root() == ROOTS[size]
    assert list(tree.hashes) == [NODE_HASHES[lvl][i] for lvl, i in COMPACT_TREES[size]]
    assert perfect_subtrees(0, size) == COMPACT_TREES[size]


def test_append_reports_exactly_the_published_nodes() -> None:
    tree, store = sealed([leaf_hash(d) for d in LEAF_INPUTS])
    assert store.nodes == published_store().nodes


# --- Proofs from stored nodes against published proofs ---------------------------
@pytest.mark.parametrize(("index", "size", "expected"), INCLUSION_VECTORS)
def test_inclusion_proof_from_published_nodes_equals_published_proof(
    index: int, size: int, expected: list[bytes]
) -> None:
    store = published_store().at(size)
    assert inclusion_proof(index, size, store.get) == expected


@pytest.mark.parametrize(("index", "size", "proof"), INCLUSION_VECTORS)
def test_published_inclusion_proof_verifies_and_its_corruptions_do_not(
    index: int, size: int, proof: list[bytes]
) -> None:
    leaf = NODE_HASHES[0][index]
    assert verify_inclusion(leaf, index, size, proof, ROOTS[size])
    assert accepted_inclusion_probes(index, size, proof, ROOTS[size], leaf) == []


@pytest.mark.parametrize(("first", "second", "expected"), CONSISTENCY_VECTORS)
def test_consistency_proof_from_published_nodes_equals_published_proof(
    first: int, second: int, expected: list[bytes]
) -> None:
    store = published_store().at(second)
    assert consistency_proof(first, second, store.get) == expected


@pytest.mark.parametrize(("first", "second", "proof"), CONSISTENCY_VECTORS)
def test_published_consistency_proof_verifies_and_its_corruptions_do_not(
    first: int, second: int, proof: list[bytes]
) -> None:
    assert verify_consistency(first, second, ROOTS[first], ROOTS[second], proof)
    if proof:
        assert accepted_consistency_probes(first, second, ROOTS[first], ROOTS[second], proof) == []


@pytest.mark.parametrize(("size", "index", "expected"), INCLUSION_NODES)
def test_inclusion_proof_reads_only_the_published_node_set(
    size: int, index: int, expected: list[tuple[int, int]]
) -> None:
    _, store = sealed(generated_leaves(size))
    inclusion_proof(index, size, store.at(size).get)
    assert sorted(store.calls) == sorted(expected)


@pytest.mark.parametrize(("first", "second", "expected"), CONSISTENCY_NODES)
def test_consistency_proof_reads_only_the_published_node_set(
    first: int, second: int, expected: list[tuple[int, int]]
) -> None:
    _, store = sealed(generated_leaves(second))
    consistency_proof(first, second, store.at(second).get)
    assert sorted(store.calls) == sorted(expected)


# --- Exhaustive small trees against the naive reference ----------------------------
LEAVES_40 = generated_leaves(40)


@pytest.fixture(scope="module")
def store_40() -> NodeStore:
    return sealed(LEAVES_40)[1]


@pytest.mark.parametrize("size", range(1, 41))
def test_every_inclusion_proof_matches_reference_and_verifies(size: int, store_40: NodeStore) -> None:
    leaves = LEAVES_40[:size]
    root = ref_mth(leaves)
    for index in range(size):
        proof = inclusion_proof(index, size, store_40.at(size).get)
        assert proof == ref_path(index, leaves)
        assert all(len(p) == 32 for p in proof)
        assert verify_inclusion(leaves[index], index, size, proof, root)
        assert accepted_inclusion_probes(index, size, proof, root, leaves[index]) == [], (index, size)


@pytest.mark.parametrize("second", range(1, 41))
def test_every_consistency_proof_matches_reference_and_verifies(second: int, store_40: NodeStore) -> None:
    leaves = LEAVES_40[:second]
    second_root = ref_mth(leaves)
    for first in range(1, second + 1):
        first_root = ref_mth(leaves[:first])
        proof = consistency_proof(first, second, store_40.at(second).get)
        assert proof == ref_subproof(first, leaves, True)
        assert verify_consistency(first, second, first_root, second_root, proof)
        if first < second:
            assert accepted_consistency_probes(first, second, first_root, second_root, proof) == [], (
                first,
                second,
            )


def test_empty_tree_is_a_prefix_of_every_tree(store_40: NodeStore) -> None:
    assert consistency_proof(0, 40, store_40.at(40).get) == []
    assert verify_consistency(0, 40, EMPTY_ROOT, ref_mth(LEAVES_40), [])
    assert not verify_consistency(0, 40, SOME_HASH, ref_mth(LEAVES_40), [])
    assert not verify_consistency(0, 40, EMPTY_ROOT, ref_mth(LEAVES_40), [SOME_HASH])


def test_equal_sizes_need_equal_roots_and_no_proof() -> None:
    assert verify_consistency(5, 5, ROOTS[5], ROOTS[5], [])
    assert not verify_consistency(5, 5, ROOTS[5], ROOTS[4], [])
    assert not verify_consistency(5, 5, ROOTS[5], ROOTS[5], [ROOTS[5]])


def test_proofs_reject_positions_outside_the_tree(store_40: NodeStore) -> None:
    with pytest.raises(ValueError):
        inclusion_proof(5, 5, store_40.at(5).get)
    with pytest.raises(ValueError):
        inclusion_proof(-1, 5, store_40.at(5).get)
    with pytest.raises(ValueError):
        consistency_proof(6, 5, store_40.at(5).get)
    assert not verify_inclusion(LEAVES_40[0], 0, 0, [], EMPTY_ROOT)
    assert not verify_consistency(6, 5, ROOTS[6], ROOTS[5], [SOME_HASH])


# --- Compact range: the sealer's state -------------------------------------------
def test_compact_range_root_equals_root_from_leaves_for_sizes_0_to_100() -> None:
    leaves = generated_leaves(100)
    tree = CompactRange()
    for size in range(101):
        expected = ref_mth(leaves[:size])
        assert tree.root() == root_from_leaves(leaves[:size]) == expected, size
        if size < 100:
            tree.append(leaves[size])


def test_append_persists_every_perfect_subtree_once_with_its_reference_hash() -> None:
    leaves = generated_leaves(100)
    _, store = sealed(leaves)
    expected_addresses = {(lvl, i) for lvl in range(7) for i in range(100 >> lvl)}
    assert set(store.nodes) == expected_addresses
    for (level, index), value in store.nodes.items():
        assert value == ref_mth(leaves[index << level : (index + 1) << level])


def test_append_returns_leaf_then_completed_parents() -> None:
    tree = CompactRange()
    leaves = generated_leaves(8)
    for leaf in leaves[:7]:
        tree.append(leaf)
    completed = tree.append(leaves[7])
    assert [(n.level, n.index) for n in completed] == [(0, 7), (1, 3), (2, 1), (3, 0)]
    assert completed[0] == Node(0, 7, leaves[7])
    assert completed[-1].hash == tree.root()


@pytest.mark.parametrize("size", [0, 1, 2, 3, 7, 8, 31, 64, 100])
def test_compact_range_round_trips_through_bytes_and_store(size: int) -> None:
    tree, store = sealed(generated_leaves(size))
    saved = tree.to_bytes()
    assert len(saved) == 8 + 32 * bin(size).count("1")
    restored = CompactRange.from_bytes(saved)
    assert restored == tree and restored.root() == tree.root()
    assert CompactRange.from_store(size, store.at(size).get) == tree
    extra = leaf_hash(b"next")
    assert restored.append(extra) == tree.append(extra)
    assert restored.root() == tree.root()


def test_compact_range_rejects_malformed_state() -> None:
    saved = sealed(generated_leaves(7))[0].to_bytes()
    for bad in (saved[:-1], saved + bytes(32), saved[:4], (8).to_bytes(8, "big") + saved[8:]):
        with pytest.raises(ValueError):
            CompactRange.from_bytes(bad)
    with pytest.raises(ValueError):
        CompactRange(3, [SOME_HASH])
    with pytest.raises(ValueError):
        CompactRange().append(b"raw event payload")


def test_root_from_leaves_agrees_with_compact_range_on_a_large_tree() -> None:
    leaves = generated_leaves((1 << 14) + 37)
    tree = CompactRange()
    for leaf in leaves:
        tree.append(leaf)
    assert root_from_leaves(leaves) == tree.root() == ref_mth(leaves)

"""RFC 9162 (RFC 6962) Merkle tree hashing, incremental sealing and proof generation.

The audit log seals events into one append-only Merkle tree so that anyone holding
a signed tree head can check that an event is in the log (inclusion) and that the
log was only ever appended to (consistency). Pure stdlib so it can be audited alone.

Node addressing: ``(level, index)`` names the *perfect* subtree of ``2**level``
leaves covering leaf positions ``[index * 2**level, (index + 1) * 2**level)``.
Level 0 nodes are the leaf hashes. Only perfect subtrees are ever stored; the
hash of a right-edge (non-perfect) subtree is recomputed from the perfect nodes
it decomposes into, so stored nodes never change once written.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

HASH_SIZE = 32
EMPTY_ROOT = hashlib.sha256(b"").digest()
"""MTH({}): the root of a tree with no leaves (RFC 9162 section 2.1.1)."""

NodeLookup = Callable[[int, int], bytes]
"""Returns the stored hash of perfect subtree ``(level, index)``."""

_LEAF_PREFIX = b"\x00"
_NODE_PREFIX = b"\x01"
_SIZE_BYTES = 8


@dataclass(frozen=True, slots=True)
class Node:
    """A perfect subtree hash to persist in ``merkle_nodes(level, index, hash)``."""

    level: int
    index: int
    hash: bytes


def leaf_hash(data: bytes) -> bytes:
    """Hash a leaf with the 0x00 domain prefix so a leaf can never pass for a node."""
    return hashlib.sha256(_LEAF_PREFIX + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    """Hash two children with the 0x01 domain prefix (RFC 9162 section 2.1.1)."""
    return hashlib.sha256(_NODE_PREFIX + left + right).digest()


def root_from_leaves(leaf_hashes: Sequence[bytes]) -> bytes:
    """Compute MTH over all leaf hashes in O(n), level by level.

    Pairing neighbours and lifting an odd last node unchanged yields the same root
    as the RFC's split-at-largest-power-of-two recursion, without recursion.
    """
    if not leaf_hashes:
        return EMPTY_ROOT
    sha256 = hashlib.sha256
    level = list(leaf_hashes)
    while len(level) > 1:
        paired = [
            sha256(_NODE_PREFIX + level[i] + level[i + 1]).digest() for i in range(0, len(level) - 1, 2)
        ]
        if len(level) % 2:
            paired.append(level[-1])
        level = paired
    return level[0]


def perfect_subtrees(start: int, end: int) -> list[tuple[int, int]]:
    """Address the perfect subtrees that exactly tile leaves ``[start, end)``, left to right.

    Valid for every range the RFC recursion visits (``start`` is aligned to the
    smallest power of two not below ``end - start``), and for ``[0, tree_size)``,
    whose tiles are the compact range of that size.
    """
    tiles = []
    while start < end:
        level = (end - start).bit_length() - 1
        if start % (1 << level):
            raise ValueError(f"range [{start}, {end}) is not aligned to the tree")
        tiles.append((level, start >> level))
        start += 1 << level
    return tiles


def _fold_right(hashes: Sequence[bytes]) -> bytes:
    """Combine right-edge subtree roots, smallest on the right, into one root."""
    root = hashes[-1]
    for left in reversed(hashes[:-1]):
        root = node_hash(left, root)
    return root


def subtree_root(start: int, end: int, get_node: NodeLookup) -> bytes:
    """MTH(D[start:end]) from stored perfect nodes, one lookup per tile."""
    if start == end:
        return EMPTY_ROOT
    return _fold_right([get_node(level, index) for level, index in perfect_subtrees(start, end)])


def _split(size: int) -> int:
    """The largest power of two strictly smaller than ``size`` (the RFC's ``k``)."""
    return 1 << ((size - 1).bit_length() - 1)


def inclusion_proof(leaf_index: int, tree_size: int, get_node: NodeLookup) -> list[bytes]:
    """PATH(m, D[n]) of RFC 9162 section 2.1.3.1: sibling hashes from the leaf upwards."""
    if not 0 <= leaf_index < tree_size:
        raise ValueError(f"leaf index {leaf_index} is outside a tree of size {tree_size}")
    start, end, path = 0, tree_size, []
    while end - start > 1:
        middle = start + _split(end - start)
        if leaf_index < middle:
            path.append(subtree_root(middle, end, get_node))
            end = middle
        else:
            path.append(subtree_root(start, middle, get_node))
            start = middle
    path.reverse()
    return path


def consistency_proof(first: int, second: int, get_node: NodeLookup) -> list[bytes]:
    """PROOF(m, D[n]) of RFC 9162 section 2.1.4.1, via SUBPROOF unrolled into a loop.

    Sizes ``first == second`` and ``first == 0`` have nothing to prove: empty proof.
    """
    if not 0 <= first <= second:
        raise ValueError(f"cannot prove size {first} is a prefix of size {second}")
    if first == 0:
        return []
    start, end, proof = 0, second, []
    proves_whole_first_tree = True  # SUBPROOF's ``b``
    while first != end:
        middle = start + _split(end - start)
        if first <= middle:
            proof.append(subtree_root(middle, end, get_node))
            end = middle
        else:
            proof.append(subtree_root(start, middle, get_node))
            start = middle
            proves_whole_first_tree = False
    if not proves_whole_first_tree:
        proof.append(subtree_root(start, end, get_node))
    proof.reverse()
    return proof


class CompactRange:
    """The sealer's O(log n) tree state: roots of the perfect subtrees tiling ``[0, size)``.

    Same idea as the compact range of transparency-dev/merkle: enough to append and
    compute the root, small enough to keep in one database row (see ``to_bytes``).
    """

    __slots__ = ("size", "_hashes")

    def __init__(self, size: int = 0, hashes: Iterable[bytes] = ()) -> None:
        self.size = size
        self._hashes = list(hashes)
        if size < 0 or len(self._hashes) != size.bit_count():
            raise ValueError(f"a tree of size {size} needs {max(size, 0).bit_count()} subtree roots")
        if any(len(h) != HASH_SIZE for h in self._hashes):
            raise ValueError("subtree roots must be 32-byte SHA-256 hashes")

    @classmethod
    def from_store(cls, size: int, get_node: NodeLookup) -> CompactRange:
        """Rebuild the state for ``size`` leaves from stored nodes (one lookup per set bit)."""
        return cls(size, [get_node(level, index) for level, index in perfect_subtrees(0, size)])

    @classmethod
    def from_bytes(cls, data: bytes) -> CompactRange:
        """Load the state saved by ``to_bytes``; rejects truncated or padded rows."""
        size = int.from_bytes(data[:_SIZE_BYTES], "big")
        body = data[_SIZE_BYTES:]
        if len(data) < _SIZE_BYTES or len(body) != HASH_SIZE * size.bit_count():
            raise ValueError("serialised compact range has the wrong length")
        return cls(size, [body[i : i + HASH_SIZE] for i in range(0, len(body), HASH_SIZE)])

    def to_bytes(self) -> bytes:
        """Serialise as an 8-byte big-endian size followed by the subtree roots, left to right."""
        return self.size.to_bytes(_SIZE_BYTES, "big") + b"".join(self._hashes)

    @property
    def hashes(self) -> tuple[bytes, ...]:
        """Subtree roots, largest (leftmost) first; addressed by ``perfect_subtrees(0, size)``."""
        return tuple(self._hashes)

    def append(self, leaf: bytes) -> list[Node]:
        """Add a leaf hash; return every perfect subtree it completed, leaf first.

        Persisting the returned nodes (level 0 included) is all a ``NodeLookup`` needs
        to serve proofs later. Amortised O(1) hashes per append.
        """
        if len(leaf) != HASH_SIZE:
            raise ValueError("leaf must be a 32-byte leaf hash, see leaf_hash()")
        index, level, current = self.size, 0, leaf
        completed = [Node(0, index, leaf)]
        while index & 1:
            current = node_hash(self._hashes.pop(), current)
            index >>= 1
            level += 1
            completed.append(Node(level, index, current))
        self._hashes.append(current)
        self.size += 1
        return completed

    def root(self) -> bytes:
        """MTH of all leaves appended so far."""
        return _fold_right(self._hashes) if self._hashes else EMPTY_ROOT

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, CompactRange):
            return NotImplemented
        return self.size == other.size and self._hashes == other._hashes

    def __repr__(self) -> str:
        return f"CompactRange(size={self.size}, root={self.root().hex()})"

"""The Merkle tree over chain heads (RFC 6962's tree hash, with SHA-256).

Leaf:  SHA-256(0x00 || "<item_id>\\n<sequence>\\n<event_hash>")
Node:  SHA-256(0x01 || left || right)
An odd node at the end of a level is carried up unchanged, which gives the
same root as RFC 6962's recursive definition. The empty tree's root is
SHA-256 of nothing.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable

Leaf = tuple[str, int, str]  # (item_id, sequence, event_hash)


def leaf_hash(leaf: Leaf) -> bytes:
    item_id, sequence, event_hash = leaf
    return hashlib.sha256(b"\x00" + f"{item_id}\n{sequence}\n{event_hash}".encode()).digest()


def merkle_root(leaves: Iterable[Leaf]) -> str:
    level = [leaf_hash(leaf) for leaf in leaves]
    if not level:
        return "sha256:" + hashlib.sha256(b"").hexdigest()
    while len(level) > 1:
        paired = [hashlib.sha256(b"\x01" + level[i] + level[i + 1]).digest() for i in range(0, len(level) - 1, 2)]
        if len(level) % 2:
            paired.append(level[-1])
        level = paired
    return "sha256:" + level[0].hex()

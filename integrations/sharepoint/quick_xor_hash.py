"""QuickXorHash: the content hash SharePoint and OneDrive for Business give every file (`file.hashes.quickXorHash`).

Microsoft's algorithm (OneDrive API docs, "QuickXorHash"): a 160-bit value; byte number i of the content
is XORed in rotated left by 11*i bits (mod 160); at the end the content length (64-bit, little-endian) is
XORed into the last 8 bytes of the 20; the result is sent base64-encoded.

Since the rotation of byte i depends only on i mod 160, the content is first folded onto 160 bytes (byte
j of the fold = the XOR of all bytes at positions congruent to j): that folding is done on large Python
integers, 1 MiB at a time, so a 200 MB file hashes in seconds with bounded memory, no per-byte loop.
"""
import base64
import os

WIDTH_BITS = 160
SHIFT = 11
BLOCK = WIDTH_BITS  # bytes after which the rotations repeat (11 * 160 is a multiple of 160)
_MASK = (1 << WIDTH_BITS) - 1
_READ = BLOCK * 6554  # about 1 MiB, a whole number of blocks


def _fold(data: bytes) -> int:
    """The XOR of the 160-byte blocks of `data` (a whole number of them), as a little-endian integer."""
    value, blocks = int.from_bytes(data, "little"), len(data) // BLOCK
    while blocks > 1:
        keep = (blocks + 1) // 2
        bits = keep * BLOCK * 8
        value = (value & ((1 << bits) - 1)) ^ (value >> bits)
        blocks = keep
    return value


class QuickXorHash:
    """hashlib-like: update() as often as needed, then digest() or b64digest()."""

    def __init__(self) -> None:
        self._fold = 0  # 160 bytes, little-endian: byte j is the XOR of content bytes at positions = j mod 160
        self._pending = b""  # content after the last whole block
        self._length = 0

    def update(self, data: bytes) -> None:
        self._length += len(data)
        data = self._pending + bytes(data)
        whole = len(data) - len(data) % BLOCK
        if whole:
            self._fold ^= _fold(data[:whole])
        self._pending = data[whole:]

    def digest(self) -> bytes:
        fold = self._fold ^ int.from_bytes(self._pending, "little")
        result = 0
        for j, value in enumerate(fold.to_bytes(BLOCK, "little")):
            if value:
                shift = (SHIFT * j) % WIDTH_BITS
                result ^= ((value << shift) | (value >> (WIDTH_BITS - shift))) & _MASK
        raw = bytearray(result.to_bytes(WIDTH_BITS // 8, "little"))
        for i, value in enumerate((self._length & ((1 << 64) - 1)).to_bytes(8, "little")):
            raw[WIDTH_BITS // 8 - 8 + i] ^= value
        return bytes(raw)

    def b64digest(self) -> str:
        return base64.b64encode(self.digest()).decode()


def quick_xor_hash(data: bytes) -> str:
    hasher = QuickXorHash()
    hasher.update(data)
    return hasher.b64digest()


def quick_xor_hash_of_file(path: str | os.PathLike) -> str:
    """The base64 QuickXorHash of a file, read 1 MiB at a time."""
    hasher = QuickXorHash()
    with open(path, "rb") as source:
        while piece := source.read(_READ):
            hasher.update(piece)
    return hasher.b64digest()

"""QuickXorHash against published vectors (rclone's OneDrive backend tests, checked there against OneDrive) and
against a per-byte reference written from Microsoft's description, whatever way the content is split."""
import base64
import random

import pytest

from integrations.sharepoint.quick_xor_hash import QuickXorHash, quick_xor_hash, quick_xor_hash_of_file

# (content, hash), both base64: from rclone backend/onedrive/quickxorhash/quickxorhash_test.go
PUBLISHED = [
    ("", "AAAAAAAAAAAAAAAAAAAAAAAAAAA="),
    ("Sg==", "SgAAAAAAAAAAAAAAAQAAAAAAAAA="),
    ("tbQ=", "taAFAAAAAAAAAAAAAgAAAAAAAAA="),
    ("h490d57Pqz5q2rtT", "h3gEHe7giWeswgdq3MYupgAAAAA="),
    ("2fuxhBJXtpWFe8dOfdGeHw==", "O9tHLAghgSvYohKFyMMxnNCHaHg="),
    ("T6LYJIfDh81JrAK309H2JMJTXis=", "zBTHrspn3mEcohlJdIUAbjGNaNg="),
    ("Mb7EGva2rEE5fENDL85P+BsapHEEjv2/siVhKjvAQe02feExVOQSkfmuYzU/kTF1MaKjPmKF/w+cbvwfdWL8aQ==",
     "n1anP5NfvD4XDYWIeRPW3ZkPv1Y="),
    ("jyibxJSzO6ZiZ0O1qe3tG/bvIAYssvukh9suIT5wEy1JBINVgPiqdsTW0cOpP0aUfP7mgqLfADkz"
     "I/m/GgCuVhr8oFLrOCoTx1/psBOWwhltCbhUx51Icm9aH8tY4Z3ccU+6BKpYQkLCy0B/A9Zc",
     "hZfLIilSITC6N3e3tQ/iSgEzkto="),
    ("PfxMcUd0vIW6VbHG/uj/Y0W6qEoKmyBD0nYebEKazKaKG+UaDqBEcmQjbfQeVnVLuodMoPp7P7TR"
     "1htX5n2VnkHh22xDyoJ8C/ZQKiSNqQfXvh83judf4RVr9exJCud8Uvgip6aVZTaPrJHVjQhMCp/d"
     "EnGvqg0oN5OVkM2qqAXvA0teKUDhgNM71sDBVBCGXxNOR2bpbD1iM4dnuT0ey4L+loXEHTL0fqMe"
     "UcEi2asgImnlNakwenDzz0x57aBwyq3AspCFGB1ncX4yYCr/OaCcS5OKi/00WH+wNQU3",
     "QX/YEpG0gDsmhEpCdWhsxDzsfVE="),
    ("w0LGhqU1WXFbdavqDE4kAjEzWLGGzmTNikzqnsiXHx2KRReKVTxkv27u3UcEz9+lbMvYl4xFf2Z4"
     "aE1xRBBNd1Ke5C0zToSaYw5o4B/7X99nKK2/XaUX1byLow2aju2XJl2OpKpJg+tSJ2fmjIJTkfuY"
     "Uz574dFX6/VXxSxwGH/xQEAKS5TCsBK3CwnuG1p5SAsQq3gGVozDWyjEBcWDMdy8/AIFrj/y03Lf"
     "c/RNRCQTAfZbnf2QwV7sluw4fH3XJr07UoD0YqN+7XZzidtrwqMY26fpLZnyZjnBEt1FAZWO7RnK"
     "G5asg8xRk9YaDdedXdQSJAOy6bWEWlABj+tVAigBxavaluUH8LOj+yfCFldJjNLdi90fVHkUD/m4"
     "Mr5OtmupNMXPwuG3EQlqWUVpQoYpUYKLsk7a5Mvg6UFkiH596y5IbJEVCI1Kb3D1",
     "e3+wo77iKcILiZegnzyUNcjCdoQ="),
]


def reference(data: bytes) -> str:
    """Byte by byte, as Microsoft describes it: byte i rotated left by 11*i bits within 160, then the length."""
    value = 0
    for i, byte in enumerate(data):
        shift = (11 * i) % 160
        value ^= ((byte << shift) | (byte >> (160 - shift))) & ((1 << 160) - 1)
    raw = bytearray(value.to_bytes(20, "little"))
    for i, byte in enumerate(len(data).to_bytes(8, "little")):
        raw[12 + i] ^= byte
    return base64.b64encode(bytes(raw)).decode()


@pytest.mark.parametrize(("content", "expected"), PUBLISHED)
def test_the_published_vectors_come_out(content, expected):
    data = base64.b64decode(content)
    assert quick_xor_hash(data) == expected
    assert reference(data) == expected


@pytest.mark.parametrize("size", [1, 159, 160, 161, 320, 1000, 5 * 160 * 7 + 3])
def test_any_split_of_the_content_gives_the_hash_of_the_whole(size):
    rng = random.Random(size)
    data = rng.randbytes(size)
    hasher = QuickXorHash()
    at = 0
    while at < size:
        step = rng.randint(1, 400)
        hasher.update(data[at:at + step])
        at += step
    assert hasher.b64digest() == quick_xor_hash(data) == reference(data)


def test_a_file_is_hashed_in_pieces_like_its_bytes(tmp_path):
    data = random.Random(7).randbytes(3 * 1024 * 1024 + 77)
    (tmp_path / "f").write_bytes(data)
    assert quick_xor_hash_of_file(tmp_path / "f") == quick_xor_hash(data)
    assert quick_xor_hash(data[:5000]) == reference(data[:5000])

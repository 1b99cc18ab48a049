"""The content-addressed folder: hashed while written, limited while written, renamed into place, shared."""
import hashlib
import os
import time

import pytest

from domain.files.content_store import ContentStore
from domain.platform.errors import FileTooLarge


def received(store: ContentStore, data: bytes, name: str = "a.txt"):
    content = store.receive(name, "text/plain")
    content.accept(len(data))
    content.write(data)
    content.finish()
    return content


def test_contents_are_hashed_while_written_and_placed_at_their_sha256(tmp_path):
    store = ContentStore(tmp_path, max_upload_bytes=100)
    content = received(store, b"hello")
    sha = hashlib.sha256(b"hello").hexdigest()
    assert (content.sha256, content.size) == (sha, 5)
    store.place(content)
    assert store.path_of(sha) == tmp_path / sha[:2] / sha[2:4] / sha
    assert store.path_of(sha).read_bytes() == b"hello"
    assert store.blobs() == [sha] and store.leftovers() == []


def test_an_upload_passing_the_limit_is_refused_before_the_chunk_is_kept(tmp_path):
    store = ContentStore(tmp_path, max_upload_bytes=10)
    content = store.receive("big.bin", None)
    content.accept(6)
    content.write(b"123456")
    with pytest.raises(FileTooLarge) as refused:
        content.accept(5)
    assert (refused.value.code, refused.value.field) == ("FILE_TOO_LARGE", "file")
    content.discard()
    assert store.leftovers() == [] and store.blobs() == []


def test_the_same_contents_twice_are_stored_once(tmp_path):
    store = ContentStore(tmp_path, max_upload_bytes=100)
    first, second = received(store, b"same"), received(store, b"same")
    store.place(first)
    store.place(second)
    second.discard()
    assert len(store.blobs()) == 1 and store.leftovers() == []


def test_a_blob_set_aside_can_be_restored_or_purged(tmp_path):
    store = ContentStore(tmp_path, max_upload_bytes=100)
    content = received(store, b"keep me")
    store.place(content)
    aside = store.set_aside(content.sha256)
    assert aside is not None and store.blobs() == []
    store.restore(content.sha256, aside)
    assert store.blobs() == [content.sha256] and store.leftovers() == []
    store.purge(store.set_aside(content.sha256))
    assert store.blobs() == [] and store.leftovers() == []
    assert store.set_aside(content.sha256) is None


def test_the_sweep_deletes_only_old_leftovers(tmp_path):
    store = ContentStore(tmp_path, max_upload_bytes=100)
    old, fresh = store.receive("old", None), store.receive("fresh", None)
    old.write(b"x")
    fresh.write(b"y")
    old.finish()
    fresh.finish()
    past = time.time() - 2 * 24 * 3600
    os.utime(old.path, (past, past))
    assert store.sweep() == 1
    assert store.leftovers() == [fresh.path]

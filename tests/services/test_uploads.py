"""Proof files are checked by their bytes, never by their name, and stored under random names."""

import io

import pytest

from portal.adapters import uploads

TINY_PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
)
TINY_PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c489"
    "0000000d4944415478da63f8cfc0f01f0005000201e2e7ba560000000049454e44ae426082"
)
TINY_JPEG = bytes.fromhex("ffd8ffe000104a46494600010100000100010000ffd9")
MAX = 10 * 1024 * 1024


@pytest.mark.parametrize(
    ("data", "content_type", "suffix"),
    [
        (TINY_PDF, "application/pdf", ".pdf"),
        (TINY_PNG, "image/png", ".png"),
        (TINY_JPEG, "image/jpeg", ".jpg"),
    ],
)
def test_real_files_are_stored_under_a_random_name(tmp_path, data, content_type, suffix):
    stored = uploads.store_proof(io.BytesIO(data), tmp_path, max_bytes=MAX)
    assert stored.content_type == content_type
    assert stored.size == len(data)
    path = tmp_path / stored.filename
    assert path.suffix == suffix and path.read_bytes() == data
    assert len(path.stem) == 32
    again = uploads.store_proof(io.BytesIO(data), tmp_path, max_bytes=MAX)
    assert again.filename != stored.filename


@pytest.mark.parametrize(
    "data",
    [
        b"MZ\x90\x00\x03\x00\x00\x00 this program cannot be run in DOS mode",  # an .exe renamed .pdf
        b"<!doctype html><script>alert(1)</script>",  # HTML named .png
        b"Just a text file called receipt.jpg\n",
        b" %PDF-1.4 (not at the start)",
        b"\x89PNG\r\n",  # truncated signature
    ],
)
def test_disguised_files_are_refused_and_nothing_is_written(tmp_path, data):
    folder = tmp_path / "uploads"
    with pytest.raises(uploads.ProofRefused, match="PDF, PNG or JPEG"):
        uploads.store_proof(io.BytesIO(data), folder, max_bytes=MAX)
    assert not folder.exists() or not any(folder.iterdir())


def test_empty_file_is_refused(tmp_path):
    with pytest.raises(uploads.ProofRefused, match="empty"):
        uploads.store_proof(io.BytesIO(b""), tmp_path, max_bytes=MAX)
    assert not any(tmp_path.iterdir())


def test_one_byte_over_the_limit_is_refused(tmp_path):
    too_big = TINY_PDF + b"\0" * (MAX + 1 - len(TINY_PDF))
    assert len(too_big) == MAX + 1
    with pytest.raises(uploads.ProofRefused, match="too large"):
        uploads.store_proof(io.BytesIO(too_big), tmp_path, max_bytes=MAX)
    assert not any(tmp_path.iterdir())


def test_exactly_the_limit_is_accepted(tmp_path):
    just_fits = TINY_PDF + b"\0" * (MAX - len(TINY_PDF))
    stored = uploads.store_proof(io.BytesIO(just_fits), tmp_path, max_bytes=MAX)
    assert stored.size == MAX


def test_sniff_reads_the_magic_bytes_only():
    assert uploads.sniff(TINY_PDF) == "pdf"
    assert uploads.sniff(TINY_PNG) == "png"
    assert uploads.sniff(TINY_JPEG) == "jpeg"
    assert uploads.sniff(b"GIF89a") is None


def test_proof_path_never_leaves_the_folder(tmp_path):
    stored = uploads.store_proof(io.BytesIO(TINY_PDF), tmp_path / "uploads", max_bytes=MAX)
    (tmp_path / "secret.pdf").write_bytes(TINY_PDF)
    assert (
        uploads.proof_path(tmp_path / "uploads", stored.filename)
        == tmp_path / "uploads" / stored.filename
    )
    for name in ("../secret.pdf", "", "/etc/passwd", stored.filename + "/..", "x" * 32 + ".exe"):
        assert uploads.proof_path(tmp_path / "uploads", name) is None
    uploads.discard(tmp_path / "uploads", stored.filename)
    assert uploads.proof_path(tmp_path / "uploads", stored.filename) is None

"""The dossier's zip, written member by member: each file is copied in chunks while its
SHA-256 is taken, so memory stays flat however many files and however large they are;
the manifest (path, bytes, SHA-256 of every member) is written last."""

import contextlib
import hashlib
import zipfile
from dataclasses import dataclass

from core import writers

CHUNK = 64 * 1024
# Already compressed (PDF, images, xlsx): stored; text is deflated.
DEFLATED_SUFFIXES = (".csv", ".json", ".txt")
MANIFEST = "manifest.csv"
MANIFEST_COLUMNS = ["path", "bytes", "sha256"]


@dataclass(frozen=True)
class Member:
    path: str
    size: int
    sha256: str


class DossierZip:
    """`add_file(path, handle)` and `add_bytes(path, data)` write one member each;
    `close()` writes the manifest and finishes the archive."""

    def __init__(self, out):
        self.zip = zipfile.ZipFile(out, "w", allowZip64=True)
        self.members: list[Member] = []

    def _info(self, path: str) -> zipfile.ZipInfo:
        info = zipfile.ZipInfo(path, date_time=(1980, 1, 1, 0, 0, 0))
        info.compress_type = (
            zipfile.ZIP_DEFLATED if path.endswith(DEFLATED_SUFFIXES) else zipfile.ZIP_STORED
        )
        info.external_attr = 0o644 << 16
        return info

    def add_file(self, path: str, handle, *, expect_sha256: str = "") -> Member:
        """Copy a binary file into the archive in chunks. With `expect_sha256` a file that
        no longer matches the hash taken when it was stored is refused (ValueError)."""
        digest = hashlib.sha256()
        size = 0
        with self.zip.open(self._info(path), "w", force_zip64=True) as target:
            while chunk := handle.read(CHUNK):
                digest.update(chunk)
                target.write(chunk)
                size += len(chunk)
        member = Member(path, size, digest.hexdigest())
        if expect_sha256 and member.sha256 != expect_sha256:
            raise ValueError(f"{path}: the stored file was altered (its SHA-256 differs)")
        self.members.append(member)
        return member

    def add_bytes(self, path: str, data: bytes) -> Member:
        member = Member(path, len(data), hashlib.sha256(data).hexdigest())
        self.zip.writestr(self._info(path), data)
        self.members.append(member)
        return member

    def abandon(self) -> None:
        """Close after a failure: the file is thrown away, nothing must be left open."""
        with contextlib.suppress(Exception):
            self.zip.close()

    def close(self) -> None:
        """The manifest (its columns named for programs, not translated), then the
        archive's central directory."""
        rows = [(m.path, m.size, m.sha256) for m in self.members]
        self.zip.writestr(self._info(MANIFEST), writers.csv_bytes(MANIFEST_COLUMNS, rows))
        self.zip.close()

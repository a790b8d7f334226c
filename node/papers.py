"""A motion's papers: files the board uploads, kept by the node in its own data
folder, each under the sha256 of its content (never the name it came with, so
an uploaded name can never reach the file system), refused when too big or not
what it says it is. Who may read one is the HTTP layer's check (signed-in
members only); the name it was uploaded under is kept on the motion.
"""

import hashlib
import os
import re
from pathlib import Path

from node.config import NodeConfig
from node.errors import PaperRefused
from toolkit.config import located

MAX_BYTES = 5 * 1024 * 1024
# What a paper may be, and how its first bytes must look.
SIGNATURES: dict[str, tuple[bytes, ...]] = {
    "application/pdf": (b"%PDF-",),
    "image/png": (b"\x89PNG\r\n\x1a\n",),
    "image/jpeg": (b"\xff\xd8\xff",),
    "text/plain": (),
}
DIGEST = re.compile(r"^[0-9a-f]{64}$")


def papers_dir(config: NodeConfig) -> Path:
    """Beside the SQLite store, or in the config's folder for PostgreSQL."""
    if config.store.kind == "sqlite":
        return located(config.base_dir, config.store.path).parent / "papers"
    return config.path("papers")


def checked_type(content_type: str, content: bytes) -> str:
    """The paper's content type, if it is one kept and the bytes agree with it."""
    kind = content_type.split(";")[0].strip().lower()
    if kind not in SIGNATURES:
        raise PaperRefused(f"content type {kind!r} is not one a paper may have")
    if not content or len(content) > MAX_BYTES:
        raise PaperRefused(f"a paper is 1 to {MAX_BYTES} bytes; this is {len(content)}")
    signatures = SIGNATURES[kind]
    if signatures and not content.startswith(signatures):
        raise PaperRefused(f"the file is not a {kind}")
    if kind == "text/plain":
        try:
            content.decode("utf-8")
        except UnicodeDecodeError:
            raise PaperRefused("a text paper must be UTF-8 text") from None
    return kind


def keep(folder: Path, content_type: str, content: bytes) -> tuple[str, str]:
    """Check and store a paper: its digest and content type."""
    kind = checked_type(content_type, content)
    digest = hashlib.sha256(content).hexdigest()
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    path = folder / digest
    if not path.exists():
        temporary = folder / f".{digest}.{os.getpid()}"
        temporary.write_bytes(content)
        temporary.chmod(0o600)
        temporary.replace(path)  # whole or not at all
    return digest, kind


def read(folder: Path, digest: str) -> bytes:
    if not DIGEST.match(digest):
        raise PaperRefused("no such paper")
    try:
        return (folder / digest).read_bytes()
    except FileNotFoundError:
        raise PaperRefused("no such paper") from None

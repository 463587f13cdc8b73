"""Reading inputs within a size limit, and writing results without damaging anything.

Inputs: every file portplan reads whole (YAML, vendor documents, rulesets) is checked against
one size limit (:func:`input_limit`, 20 MiB unless ``--max-size`` says otherwise) before it is
read, and never more than the limit is read — a FIFO or ``/dev/zero`` cannot make it grow.

Outputs (:func:`write_output`, :func:`write_tree`) never turn something into what it was not:

- ``-`` is standard output; a character device (``/dev/null``) or a FIFO is written through;
- a symbolic link is followed, and its target decides: a regular file is replaced atomically
  where it is (the link stays a link), a device or FIFO is written through;
- a directory, socket or block device is refused — portplan never writes onto a disk device;
- a regular file (or a new one) is written to a temporary file beside it and renamed over it,
  so a reader sees the old content or the new, never half, and an error leaves nothing behind.

A full disk, a read-only file system, a denied permission or a closed pipe becomes one
:class:`~portplan.errors.OutputError` line (exit 2); a closed pipe says nothing, like other
Unix tools.
"""

from __future__ import annotations

import errno
import io
import os
import re
import shutil
import stat
import sys
import tempfile
from collections.abc import Collection, Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from pathlib import Path

from portplan.errors import ClosedPipe, InputError, OutputError

MIB = 1024 * 1024
DEFAULT_INPUT_LIMIT = 20 * MIB
_input_limit: ContextVar[int] = ContextVar("portplan_input_limit", default=DEFAULT_INPUT_LIMIT)

# What a compile wrote into its directory, so the next compile can tell which files no
# longer belong (and never touches a file it did not write).
MANIFEST = ".portplan-files"


# --- inputs -----------------------------------------------------------------------------------


def input_limit() -> int:
    """The largest input, in bytes, portplan reads."""
    return _input_limit.get()


@contextmanager
def limited_input(limit: int) -> Iterator[None]:
    """Read inputs of up to ``limit`` bytes inside the ``with`` block."""
    token = _input_limit.set(limit)
    try:
        yield
    finally:
        _input_limit.reset(token)


def parse_size(text: str) -> int:
    """``20M``, ``512k``, ``1G``, ``20MiB`` or plain bytes → bytes (K, M, G are powers of 1024)."""
    match = re.fullmatch(r"\s*(\d+)\s*([kKmMgG]?)(?:i?[bB])?\s*", text)
    if not match or int(match[1]) == 0:
        raise InputError(f"'{text}' is not a size — write e.g. 20M, 512k or 1G.")
    unit: int = 1024 ** " kmg".index(match[2].lower() or " ")
    return int(match[1]) * unit


def size_text(size: int) -> str:
    if size >= MIB:
        return f"{size / MIB:.1f} MiB".replace(".0 ", " ")
    if size >= 1024:
        return f"{size / 1024:.1f} KiB".replace(".0 ", " ")
    return f"{size} bytes"


def check_input_size(size: int, file: str) -> None:
    """Refuse an input of ``size`` bytes when it is over the limit, naming the limit."""
    limit = input_limit()
    if size > limit:
        raise InputError(
            f"is larger than the input limit of {size_text(limit)} — if the file is genuine, "
            f"raise the limit with --max-size (e.g. --max-size {max(2 * limit // MIB, 1)}M).",
            file=file,
        )


def read_input(path: str | Path) -> bytes:
    """The bytes of ``path``, refused with one line when it is larger than the input limit."""
    file = str(path)
    limit = input_limit()
    try:
        with open(path, "rb") as handle:
            info = os.fstat(handle.fileno())
            if stat.S_ISDIR(info.st_mode):
                raise InputError("is a directory — name a file.", file=file)
            if stat.S_ISREG(info.st_mode):
                check_input_size(info.st_size, file)
            data = handle.read(limit + 1)  # a FIFO or a device tells no size: read at most this
    except FileNotFoundError:
        raise InputError("file not found — check the path.", file=file) from None
    except IsADirectoryError:
        raise InputError("is a directory — name a file.", file=file) from None
    except OSError as exc:
        raise InputError(f"cannot read the file ({_reason(exc)}).", file=file) from None
    check_input_size(len(data), file)
    return data


def check_file_size(path: str | Path) -> None:
    """Refuse a regular file over the input limit before a reader opens it (a reader that
    reads by itself — a PDF, a workbook — cannot be stopped half-way)."""
    try:
        info = os.stat(path)
    except OSError:
        return  # the reader reports a missing or unreadable file in its own words
    if stat.S_ISREG(info.st_mode):
        check_input_size(info.st_size, str(path))


def read_stdin() -> bytes:
    """Standard input, at most the input limit."""
    data = sys.stdin.buffer.read(input_limit() + 1)
    check_input_size(len(data), "<stdin>")
    return data


# --- outputs ----------------------------------------------------------------------------------


def write_output(path: str | Path, data: str | bytes) -> None:
    """Write a result to ``path`` (``-``: standard output); see the module docstring."""
    if str(path) == "-":
        write_stdout(data)
        return
    target = _follow_links(Path(path))
    try:
        info = os.stat(target)
    except FileNotFoundError:
        info = None
    except OSError as exc:
        raise output_error(exc, str(path)) from None
    if info is not None and (stat.S_ISCHR(info.st_mode) or stat.S_ISFIFO(info.st_mode)):
        _write_through(target, data, str(path))
    elif info is not None and not stat.S_ISREG(info.st_mode):
        raise OutputError(
            f"is {_kind(info.st_mode)}, not a file — portplan writes only to regular files, "
            "character devices, FIFOs and '-'; choose another path.",
            file=str(path),
        )
    else:
        write_atomic(target, data, shown=str(path))


def write_stdout(data: str | bytes) -> None:
    """Write to standard output now, so a closed pipe or a full disk is reported here.

    Straight to the file descriptor: a buffered write that the kernel cuts short when the
    reader goes away can pass for a complete one; ``os.write`` reports the broken pipe.
    """
    encoded = data if isinstance(data, bytes) else data.encode(sys.stdout.encoding or "utf-8")
    try:
        sys.stdout.flush()
        try:
            descriptor = sys.stdout.fileno()
        except (AttributeError, ValueError, io.UnsupportedOperation):
            descriptor = -1  # not a real file (a test runner's buffer): write through Python
        if descriptor < 0:
            sys.stdout.buffer.write(encoded)
            sys.stdout.flush()
            return
        view = memoryview(encoded)
        while view:
            view = view[os.write(descriptor, view) :]
    except OSError as exc:
        raise output_error(exc, "<stdout>") from None


def write_atomic(path: str | Path, data: str | bytes, *, shown: str | None = None) -> None:
    """Write ``data`` to ``path`` via a temporary file and a rename; nothing partial remains.
    An existing file keeps its permissions."""
    target = Path(path)
    name = shown or str(target)
    directory = target.parent if str(target.parent) else Path(".")
    if not directory.is_dir():
        raise InputError(f"directory '{directory}' does not exist — create it first.", file=name)
    try:
        mode = stat.S_IMODE(os.stat(target).st_mode)
    except OSError:
        mode = 0o666 & ~_umask()  # what a plain open() would give a new file
    try:
        fd, tmp = tempfile.mkstemp(dir=directory, prefix=f".{target.name}.", suffix=".tmp")
    except OSError as exc:
        raise output_error(exc, name) from None
    try:
        os.chmod(tmp, mode)
        with os.fdopen(fd, "wb") as handle:
            handle.write(data.encode("utf-8") if isinstance(data, str) else data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, target)
    except OSError as exc:
        Path(tmp).unlink(missing_ok=True)
        raise output_error(exc, name) from None
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


@dataclass(frozen=True)
class TreeWrite:
    """What :func:`write_tree` did: the files written, and files an earlier run wrote that no
    longer belong — removed, or (``keep``) left in place and listed."""

    written: tuple[Path, ...]
    removed: tuple[Path, ...] = ()
    kept: tuple[Path, ...] = ()


def write_tree(
    directory: str | Path,
    files: Mapping[str, str | bytes],
    *,
    owners: Mapping[str, str] | None = None,
    only: Collection[str] | None = None,
    keep: bool = False,
) -> TreeWrite:
    """Write several files under ``directory`` all-or-nothing (a staging directory, then moves).

    The directory's manifest lists what was written and, per file, its owner (``owners``: for
    a compile, the enforcement point). Files an earlier write listed that are not in ``files``
    are removed — or, with ``keep``, left and reported; with ``only``, just those of these
    owners (a compile of one point leaves the other points' files alone). Files portplan did
    not write are never touched. An existing non-regular file where a result goes is refused
    before anything is written.
    """
    root = Path(directory)
    owners = owners or {}
    _check_tree(root, files)
    try:
        root.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(dir=root, prefix=".staging-"))
    except OSError as exc:
        raise output_error(exc, str(root)) from None
    previous = _read_manifest(root)
    written: list[Path] = []
    try:
        for name, data in files.items():
            staged = staging / name
            staged.parent.mkdir(parents=True, exist_ok=True)
            staged.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)
        for name in files:
            final = root / name
            final.parent.mkdir(parents=True, exist_ok=True)
            os.replace(staging / name, final)
            written.append(final)
        replaced = {
            name: owner
            for name, owner in previous.items()
            if name not in files and (only is None or owner in only)
        }
        stale = [root / name for name in replaced if (root / name).is_file()]
        stale = [path for path in stale if not path.is_symlink()]
        if not keep:
            for path in stale:
                path.unlink()
                _remove_empty_parents(path.parent, root)
        manifest = {name: owner for name, owner in previous.items() if name not in replaced}
        manifest.update({name: owners.get(name, "") for name in files})
        if keep:
            manifest.update(
                {str(p.relative_to(root)): replaced[str(p.relative_to(root))] for p in stale}
            )
        write_atomic(
            root / MANIFEST,
            "".join(f"{name}\t{owner}\n" for name, owner in sorted(manifest.items())),
        )
    except OSError as exc:
        raise output_error(exc, str(root)) from None
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    if keep:
        return TreeWrite(tuple(written), kept=tuple(stale))
    return TreeWrite(tuple(written), removed=tuple(stale))


def output_error(exc: OSError, file: str) -> OutputError:
    """One line for an OSError met while writing ``file``."""
    if exc.errno == errno.EPIPE:
        return ClosedPipe("the reader closed the pipe.", file=file)
    advice = {
        errno.ENOSPC: "free some space or write elsewhere",
        errno.EDQUOT: "free some space or write elsewhere",
        errno.EACCES: "write where you may, or check the permissions",
        errno.EPERM: "write where you may, or check the permissions",
        errno.EROFS: "write to another file system",
    }.get(exc.errno or 0, "check the path")
    return OutputError(f"cannot write: {_reason(exc)} — {advice}.", file=file)


def _reason(exc: OSError) -> str:
    return (exc.strerror or exc.__class__.__name__).lower()


def _follow_links(path: Path) -> Path:
    """Where a chain of symbolic links ends (the last name need not exist yet)."""
    for _ in range(40):  # the kernel's own limit on a chain of links (ELOOP)
        try:
            if not stat.S_ISLNK(os.lstat(path).st_mode):
                return path
            link = Path(os.readlink(path))
        except FileNotFoundError:
            return path
        except OSError as exc:
            raise output_error(exc, str(path)) from None
        path = link if link.is_absolute() else path.parent / link
    raise OutputError("is a loop of symbolic links — fix the links.", file=str(path))


def _write_through(target: Path, data: str | bytes, shown: str) -> None:
    try:
        with open(target, "wb") as handle:
            handle.write(data.encode("utf-8") if isinstance(data, str) else data)
            handle.flush()
    except OSError as exc:
        raise output_error(exc, shown) from None


def _kind(mode: int) -> str:
    if stat.S_ISDIR(mode):
        return "a directory"
    if stat.S_ISBLK(mode):
        return "a block device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "not a regular file"


def _check_tree(root: Path, files: Mapping[str, str | bytes]) -> None:
    """Refuse names outside ``root`` and anything but a regular file where a result goes."""
    if root.exists() and not root.is_dir():
        raise OutputError("is not a directory — compile writes into a directory.", file=str(root))
    for name in files:
        relative = Path(name)
        if relative.is_absolute() or ".." in relative.parts:
            raise InputError(f"refusing to write outside the output directory: '{name}'.")
        final = root / relative
        if final.is_symlink() or (final.exists() and not final.is_file()):
            what = "a symbolic link" if final.is_symlink() else _kind(final.stat().st_mode)
            raise OutputError(
                f"is {what} — compile replaces only regular files; move it away or choose "
                "another directory.",
                file=str(final),
            )


def _read_manifest(root: Path) -> dict[str, str]:
    """The files an earlier write listed (``path<TAB>owner`` per line), with their owners."""
    try:
        lines = (root / MANIFEST).read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError):
        return {}
    names: dict[str, str] = {}
    for line in lines:
        name, _, owner = line.partition("\t")
        relative = Path(name)
        if name and not relative.is_absolute() and ".." not in relative.parts:
            names[name] = owner  # a tampered manifest cannot point outside the directory
    return names


def _remove_empty_parents(directory: Path, root: Path) -> None:
    while directory != root and root in directory.parents:
        try:
            directory.rmdir()
        except OSError:
            return
        directory = directory.parent


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask

"""Writing results: never turn a device, FIFO or link into a file; every failure one line.

Device nodes are made by the test under its temporary directory (the same major/minor numbers
as /dev/null and /dev/full) — the real /dev is never written to.
"""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
import threading
from pathlib import Path

import pytest
from click.testing import CliRunner

from portplan.cli.main import cli
from portplan.errors import OutputError
from portplan.io import MANIFEST, write_output, write_tree
from tests.safety.conftest import LRS, MESH, one_error_line, portplan_argv, run_portplan

NULL = os.makedev(1, 3)
FULL = os.makedev(1, 7)
LOOP = os.makedev(7, 0)  # a block device number; the test never opens the node


def device(path: Path, kind: int, number: int) -> Path:
    os.mknod(path, 0o666 | kind, number)
    return path


def test_writes_through_a_character_device_and_leaves_it_a_device(
    root: None, tmp_path: Path
) -> None:
    null = device(tmp_path / "null", stat.S_IFCHR, NULL)
    result = run_portplan("report", str(LRS), "-o", str(null))
    assert result.returncode == 0, result.stderr
    assert stat.S_ISCHR(os.lstat(null).st_mode)
    assert os.stat(null).st_rdev == NULL
    assert [p.name for p in tmp_path.iterdir()] == ["null"]  # no temporary file left beside it


def test_a_full_device_is_one_line_and_exit_2(root: None, tmp_path: Path) -> None:
    full = device(tmp_path / "full", stat.S_IFCHR, FULL)
    result = run_portplan("report", str(LRS), "-o", str(full))
    assert result.returncode == 2
    one_error_line(result.stderr, str(full), "no space left")
    assert "wrote" not in result.stderr
    assert stat.S_ISCHR(os.lstat(full).st_mode)


def test_stdout_on_a_full_device_is_reported(root: None, tmp_path: Path) -> None:
    full = device(tmp_path / "full", stat.S_IFCHR, FULL)
    with open(full, "w") as stdout:
        result = run_portplan("plan", str(LRS), stdout=stdout, stderr=subprocess.PIPE)
    assert result.returncode == 2
    one_error_line(result.stderr, "<stdout>", "no space left")


def test_a_block_device_is_refused_untouched(root: None, tmp_path: Path) -> None:
    block = device(tmp_path / "disk", stat.S_IFBLK, LOOP)
    result = run_portplan("report", str(LRS), "-o", str(block))
    assert result.returncode == 2
    one_error_line(result.stderr, "block device")
    assert stat.S_ISBLK(os.lstat(block).st_mode) and os.stat(block).st_rdev == LOOP


def test_a_closed_pipe_ends_quietly_with_exit_2() -> None:
    process = subprocess.Popen(
        portplan_argv("plan", str(MESH), "--format", "json"),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None
    process.stdout.read(10)  # read a little, then go away like `head -c 10`
    process.stdout.close()
    _, stderr = process.communicate(timeout=120)
    assert process.returncode == 2
    assert stderr == "", stderr


def test_a_fifo_is_written_through(tmp_path: Path) -> None:
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    received: list[bytes] = []
    reader = threading.Thread(target=lambda: received.append(fifo.read_bytes()), daemon=True)
    reader.start()
    result = CliRunner().invoke(cli, ["report", str(LRS), "-o", str(fifo)])
    reader.join(timeout=60)
    assert result.exit_code == 0, result.output
    assert received and received[0].startswith(b"# Port matrix: lrs-vpsx-hq")
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode)


def test_a_symlink_stays_a_link_and_its_file_is_replaced_atomically(tmp_path: Path) -> None:
    target = tmp_path / "matrix.md"
    target.write_text("old\n")
    target.chmod(0o640)
    link = tmp_path / "link.md"
    link.symlink_to(target.name)
    result = CliRunner().invoke(cli, ["report", str(LRS), "-o", str(link)])
    assert result.exit_code == 0, result.output
    assert link.is_symlink() and os.readlink(link) == "matrix.md"
    assert target.read_text().startswith("# Port matrix: lrs-vpsx-hq")
    assert stat.S_IMODE(target.stat().st_mode) == 0o640  # an existing file keeps its mode
    assert sorted(p.name for p in tmp_path.iterdir()) == ["link.md", "matrix.md"]


def test_a_directory_or_socket_is_refused(tmp_path: Path) -> None:
    import socket

    path = tmp_path / "s"
    with socket.socket(socket.AF_UNIX) as server:
        server.bind(str(path))
        with pytest.raises(OutputError, match="socket"):
            write_output(path, "x")
    (tmp_path / "d").mkdir()
    (tmp_path / "to-dir").symlink_to("d")
    with pytest.raises(OutputError, match="directory"):
        write_output(tmp_path / "to-dir", "x")


def test_a_read_only_file_system_is_one_line(root: None, tmp_path: Path) -> None:
    if shutil.which("unshare") is None:
        pytest.fail("unshare (util-linux) is needed to mount a read-only file system")
    mount = tmp_path / "ro"
    mount.mkdir()
    # A private mount namespace: the read-only tmpfs exists only for this one command.
    script = f"mount -t tmpfs -o ro tmpfs {mount} && " + " ".join(
        portplan_argv("report", str(LRS), "-o", str(mount / "m.md"))
    )
    result = subprocess.run(
        ["unshare", "-m", "sh", "-c", script], capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 2, result.stderr
    one_error_line(result.stderr, "read-only file system")


def test_permission_denied_is_one_line(root: None, tmp_path: Path) -> None:
    if shutil.which("setpriv") is None:
        pytest.fail("setpriv (util-linux) is needed to run without CAP_DAC_OVERRIDE")
    closed = tmp_path / "closed"
    closed.mkdir(mode=0o555)
    # Root without the capabilities that override file permissions, for this command only.
    argv = ["setpriv", "--bounding-set=-dac_override,-dac_read_search", "--"]
    result = subprocess.run(
        [*argv, *portplan_argv("report", str(LRS), "-o", str(closed / "m.md"))],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 2, result.stderr
    one_error_line(result.stderr, "permission denied")
    assert not any(closed.iterdir())


# --- compile into a directory -----------------------------------------------------------------


def compile_into(directory: Path, deployment: Path, *extra: str) -> str:
    result = CliRunner().invoke(cli, ["compile", str(deployment), "-o", str(directory), *extra])
    assert result.exit_code == 0, result.output
    return result.output


def renamed_core(tmp_path: Path) -> Path:
    """The LRS example with its router renamed: fw-core.nft no longer belongs."""
    changed = tmp_path / "renamed.yaml"
    changed.write_text(LRS.read_text().replace("name: fw-core", "name: fw-main"))
    return changed


def test_compile_removes_files_it_wrote_that_no_longer_belong(tmp_path: Path) -> None:
    out = tmp_path / "out"
    compile_into(out, LRS)
    (out / "notes.txt").write_text("mine\n")  # not portplan's: never touched
    output = compile_into(out, renamed_core(tmp_path))
    assert not (out / "fw-core.nft").exists()
    assert (out / "fw-main.nft").is_file() and (out / "notes.txt").read_text() == "mine\n"
    assert "removed 1 file(s)" in output and "fw-core.nft" in output


def test_compile_keep_lists_stale_files_and_leaves_them(tmp_path: Path) -> None:
    out = tmp_path / "out"
    compile_into(out, LRS)
    output = compile_into(out, renamed_core(tmp_path), "--keep")
    assert (out / "fw-core.nft").is_file()
    assert "warning: 1 file(s)" in output and "fw-core.nft" in output
    # Still known as portplan's: a later compile without --keep removes it.
    compile_into(out, renamed_core(tmp_path))
    assert not (out / "fw-core.nft").exists()


def test_compile_point_writes_one_point_and_leaves_the_others(tmp_path: Path) -> None:
    out = tmp_path / "out"
    compile_into(out, LRS)
    before = {p.name: p.stat().st_mtime_ns for p in out.iterdir() if p.name != MANIFEST}
    (out / "fw-core.nft").unlink()
    output = compile_into(out, LRS, "--point", "fw-core")
    assert "1 files" in output and "removed" not in output
    after = {p.name: p.stat().st_mtime_ns for p in out.iterdir() if p.name != MANIFEST}
    assert set(after) == set(before)
    assert all(after[n] == before[n] for n in before if n != "fw-core.nft")


def test_compile_point_unknown_names_the_firewalls(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        cli, ["compile", str(LRS), "-o", str(tmp_path), "--point", "fw-nope"]
    )
    assert result.exit_code == 2
    assert "no firewall named 'fw-nope'" in result.output and "fw-core" in result.output


def test_compile_refuses_to_replace_a_link_in_its_directory(tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    elsewhere = tmp_path / "elsewhere.nft"
    elsewhere.write_text("keep me\n")
    (out / "fw-core.nft").symlink_to(elsewhere)
    result = CliRunner().invoke(cli, ["compile", str(LRS), "-o", str(out)])
    assert result.exit_code == 2
    assert "symbolic link" in result.output
    assert elsewhere.read_text() == "keep me\n" and (out / "fw-core.nft").is_symlink()
    assert [p.name for p in out.iterdir()] == ["fw-core.nft"]  # nothing written


def test_a_tampered_manifest_cannot_remove_files_outside(tmp_path: Path) -> None:
    out = tmp_path / "out"
    victim = tmp_path / "victim.txt"
    victim.write_text("precious\n")
    write_tree(out, {"a.nft": "a\n"})
    (out / MANIFEST).write_text(f"../victim.txt\t\n{victim}\t\na.nft\t\n")
    done = write_tree(out, {"b.nft": "b\n"})
    assert victim.read_text() == "precious\n"
    assert [p.name for p in done.removed] == ["a.nft"]

"""Files the embedded defaults keep under var/ (the SQLite database, generated secrets, the file cache, the
filesystem broker's folders, the simulator's state) are readable by the process's own user only.

Two layers: every entry point (manage.py, wsgi, asgi, the Celery app) sets a umask of 077 before anything
creates a file, so files that libraries create (SQLite's -wal and -shm, kombu's messages, beat's schedule)
come out 0600 and folders 0700; and the files and folders the settings know of are created with those
modes explicitly, so they are private even in a process started some other way (a test runner).
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

PRIVATE_UMASK = 0o077
PRIVATE_DIR_MODE = 0o700
PRIVATE_FILE_MODE = 0o600


def restrict_umask() -> None:
    """Make every file this process (and its children) creates private to its user."""
    os.umask(PRIVATE_UMASK)


def private_dir(path: Path) -> Path:
    """Create `path` (and missing parents) as 0700; an existing folder is left as it is, since an operator
    may have given it to a group on purpose (a proxy reading collected static files, say)."""
    missing = []
    current = path
    while not current.exists():
        missing.append(current)
        if current.parent == current:
            break
        current = current.parent
    for folder in reversed(missing):
        with contextlib.suppress(FileExistsError):
            folder.mkdir(mode=PRIVATE_DIR_MODE)
        # mkdir's mode is filtered by the umask, which may be looser than ours in a process we did not start.
        os.chmod(folder, PRIVATE_DIR_MODE)
    return path


def private_file(path: Path) -> Path:
    """Make sure `path` exists and is 0600 before a library opens it (SQLite creates its -wal and -shm files
    with the mode of the database file, so creating the database file private covers them too)."""
    private_dir(path.parent)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE_FILE_MODE)
    except FileExistsError:
        tighten(path)
    else:
        os.close(fd)
        os.chmod(path, PRIVATE_FILE_MODE)
    return path


def tighten(path: Path) -> None:
    """Take group and other permissions away from an existing file of ours; a file of another user (a
    read-only mount, say) is left alone rather than failing the start."""
    with contextlib.suppress(OSError):
        mode = path.stat().st_mode & 0o777
        if mode & PRIVATE_UMASK:
            os.chmod(path, mode & ~PRIVATE_UMASK)

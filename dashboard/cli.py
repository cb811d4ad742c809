"""Django's management commands with the product's settings: `python manage.py` in the source tree, and the
`dashboard` command of an installed wheel (pyproject.toml's [project.scripts]), which has no manage.py."""

from __future__ import annotations

import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dashboard.settings")
    # Before settings create anything under var/: files 0600, folders 0700 (see dashboard/private_files.py).
    from dashboard.private_files import restrict_umask

    restrict_umask()
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)

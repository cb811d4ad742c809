#!/usr/bin/env python
import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dashboard.settings")
    # Before settings create anything under var/: files 0600, folders 0700 (see dashboard/private_files.py).
    from dashboard.private_files import restrict_umask

    restrict_umask()
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()

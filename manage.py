#!/usr/bin/env python
from dashboard.cli import main

if __name__ == "__main__":
    main()

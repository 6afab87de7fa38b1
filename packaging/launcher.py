"""Entry script for the frozen build: the same ``main`` as the ``comfydesk`` command."""

import sys

from app.__main__ import main

if __name__ == "__main__":
    sys.exit(main())

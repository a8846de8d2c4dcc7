"""The ``scanlake`` command installed with the wheel: the same Rust code as the standalone binary."""

import sys

from scanlake import _native


def main() -> None:
    """Run ``scanlake`` with this process's arguments and exit with its status."""
    sys.exit(_native.cli(sys.argv))

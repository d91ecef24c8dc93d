"""CTest entry of the Python tests: runs pytest on this folder, or exits 77 (CTest's
SKIP_RETURN_CODE) when /usr/bin/python3 lacks ase or pytest, so that a machine without them
reports the test as skipped rather than failed."""
import os
import sys

try:
    import ase  # noqa: F401
    import pytest
except ImportError as e:
    print(f"skipped: {e}")
    sys.exit(77)

sys.exit(pytest.main([os.path.dirname(os.path.abspath(__file__)), "-p", "no:cacheprovider",
                      *sys.argv[1:]]))

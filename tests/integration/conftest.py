# SPDX-License-Identifier: GPL-2.0-or-later
"""pytest fixtures for hull's integration tests (tests/security reuses them).

Run as root:  HULL=build/src/cli/hull HULL_PROBE=build/tests/init/hull-probe \
              /usr/bin/python3 -m pytest tests/integration tests/security
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from hullfixtures import _environment, bundle, host_mounts_unchanged, netns, pytest_report_header  # noqa: E402,F401

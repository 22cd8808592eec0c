# SPDX-License-Identifier: GPL-2.0-or-later
"""The security tests share the integration suite's fixtures and helpers."""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "integration"))

from hullfixtures import _environment, bundle, host_mounts_unchanged, netns  # noqa: E402,F401

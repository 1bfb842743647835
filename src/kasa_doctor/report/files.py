"""Writing a report file without ever leaving half of one behind.

The report writers take `write_atomic` from here, not from `kasa_doctor.atomicfile`,
so a test can make report writing fail while sessions still save.
"""

from __future__ import annotations

from kasa_doctor.atomicfile import write_atomic

__all__ = ["write_atomic"]

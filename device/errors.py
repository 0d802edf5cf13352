"""The one base of every expected failure.

An expected failure (bad configuration, a missing model, no camera, a bad
input file, a plan or catalogue that names something impossible) is a
`KioskError` whose message is one line a user can act on. Every entry point
(`python -m device`, the kiosk, `python -m model_export`) catches this base
and prints the message, never a traceback; anything else is a bug and is
reported as an internal error with the details in the log.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable


class KioskError(Exception):
    """An expected failure; str(error) is the one line the user sees, and
    `exit_code` the status a command ends with."""

    exit_code = 2


def run_entry_point(main: Callable[[], int], log: logging.Logger) -> int:
    """Run an entry point's body with the one error policy every entry point
    shares: an expected failure is one line and its exit code (2), Ctrl-C is 130, and a
    bug is one line and exit 70 with the details in the log."""
    try:
        return int(main())
    except KioskError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        return 130
    except Exception as exc:  # a bug: one line for the user, the details in the log
        log.debug("unexpected error", exc_info=True)
        print(
            f"internal error: {type(exc).__name__}: {exc} (run with KIOSK_LOG_LEVEL=DEBUG for details)", file=sys.stderr
        )
        return 70

"""User-facing errors: anything a user can get wrong raises :class:`BuzzsimError`.

The command line prints ``str(error)`` as one line and exits with status 2;
library users catch it like any exception.
"""

from __future__ import annotations


class BuzzsimError(Exception):
    """An error caused by the user's input, with a one-line explanation."""


class ScenarioError(BuzzsimError):
    """A scenario file or dict that does not validate."""


class GraphError(BuzzsimError):
    """A graph that cannot be built or loaded (bad file, too large for memory...)."""


class DataError(BuzzsimError):
    """Cascade data that cannot be read: names the file, the line and the column."""

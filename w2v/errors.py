"""The one exception type for mistakes a user can make.

Anything raised as `UserError` is reported by the command line as a single line on
stderr with a non-zero exit and no traceback; everything else is a bug and keeps
its traceback.
"""


class UserError(Exception):
    """A problem with the user's input, options or environment (bad path, empty corpus...)."""

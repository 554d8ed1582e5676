"""Exit codes, the public contract of every headless command (DESIGN.md).

Their own module so that ``ipdash.cli`` and ``ipdash.commands`` both import them without a cycle.
"""

EXIT_OK = 0  # all good
EXIT_FINDING = 1  # a finding: a critical breach, a listing, a failing check
EXIT_USAGE = 2  # usage or input error, with a one-line message naming the file, line and column
EXIT_INCOMPLETE = 3  # incomplete: some checks could not be made

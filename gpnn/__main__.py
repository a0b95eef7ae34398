"""``python -m gpnn``: see :mod:`gpnn.cli`."""

from gpnn.cli import main

if __name__ == "__main__":
    raise SystemExit(main())

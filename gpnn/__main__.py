"""`python -m gpnn`: see [`gpnn.cli`][]."""

from gpnn.cli import main

if __name__ == "__main__":
    # The usage and error lines then name the command as it was typed.
    raise SystemExit(main(prog="python -m gpnn"))

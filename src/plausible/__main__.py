"""``python -m plausible``: the command-line interface."""

from plausible.cli import main

if __name__ == "__main__":
    main()

"""``python -m sim``: the ``buzzsim`` command line."""

from sim.cli import console

if __name__ == "__main__":
    console()

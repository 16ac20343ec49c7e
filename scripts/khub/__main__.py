"""Allow `python -m khub`."""

from khub.cli import main

main()

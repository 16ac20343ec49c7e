"""Allow `python -m khub`."""

from khub.cli.main import main

main()

"""``python -m rebub`` is the ``rebub`` command."""

from rebub.cli import main

main()

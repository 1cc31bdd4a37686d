"""``python -m sockscen``: the same command as the ``sockscen`` console script."""

from .launch import main

if __name__ == "__main__":
    main()  # launch's, as the console script's: a Ctrl-C while importing exits 130 quietly

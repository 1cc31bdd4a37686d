"""The pytest plugin's load cache: ``<rootdir>/.sockscen_cache``, shared with ``sockscen``.

Collecting a file that has not changed since it last loaded without a
problem reads its scenarios back instead of validating it again (see
``loadcache``).  ``--sockscen-no-cache`` leaves the folder alone; pytest's
``--cache-clear`` empties it too.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from .loadcache import LoadCache

__all__ = ["add_cache_option", "clear_if_asked", "load_cache"]

_cache_key = pytest.StashKey["LoadCache | None"]()


def add_cache_option(group: pytest.OptionGroup) -> None:
    """``--sockscen-no-cache``."""
    group.addoption(
        "--sockscen-no-cache",
        action="store_true",
        help="load every scenario file afresh: neither read nor write .sockscen_cache/ in the "
        "rootdir (by default unchanged valid files are read back from it; --cache-clear "
        "empties it)",
    )


def clear_if_asked(config: pytest.Config) -> None:
    """Empty the cache under ``--cache-clear`` (the option of pytest's cache plugin)."""
    # The controller empties it before any worker starts (the workers see the flag too).
    if config.getoption("cacheclear", False) and not hasattr(config, "workerinput"):
        from .loadcache import CACHE_DIR, LoadCache

        LoadCache(config.rootpath / CACHE_DIR).clear()


def load_cache(config: pytest.Config) -> LoadCache | None:
    """The session's load cache (None under ``--sockscen-no-cache``)."""
    if _cache_key not in config.stash:
        from .loadcache import CACHE_DIR, LoadCache

        wanted = not config.getoption("sockscen_no_cache", False)
        config.stash[_cache_key] = LoadCache(config.rootpath / CACHE_DIR) if wanted else None
    return config.stash[_cache_key]

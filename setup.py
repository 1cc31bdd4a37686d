"""Build hook: ship the top-level ``schemas/`` inside the wheel.

``schemas/`` at the repository root is the single source of truth for the
scenario and report JSON Schemas.  Setuptools only packages files that live
inside a package, so ``build_py`` copies them into ``sockscen/schemas/`` of
the build tree; the source tree keeps exactly one copy.
"""

from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py


class BuildPyWithSchemas(build_py):  # type: ignore[misc]
    def run(self) -> None:
        super().run()
        source = Path(__file__).parent / "schemas"
        target = Path(self.build_lib) / "sockscen" / "schemas"
        target.mkdir(parents=True, exist_ok=True)
        for schema in sorted(source.glob("*.json")):
            self.copy_file(str(schema), str(target / schema.name))


setup(cmdclass={"build_py": BuildPyWithSchemas})

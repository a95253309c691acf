"""Print a pip constraints file pinning every dependency of pyproject.toml to its lower bound.

`make test-oldest` installs with it, so the oldest releases pyproject allows are tested as well
as the newest ones (`make test`)."""

import re
import sys
import tomllib
from pathlib import Path

project = tomllib.loads(Path(sys.argv[1] if len(sys.argv) > 1 else "pyproject.toml").read_text())["project"]
requirements = list(project["dependencies"])
for extra in project.get("optional-dependencies", {}).values():
    requirements.extend(extra)
for req in requirements:
    m = re.match(r"^([A-Za-z0-9_.-]+)(\[[^\]]*\])?\s*>=\s*([^,;\s]+)", req)
    if not m:
        sys.exit(f"no lower bound in {req!r}: every dependency needs one")
    print(f"{m.group(1)}=={m.group(3)}")

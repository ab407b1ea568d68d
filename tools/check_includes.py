#!/usr/bin/env python3
"""Checks the dependency direction of shared/DESIGN.md: a file in src/<module>/ may include only
headers of the modules listed for it below. Exits 1 naming each violation."""
import pathlib
import re
import sys

ALLOWED = {
    "core": set(),
    "store": {"core"},
    "audit": {"core", "store"},
    "security": {"core", "store", "audit"},
    "notify": {"core", "store", "audit"},
    "directory": {"core", "store", "audit", "security", "notify"},
    "requests": {"core", "store", "audit", "security", "notify", "directory", "jurisdiction"},
    "jurisdiction": {"core"},
    "http": {"core"},
    "api": {"core", "store", "audit", "security", "notify", "directory", "requests", "jurisdiction",
            "http"},
    "cli": {"core", "store", "audit", "security", "notify", "directory", "requests", "jurisdiction",
            "http", "api"},
}

def main() -> int:
    root = pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else ".") / "src"
    include = re.compile(r'^\s*#\s*include\s+"([a-z_]+)/')
    bad = []
    for path in sorted(root.rglob("*.[ch]pp")):
        module = path.relative_to(root).parts[0]
        if module not in ALLOWED:
            continue
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            m = include.match(line)
            if m and m.group(1) != module and m.group(1) not in ALLOWED[module]:
                bad.append(f"{path}:{number}: {module}/ may not include {m.group(1)}/")
    for line in bad:
        print(line)
    print(f"include check: {len(bad)} violations")
    return 1 if bad else 0

if __name__ == "__main__":
    sys.exit(main())

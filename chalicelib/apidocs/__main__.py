"""``python -m chalicelib.apidocs [FILE]``: the admin API's OpenAPI document, without a server.

The same document ``GET /admin/openapi.json`` answers, built from the app's own route table;
the console's typed client is generated from it (``npm run gen:api`` in ``console/``).
"""

from __future__ import annotations

import importlib
import json
import sys
from pathlib import Path
from typing import Any


def document() -> dict[str, Any]:
    """The OpenAPI document of every admin route the app registers."""
    from chalicelib.apidocs.openapi import build
    from chalicelib.core.http import ApiBlueprint

    app = importlib.import_module("app").app  # its route table: which declared routes exist
    known = {(path, method) for path, methods in app.routes.items() for method in methods}
    return build(ApiBlueprint.declared, known=known)


def main(argv: list[str]) -> int:
    text = json.dumps(document(), indent=2, ensure_ascii=False, sort_keys=True) + "\n"
    if argv:
        Path(argv[0]).write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

"""docs/openapi.yaml (the source) → Services/gateway/OpenAPIDocument.swift (what the gateway serves).

    .venv/bin/python scripts/openapi.py           regenerates the Swift file
    .venv/bin/python scripts/openapi.py --check   exits 1 when it is out of date (run by the tests)
"""
import json
import os
import sys

import yaml

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SOURCE = os.path.join(ROOT, "docs", "openapi.yaml")
TARGET = os.path.join(ROOT, "Services", "gateway", "OpenAPIDocument.swift")


def generate():
    document = yaml.safe_load(open(SOURCE, encoding="utf-8"))
    text = json.dumps(document, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return (
        "import MamiCore\n\n"
        "/// The OpenAPI 3.1 description served at `/api/v1/openapi.json`. Generated from\n"
        "/// docs/openapi.yaml by scripts/openapi.py: edit the YAML, then run the script.\n"
        "enum OpenAPIDocument {\n"
        "    static let json: JSONValue = (try? JSONValue(parsing: text)) ?? [:]\n\n"
        f'    static let text = #"""\n{text}\n"""#\n'
        "}\n"
    )


def main():
    wanted = generate()
    if "--check" in sys.argv:
        current = open(TARGET, encoding="utf-8").read() if os.path.exists(TARGET) else ""
        if current != wanted:
            print("Services/gateway/OpenAPIDocument.swift is out of date: run .venv/bin/python scripts/openapi.py")
            sys.exit(1)
        return
    open(TARGET, "w", encoding="utf-8").write(wanted)


main()

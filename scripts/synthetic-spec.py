"""A synthetic spec N times the size of a real one: its paths and component schemas
copied N times under new names (`/copy2/...`, `NameCopy2`), references rewritten, so the
generator sees N times the operations and models with the same shapes.

    python3 scripts/synthetic-spec.py SPEC.json N > OUT.json
"""

import json
import sys

PREFIX = "#/components/schemas/"


def renamed(node, suffix):
    if isinstance(node, dict):
        out = {}
        for key, value in node.items():
            if key == "$ref" and isinstance(value, str) and value.startswith(PREFIX):
                name, _, rest = value[len(PREFIX):].partition("/")
                out[key] = PREFIX + name + suffix + ("/" + rest if rest else "")
            elif key == "operationId" and isinstance(value, str):
                out[key] = value + suffix
            else:
                out[key] = renamed(value, suffix)
        return out
    if isinstance(node, list):
        return [renamed(item, suffix) for item in node]
    return node


def main():
    path, copies = sys.argv[1], int(sys.argv[2])
    with open(path) as f:
        spec = json.load(f)
    paths = dict(spec.get("paths", {}))
    schemas = dict(spec.get("components", {}).get("schemas", {}))
    for n in range(2, copies + 1):
        suffix = f"Copy{n}"
        for key, value in spec.get("paths", {}).items():
            paths[f"/copy{n}{key}"] = renamed(value, suffix)
        for key, value in spec.get("components", {}).get("schemas", {}).items():
            schemas[key + suffix] = renamed(value, suffix)
    spec["paths"] = paths
    spec.setdefault("components", {})["schemas"] = schemas
    json.dump(spec, sys.stdout)


if __name__ == "__main__":
    main()

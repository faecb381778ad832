"""Which operations a contract run reached, and with which statuses: `python3 test/contract/reach.py <ndjson report>`.

Reads the NDJSON report Schemathesis writes (scripts/contract.sh puts it in .data/contract/) and prints, per
operation of the document, the statuses it answered, so a report can say what the stateful phase reached.
"""
import collections
import json
import re
import sys

TEMPLATES = []


def template(method, path):
    for m, regex, label in TEMPLATES:
        if m == method and regex.fullmatch(path):
            return label
    return f"{method} (a path no operation has: a drawn, invalid path parameter)"


def main(report, document):
    with open(document, encoding="utf-8") as f:
        doc = json.load(f)
    for path, item in doc["paths"].items():
        regex = re.compile(re.sub(r"\\{[^}]+\\}|\{[^}]+\}", "[^/]+", re.escape(path).replace("\\{", "{").replace("\\}", "}")))
        for method in item:
            TEMPLATES.append((method.upper(), regex, f"{method.upper()} {path}"))
    statuses = collections.defaultdict(collections.Counter)

    def walk(o):
        if isinstance(o, dict):
            if isinstance(o.get("request"), dict) and isinstance(o.get("response"), dict):
                yield o
            for v in o.values():
                yield from walk(v)
        elif isinstance(o, list):
            for v in o:
                yield from walk(v)

    requests = 0
    with open(report, encoding="utf-8") as f:
        for line in f:
            for it in walk(json.loads(line)):
                uri = it["request"].get("uri", "")
                path = "/" + "/".join(uri.split("?")[0].split("/")[3:])
                statuses[template(it["request"]["method"], path)][it["response"].get("status_code")] += 1
                requests += 1
    reached = [op for op, c in statuses.items() if any(200 <= s < 300 for s in c)]
    print(f"{requests} requests, {len(statuses)} operations called, {len(reached)} answered 2xx")
    for op in sorted(statuses):
        print(f"  {op}: " + ", ".join(f"{s}×{n}" for s, n in sorted(statuses[op].items())))


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2] if len(sys.argv) > 2 else "docs/openapi.json")

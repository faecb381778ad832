#!/usr/bin/env bash
# Installs the pinned Schemathesis (PyPI `schemathesis`) into a Python venv under .tools/, once, and prints
# the path of its `st` command. Idempotent: the venv is used again when its marker says the install finished.
# PRE_TOOLS_DIR overrides .tools/; PYTHON names the interpreter (3.9 or later).
set -euo pipefail
cd "$(dirname "$0")/.."
VERSION=4.32.5
tools="${PRE_TOOLS_DIR:-$PWD/.tools}"
venv="$tools/schemathesis-$VERSION"
# a venv copied or left by another checkout may point to a Python that is gone: used again only if it still runs
if [ -f "$venv/.installed" ] && [ -x "$venv/bin/st" ] && "$venv/bin/st" --version >/dev/null 2>&1; then
  echo "$venv/bin/st"
  exit 0
fi
python="${PYTHON:-$(command -v python3 || command -v python)}"
rm -rf "$venv"
mkdir -p "$tools"
"$python" -m venv "$venv" >&2
"$venv/bin/pip" install --quiet --disable-pip-version-check "schemathesis==$VERSION" >&2
"$venv/bin/st" --version >&2
touch "$venv/.installed"
echo "$venv/bin/st"

#!/usr/bin/env bash
# Installs the pinned Schemathesis (PyPI `schemathesis`) into a Python venv under .tools/, once, and prints
# the path of its `st` command. Idempotent: the venv is used again when its marker says the install finished.
# PRE_TOOLS_DIR overrides .tools/; PYTHON names the interpreter (3.9 or later).
set -euo pipefail
cd "$(dirname "$0")/.."
VERSION=4.32.5
tools="${PRE_TOOLS_DIR:-$PWD/.tools}"
venv="$tools/schemathesis-$VERSION"
if [ -f "$venv/.installed" ] && [ -x "$venv/bin/st" ]; then
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

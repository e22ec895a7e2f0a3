#!/usr/bin/env bash
# ensure-venv.sh PYTHON VENV SPEC: create VENV if needed and install SPEC (e.g. '.[dev]')
# when pyproject.toml changed since the last install.
set -euo pipefail
python=$1 venv=$2 spec=$3
[[ -x "$venv/bin/python" ]] || "$python" -m venv "$venv"
stamp="$venv/.installed-$(sha1sum pyproject.toml | cut -c1-12)-$(echo "$spec" | sha1sum | cut -c1-8)"
if [[ ! -e "$stamp" ]]; then
  "$venv/bin/python" -m pip install -q --upgrade pip >/dev/null
  "$venv/bin/python" -m pip install -q -e "$spec"
  touch "$stamp"
fi

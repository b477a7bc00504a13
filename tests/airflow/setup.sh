#!/usr/bin/env bash
# Creates the Python venvs of the Airflow runtime suite (tests/airflow_runtime.rs), one per
# Airflow line, from the committed lock files:
#
#   ${MESHSYNTH_AIRFLOW_VENVS:-$HOME/.cache/meshsynth/airflow}/3.1   <- lock-3.1.txt
#   ${MESHSYNTH_AIRFLOW_VENVS:-$HOME/.cache/meshsynth/airflow}/2.10  <- lock-2.10.txt
#
# A venv whose stamp file holds the hash of its lock (and of the interpreter and of this
# script's install recipe) is reused as it is, so a warm run costs nothing. Otherwise it is
# rebuilt from scratch with `uv pip sync` (exactly the lock, nothing more), bytecode compiled at
# install time (this machine sets PYTHONDONTWRITEBYTECODE, so without it every Airflow start
# would compile Airflow again). uv's own cache (~/.cache/uv) makes a cold rebuild quick.
#
# Usage: tests/airflow/setup.sh [LINE...]     (default: every line, 3.1 and 2.10)
# Prints one line per venv: `<line> <path of its python>`.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=${MESHSYNTH_AIRFLOW_VENVS:-$HOME/.cache/meshsynth/airflow}
lines=("$@")
if [[ ${#lines[@]} -eq 0 ]]; then
  lines=(3.1 2.10)
fi
mkdir -p "$root"

# Runs that share the folder (two checkouts, two cargo test runs) take turns.
exec 9>"$root/.lock"
flock 9

uv_cmd() {
  if command -v uv >/dev/null 2>&1; then
    uv "$@"
  elif python3 -m uv --version >/dev/null 2>&1; then
    python3 -m uv "$@"
  else
    echo "setup.sh: installing uv (python3 -m pip install uv)" >&2
    python3 -m pip install --quiet --disable-pip-version-check uv >&2
    python3 -m uv "$@"
  fi
}

python=$(command -v python3)
# The interpreter a venv is built on, as the real path (pyenv shims resolve to one).
python_real=$("$python" -c 'import os, sys; print(os.path.realpath(sys.executable))')
python_version=$("$python" -c 'import sys; print(sys.version.split()[0])')
# Bumped whenever the install recipe below changes, so old venvs are rebuilt.
recipe=1

for line in "${lines[@]}"; do
  lock="$here/lock-$line.txt"
  if [[ ! -f $lock ]]; then
    echo "setup.sh: no lock file $lock (lines: 3.1, 2.10)" >&2
    exit 2
  fi
  venv="$root/$line"
  stamp="$venv/.meshsynth-stamp"
  want="$(sha256sum "$lock" | cut -d' ' -f1) python=$python_real $python_version recipe=$recipe"
  if [[ -f $stamp && $(cat "$stamp") == "$want" && -x $venv/bin/python ]]; then
    echo "$line $venv/bin/python"
    continue
  fi
  echo "setup.sh: building the Airflow $line venv in $venv from $(basename "$lock")" >&2
  start=$SECONDS
  rm -rf "$venv"
  uv_cmd venv --quiet --python "$python_real" "$venv" >&2
  uv_cmd pip sync --quiet --python "$venv/bin/python" --compile-bytecode "$lock" >&2
  # The stamp is written last: a build that was interrupted has none and is built again.
  printf '%s\n' "$want" >"$stamp"
  echo "setup.sh: Airflow $line venv ready in $((SECONDS - start)) s" >&2
  echo "$line $venv/bin/python"
done

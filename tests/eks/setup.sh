#!/usr/bin/env bash
# Creates the Python venv of the Kubernetes checks of tests/eks_pods.rs from the committed lock
# file (lock.txt, `uv pip compile` of requirements.in):
#
#   ${MESHSYNTH_EKS_VENV:-$HOME/.cache/meshsynth/eks}   <- lock.txt
#
# A venv whose stamp file holds the hash of the lock (and of the interpreter and of this
# script's install recipe) is reused as it is; otherwise it is rebuilt from scratch with
# `uv pip sync` (exactly the lock, nothing more). uv comes from PATH, or `python3 -m uv`, or
# is installed with pip, as tests/airflow/setup.sh does.
#
# Prints the path of the venv's python.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
venv=${MESHSYNTH_EKS_VENV:-$HOME/.cache/meshsynth/eks}
lock="$here/lock.txt"
mkdir -p "$(dirname "$venv")"

# Runs that share the venv (two checkouts, two cargo test runs) take turns.
exec 9>"$venv.lock"
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
python_real=$("$python" -c 'import os, sys; print(os.path.realpath(sys.executable))')
python_version=$("$python" -c 'import sys; print(sys.version.split()[0])')
# Bumped whenever the install recipe below changes, so old venvs are rebuilt.
recipe=1

stamp="$venv/.meshsynth-stamp"
want="$(sha256sum "$lock" | cut -d' ' -f1) python=$python_real $python_version recipe=$recipe"
if [[ -f $stamp && $(cat "$stamp") == "$want" && -x $venv/bin/python ]]; then
  echo "$venv/bin/python"
  exit 0
fi
echo "setup.sh: building the Kubernetes client venv in $venv from $(basename "$lock")" >&2
start=$SECONDS
rm -rf "$venv"
uv_cmd venv --quiet --python "$python_real" "$venv" >&2
uv_cmd pip sync --quiet --python "$venv/bin/python" "$lock" >&2
# The stamp is written last: a build that was interrupted has none and is built again.
printf '%s\n' "$want" >"$stamp"
echo "setup.sh: Kubernetes client venv ready in $((SECONDS - start)) s" >&2
echo "$venv/bin/python"

#!/usr/bin/env bash
# Runs dynconv's Python interop tests (pytest) in a virtual environment with the TensorFlow that
# TF Java 1.1.0 embeds. The environment is created on first use and reused afterwards:
#   ${DYNCONV_VENV:-$HOME/.cache/dynconv/venv-tf2.18}
# Usage: run_python_tests.sh <pytest args...>   (INTEROP_DIR must point at the Java-side outputs)
set -euo pipefail

REQUIREMENTS="tensorflow-cpu==2.18.* pytest==8.3.*"
VENV="${DYNCONV_VENV:-$HOME/.cache/dynconv/venv-tf2.18}"
PYTHON="${DYNCONV_PYTHON:-python3}"

fail() {
  echo "dynconv python tests: $1; skip the Python part with -DskipPython" >&2
  exit 3
}

if [[ ! -x "$VENV/bin/python" ]] || [[ "$(cat "$VENV/.dynconv-requirements" 2>/dev/null)" != "$REQUIREMENTS" ]]; then
  command -v "$PYTHON" >/dev/null 2>&1 || fail "$PYTHON not found on PATH (need Python 3.9 to 3.12)"
  "$PYTHON" -c 'import sys; assert (3, 9) <= sys.version_info[:2] <= (3, 12)' 2>/dev/null \
    || fail "$("$PYTHON" --version 2>&1) is not supported by tensorflow-cpu 2.18 (need 3.9 to 3.12)"
  "$PYTHON" -c 'import venv, ensurepip' 2>/dev/null \
    || fail "$PYTHON has no venv/ensurepip module (on Debian: apt-get install python3-venv)"
  echo "dynconv python tests: creating $VENV with $REQUIREMENTS" >&2
  rm -rf "$VENV"
  mkdir -p "$(dirname "$VENV")"
  "$PYTHON" -m venv "$VENV" || fail "could not create a virtual environment in $VENV"
  "$VENV/bin/python" -m pip install --quiet --upgrade pip >&2 || fail "pip could not upgrade itself"
  # shellcheck disable=SC2086
  "$VENV/bin/python" -m pip install --quiet $REQUIREMENTS >&2 \
    || fail "pip could not install $REQUIREMENTS (is PyPI reachable?)"
  echo "$REQUIREMENTS" > "$VENV/.dynconv-requirements"
fi

# TF-Serving's client package, for test_grpc_client.py. Without its dependencies: it asks for the
# full tensorflow package, and tensorflow-cpu (with grpcio and protobuf) is already here.
SERVING_API="tensorflow-serving-api==2.18.1"
if ! "$VENV/bin/python" -c 'import tensorflow_serving.apis' 2>/dev/null; then
  "$VENV/bin/python" -m pip install --quiet --no-deps "$SERVING_API" >&2 \
    || fail "pip could not install $SERVING_API (is PyPI reachable?)"
fi

export TF_CPP_MIN_LOG_LEVEL=2
cd "$(dirname "$0")"
exec "$VENV/bin/python" -m pytest -q -p no:cacheprovider "$@"

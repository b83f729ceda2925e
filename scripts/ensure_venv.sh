#!/usr/bin/env bash
# Makes sure the virtualenv (default .venv) exists and its python runs pip.
#
# A .venv left behind by a failed `python3 -m venv` (Debian's python3 without python3-venv
# creates the directory, then stops at ensurepip) has no working pip, and every later make
# would fail on it: such a .venv is removed and created again. When `python -m venv` cannot
# work, python3-venv is installed with apt-get (through sudo when not root).
#
# Environment: PYTHON (the interpreter to use, default python3.11, else python3);
# VENV_OPTIONS (extra arguments for `python -m venv`, e.g. --without-pip in tests).
set -euo pipefail
venv="${1:-.venv}"
python="${PYTHON:-python3.11}"

as_root() {
  if [ "$(id -u)" = "0" ]; then "$@"
  elif command -v sudo >/dev/null; then sudo "$@"
  else echo "Installing $* needs root or sudo; run as root or install sudo." >&2; exit 1
  fi
}

apt_install() {
  echo "Installing Debian packages: $*" >&2
  as_root apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
}

healthy() {
  [ -x "$venv/bin/python" ] && "$venv/bin/python" -m pip --version >/dev/null 2>&1
}

if [ -e "$venv" ]; then
  healthy && exit 0
  echo "$venv has no working python or pip (a failed venv creation?): creating it again" >&2
  rm -rf "$venv"
fi

command -v "$python" >/dev/null || python=python3
if ! command -v "$python" >/dev/null; then
  apt_install python3 python3-venv
  python=python3
fi

install_venv_package() {
  local version
  version=$("$python" -c 'import sys; print("%d.%d" % sys.version_info[:2])')
  apt_install python3-venv
  if apt-cache show "python${version}-venv" >/dev/null 2>&1; then apt_install "python${version}-venv"; fi
}

# shellcheck disable=SC2086  # VENV_OPTIONS is a list of words
create() { "$python" -m venv ${VENV_OPTIONS:-} "$venv"; }

if ! "$python" -c "import ensurepip, venv" >/dev/null 2>&1; then
  install_venv_package
fi
if ! create; then
  rm -rf "$venv"
  install_venv_package
  create || { rm -rf "$venv"; echo "Could not create $venv with $python." >&2; exit 1; }
fi

#!/usr/bin/env bash
# Installs the Debian packages dlasim needs (only those missing), non-interactively.
set -euo pipefail
packages=(
  cmake make gcc g++ pkg-config
  libsystemc-dev libjson-c-dev libhdf5-dev libgtest-dev
  libprotobuf-c-dev protobuf-c-compiler libonnx-dev
  python3-onnx python3-numpy python3-h5py python3-matplotlib python3-pandas
  libopenmpi-dev openmpi-bin
)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
echo "installing Debian packages: ${missing[*]}"
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null || { echo "error: need root (or sudo) to apt-get install ${missing[*]}" >&2; exit 1; }
  SUDO=sudo
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"

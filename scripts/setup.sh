#!/usr/bin/env bash
# Installs the Debian packages alpr needs to build, test and run. Safe to run repeatedly:
# it only calls apt-get when something is missing.
set -euo pipefail

packages=(
  libopenblas-dev libturbojpeg0-dev libpng-dev libsqlite3-dev pkg-config  # build
  ffmpeg                                                                 # reader agent video input
)
if [[ "${ALPR_SETUP_TEST:-0}" == 1 ]]; then
  packages+=(chromium curl)                                              # tests: the browser check of the web pages
fi

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "Installing: ${missing[*]}"
  SUDO=""; [[ $(id -u) == 0 ]] || SUDO="sudo"
  $SUDO apt-get -o DPkg::Lock::Timeout=600 update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
command -v swift >/dev/null || { echo "error: Swift 6.3 toolchain not found on PATH (https://www.swift.org/install/linux/)"; exit 1; }

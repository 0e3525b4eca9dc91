#!/usr/bin/env bash
# Installs what lep needs beyond the .NET 10 SDK on Debian/Ubuntu: the toolchain for the TorchSharp compat shim
# (only where libstdc++ lacks GLIBCXX_3.4.32) and fonts for PNG plots. With --tests also what the test suite needs:
# sentencepiece (tokenizer oracle), jq (build/test-data.sh) and python3-torch (the torchrun engine's tests).
set -euo pipefail
need=()
command -v g++ >/dev/null || need+=(g++)
command -v patchelf >/dev/null || need+=(patchelf)
command -v readelf >/dev/null || need+=(binutils)
[ -f /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf ] || need+=(fonts-dejavu-core)
if [ "${1:-}" = "--tests" ]; then
  command -v spm_train >/dev/null || need+=(sentencepiece)
  command -v jq >/dev/null || need+=(jq)
  command -v torchrun >/dev/null || need+=(python3-torch)
fi
if [ ${#need[@]} -eq 0 ]; then exit 0; fi
if ! command -v apt-get >/dev/null; then
  echo "lep: please install: ${need[*]} (no apt-get here)" >&2; exit 1
fi
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
echo "lep: installing ${need[*]}" >&2
$sudo apt-get update -qq >/dev/null
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${need[@]}" >/dev/null

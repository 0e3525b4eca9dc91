#!/usr/bin/env bash
# Makes TorchSharp-cpu 0.107.0 load on systems whose libstdc++ lacks GLIBCXX_3.4.32 (Debian 12).
# libLibTorchSharp.so needs that version for one symbol only, std::ios_base_library_init(). We build a shim that
# defines it, drop the symbol's version, add the shim as NEEDED and mark the GLIBCXX_3.4.32 requirement weak.
# Usage: torchsharp-compat.sh DIR...   (patches every libLibTorchSharp.so below each DIR; idempotent)
set -euo pipefail

libstdcxx=$(ldconfig -p 2>/dev/null | awk '/libstdc\+\+\.so\.6 .*x86-64/ {print $NF; exit}')
if [ -z "$libstdcxx" ] || grep -qa 'GLIBCXX_3\.4\.32' "$libstdcxx"; then
  exit 0   # newer libstdc++ (or not x86-64 Linux): nothing to do
fi
for tool in g++ patchelf readelf; do
  command -v "$tool" >/dev/null || { echo "torchsharp-compat: '$tool' is missing; install it: apt-get install -y g++ patchelf binutils" >&2; exit 1; }
done

symbol=_ZSt21ios_base_library_initv
here=$(cd "$(dirname "$0")" && pwd)
cache="${XDG_CACHE_HOME:-$HOME/.cache}/lep"
mkdir -p "$cache"
# Several projects build in parallel and each runs this script: one at a time.
exec 9>"$cache/torchsharp-compat.lock"
flock 9 2>/dev/null || true
shim_src="$here/libstdcxx_compat.cpp"
shim="$cache/libstdcxx_compat.so"
if [ ! -f "$shim" ] || ! cmp -s "$shim_src" "$cache/libstdcxx_compat.cpp"; then
  g++ -shared -fPIC -O2 -o "$shim.$$.tmp" "$shim_src"
  mv -f "$shim.$$.tmp" "$shim"
  cp -f "$shim_src" "$cache/libstdcxx_compat.cpp"
fi

patch_one() {
  local lib=$1 dir tmp
  dir=$(dirname "$lib")
  cp -f "$shim" "$dir/libstdcxx_compat.so"
  if readelf -d "$lib" | grep -q 'libstdcxx_compat.so'; then return 0; fi
  tmp="$lib.$$.compat.tmp"
  cp -f "$lib" "$tmp"
  patchelf --clear-symbol-version "$symbol" "$tmp"
  patchelf --add-needed libstdcxx_compat.so "$tmp"
  # .gnu.version_r: find the Elf64_Vernaux entry naming GLIBCXX_3.4.32 and set vna_flags (offset 4) to VER_FLG_WEAK.
  local sec_off entry_off
  sec_off=$(readelf -SW "$tmp" | awk '$0 ~ /\.gnu\.version_r/ { for (i = 1; i <= NF; i++) if ($i == ".gnu.version_r") { print $(i + 3); exit } }')
  entry_off=$(readelf -VW "$tmp" | awk '/Name: GLIBCXX_3\.4\.32/ { sub(":", "", $1); print $1; exit }')
  if [ -z "$sec_off" ] || [ -z "$entry_off" ]; then
    echo "torchsharp-compat: cannot locate GLIBCXX_3.4.32 in .gnu.version_r of $lib" >&2; rm -f "$tmp"; exit 1
  fi
  printf '\x02\x00' | dd of="$tmp" bs=1 seek=$(( 0x$sec_off + entry_off + 4 )) conv=notrunc status=none
  mv -f "$tmp" "$lib"
  echo "torchsharp-compat: patched $lib"
}

for root in "$@"; do
  [ -d "$root" ] || continue
  while IFS= read -r -d '' lib; do patch_one "$lib"; done < <(find "$root" -name libLibTorchSharp.so -type f -print0)
done

#!/usr/bin/env bash
# `make install` / `make uninstall` end to end: installs into a temporary prefix (and a DESTDIR
# stage), checks the layout and the SONAME, builds a C program with pkg-config (shared and static)
# and a C++17 program with CMake (Bulwark::bulwark and Bulwark::bulwark_static) against the
# installed copy and runs them, checks find_package refuses another major version, then
# uninstalls and checks nothing is left. Usage: tests/install/check.sh (from the repository).
set -euo pipefail
cd "$(dirname "$0")/../.."
command -v cmake >/dev/null || { echo "installing cmake with apt-get"; \
  apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends cmake >/dev/null; }

version=$(sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -n 1)
major=${version%%.*}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
prefix="$tmp/prefix"
fail() { echo "install check: $*" >&2; exit 1; }

echo "== make install PREFIX=$prefix"
make --no-print-directory -s install PREFIX="$prefix" >/dev/null
lib="$prefix/lib"
for f in "libbulwark.so.$version" libbulwark.a pkgconfig/bulwark.pc cmake/Bulwark/BulwarkConfig.cmake \
         cmake/Bulwark/BulwarkConfigVersion.cmake; do
  [ -f "$lib/$f" ] || fail "missing $lib/$f"
done
for f in bulwark.h bulwark.hpp; do [ -f "$prefix/include/$f" ] || fail "missing include/$f"; done
[ "$(readlink "$lib/libbulwark.so.$major")" = "libbulwark.so.$version" ] || fail "libbulwark.so.$major link"
[ "$(readlink "$lib/libbulwark.so")" = "libbulwark.so.$major" ] || fail "libbulwark.so link"
soname=$(readelf -d "$lib/libbulwark.so.$version" | sed -n 's/.*Library soname: \[\(.*\)\]/\1/p')
[ "$soname" = "libbulwark.so.$major" ] || fail "SONAME is '$soname', expected libbulwark.so.$major"
grep -q "rpath" "$lib/pkgconfig/bulwark.pc" && fail "the installed bulwark.pc sets an rpath"

# Only the commands below see the installed copy (the nested `make` must keep the environment
# cargo's build scripts were fingerprinted with, or aws-lc would be rebuilt).
pkgc() { PKG_CONFIG_PATH="$lib/pkgconfig" pkg-config "$@"; }
run() { LD_LIBRARY_PATH="$lib" "$@"; }
[ "$(pkgc --modversion bulwark)" = "$version" ] || fail "pkg-config --modversion"

echo "== C with pkg-config, shared"
cc -std=c99 -Wall -Wextra -Wpedantic -Werror examples/quickstart.c -o "$tmp/c_shared" $(pkgc --cflags --libs bulwark)
readelf -d "$tmp/c_shared" | grep -q "NEEDED.*\[libbulwark.so.$major\]" || fail "c_shared does not need libbulwark.so.$major"
run ldd "$tmp/c_shared" | grep -q "libbulwark.so.$major => $lib/" || fail "c_shared does not load the installed copy"
run "$tmp/c_shared" >/dev/null

echo "== C with pkg-config --static"
cc -std=c99 -Wall -Wextra -Wpedantic -Werror examples/quickstart.c -o "$tmp/c_static" \
  $(pkgc --cflags bulwark) -L"$lib" -Wl,-Bstatic -lbulwark -Wl,-Bdynamic \
  $(pkgc --libs-only-l --static bulwark | sed 's/-lbulwark//')
readelf -d "$tmp/c_static" | grep -q libbulwark && fail "c_static still needs libbulwark.so"
"$tmp/c_static" >/dev/null

echo "== C++17 with CMake find_package(Bulwark): Bulwark::bulwark and Bulwark::bulwark_static"
cmake -S tests/install -B "$tmp/cmake" -DCMAKE_PREFIX_PATH="$prefix" -DCMAKE_BUILD_TYPE=Debug >/dev/null
cmake --build "$tmp/cmake" -j 2 >/dev/null
readelf -d "$tmp/cmake/consumer_shared" | grep -q "NEEDED.*\[libbulwark.so.$major\]" || fail "consumer_shared"
readelf -d "$tmp/cmake/consumer_static" | grep -q libbulwark && fail "consumer_static still needs libbulwark.so"
run "$tmp/cmake/consumer_shared" | tail -n 1
"$tmp/cmake/consumer_static" | tail -n 1
"$tmp/cmake/consumer_c" >/dev/null

echo "== find_package refuses another major version"
mkdir -p "$tmp/major"
printf 'cmake_minimum_required(VERSION 3.16)\nproject(m C)\nfind_package(Bulwark %s.0 REQUIRED)\n' "$((major + 1))" \
  > "$tmp/major/CMakeLists.txt"
if cmake -S "$tmp/major" -B "$tmp/major/b" -DCMAKE_PREFIX_PATH="$prefix" >"$tmp/major.log" 2>&1; then
  fail "find_package(Bulwark $((major + 1)).0) accepted $version"
fi
grep -q "$version" "$tmp/major.log" || fail "the refusal does not name the installed version"

echo "== make uninstall"
make --no-print-directory -s uninstall PREFIX="$prefix" >/dev/null
left=$(find "$prefix" \( -type f -o -type l \) | sed "s|^$prefix/||")
[ -z "$left" ] || fail "left after uninstall: $left"

echo "== make install DESTDIR (staged for packaging, paths say the final PREFIX)"
make --no-print-directory -s install DESTDIR="$tmp/stage" PREFIX=/opt/bulwark >/dev/null
grep -q '^prefix=/opt/bulwark$' "$tmp/stage/opt/bulwark/lib/pkgconfig/bulwark.pc" || fail "DESTDIR pc prefix"
grep -q '"/opt/bulwark/lib/libbulwark.a"' "$tmp/stage/opt/bulwark/lib/cmake/Bulwark/BulwarkConfig.cmake" || fail "DESTDIR cmake path"
make --no-print-directory -s uninstall DESTDIR="$tmp/stage" PREFIX=/opt/bulwark >/dev/null
[ -z "$(find "$tmp/stage" \( -type f -o -type l \))" ] || fail "DESTDIR uninstall left files"
echo "install check: passed"

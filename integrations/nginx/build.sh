#!/usr/bin/env bash
# Builds ngx_http_bulwark_module.so against the distribution's nginx (Debian: nginx-dev, whose
# sources and configure flags are in /usr/share/nginx/src), linked to the libbulwark that
# pkg-config finds. Usage: integrations/nginx/build.sh OUTDIR. Installs nginx and nginx-dev with
# apt-get when missing.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
out=$(mkdir -p "$1" && cd "$1" && pwd)
src=/usr/share/nginx/src
if [ ! -f "$src/conf_flags" ] || ! command -v nginx >/dev/null; then
  echo "installing nginx and nginx-dev with apt-get"
  apt-get update -qq >/dev/null
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends nginx-light nginx-dev >/dev/null
fi
pkg-config --exists bulwark || { echo "build.sh: pkg-config cannot find bulwark (make lib, PKG_CONFIG_PATH)" >&2; exit 1; }
# Resolved here, where a relative PKG_CONFIG_PATH still means what the caller meant.
BULWARK_INCS=$(pkg-config --cflags-only-I bulwark | sed 's/-I//g')
BULWARK_LIBS=$(pkg-config --libs bulwark)
export BULWARK_INCS BULWARK_LIBS
# shellcheck disable=SC1091
. "$src/conf_flags"
work="$out/nginx-src"
stamp="$BULWARK_INCS $BULWARK_LIBS"
if [ ! -f "$work/.configured" ] || [ "$here/config" -nt "$work/.configured" ] || [ "$(cat "$work/.configured")" != "$stamp" ]; then
  rm -rf "$work"
  cp -r "$src" "$work"
  (cd "$work" && ./configure "${NGX_CONF_FLAGS[@]}" --with-cc-opt="-g -O2 -fPIC -Wall -Wextra -Werror" \
     --with-ld-opt="-fPIC" --add-dynamic-module="$here" >"$out/configure.log" 2>&1) \
    || { tail -n 30 "$out/configure.log"; exit 1; }
  echo "$stamp" > "$work/.configured"
fi
make -s -C "$work" -f objs/Makefile modules >"$out/make.log" 2>&1 || { tail -n 40 "$out/make.log"; exit 1; }
cp "$work/objs/ngx_http_bulwark_module.so" "$out/"
echo "built $out/ngx_http_bulwark_module.so"

# Bulwark: the two commands a newcomer needs are `make demo` and `make test`; both set up
# everything themselves (.venv with maturin, the wheel, the C library and bulwark.pc).
#
#   make demo    build everything, run examples/quickstart.{c,cpp,py}, the nginx module in front of
#                an API (examples/nginx_gateway), then
#                start the reference API service (examples/api_service) and drive a full scenario
#   make serve   start the reference API service on http://127.0.0.1:8000 and leave it running
#   make test    fmt, clippy, Rust tests (dependency guard included), cargo-deny (offline RustSec
#                snapshot, licences, duplicates, bans) and the SBOMs, header freshness, C tests
#                under ASan/UBSan and under valgrind, ruff, mypy --strict, stubtest, pytest — with a throw-away
#                redis-server on loopback
#   make bench   criterion benches + bench/compare.py side by side with the peer libraries;
#                writes BENCHMARKS.md
#   make fuzz    every cargo-fuzz target for FUZZ_SECONDS each (default 60; FUZZ_TARGETS, FUZZ_JOBS)
#                from fuzz/corpus; installs cargo-fuzz, uses RUSTC_BOOTSTRAP=1 (see FUZZING.md)
#   make compat  the peer libraries' own test suites (../shared/peers) against Bulwark, in a venv
#                without the peers; writes COMPATIBILITY.md and tests/compat/baseline.json
#   make nginx-module  build the nginx dynamic module (build/nginx/ngx_http_bulwark_module.so)
#   make abi     record a compatible C ABI change in abi/bulwark-MAJOR.abi (commit it)
#   make header  regenerate include/bulwark.h from ffi/ (commit the result)
#   make lib     build dist/{lib,include} (laid out as installed: libbulwark.so.VERSION, .a, bulwark.h,
#                bulwark.hpp, bulwark.pc, CMake package) and the C library's CycloneDX SBOM
#   make install install the C/C++ library: PREFIX=/usr/local LIBDIR INCLUDEDIR DESTDIR; make uninstall
#   make wheel   build the abi3 wheel (and its SBOM in target/wheels) and install it into .venv

SHELL := /bin/bash
.SHELLFLAGS := -euo pipefail -c
.DEFAULT_GOAL := help

PYTHON ?= python3
CARGO ?= cargo
CC := cc
CXX := c++
VENV := .venv
PY := $(VENV)/bin/python
DIST := $(CURDIR)/dist
BUILD := $(CURDIR)/build
# Native libraries the Rust static library needs (`cargo rustc -- --print native-static-libs`).
NATIVE_LIBS := -lgcc_s -lutil -lrt -lpthread -lm -ldl -lc
VERSION := $(shell sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -n 1)

# Prepended once: a nested make keeps the same value (cargo reruns aws-lc's build when it changes).
export PKG_CONFIG_PATH := $(if $(findstring $(DIST)/lib/pkgconfig,$(PKG_CONFIG_PATH)),$(PKG_CONFIG_PATH),$(DIST)/lib/pkgconfig$(if $(PKG_CONFIG_PATH),:$(PKG_CONFIG_PATH)))
CWARN := -std=c99 -Wall -Wextra -Wpedantic -Werror
CXXWARN := -Wall -Wextra -Wpedantic -Werror
SANITIZE := -g -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all
export ASAN_OPTIONS := detect_leaks=1:abort_on_error=0
export UBSAN_OPTIONS := print_stacktrace=1:halt_on_error=1

.PHONY: help demo serve test check lib-build install uninstall abi check-abi check-cpp check-install check-nginx nginx-module check-rust check-supply-chain check-header check-c check-valgrind check-python check-compat compat compat-run bench fuzz header lib wheel venv clean

help:
	@sed -n 's/^#   //p' Makefile

# ---------------------------------------------------------------------------- set-up
$(VENV)/.stamp: python/requirements-dev.txt
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r python/requirements-dev.txt
	touch $@

venv: $(VENV)/.stamp

# CycloneDX SBOM of one crate's dependency graph (the crates compiled into what it builds):
# $(call sbom,CRATE_DIR,OUTPUT). cargo-cyclonedx (pinned) is installed on first use.
CYCLONEDX_VERSION := 0.5.9
define sbom
	cargo cyclonedx --version 2>/dev/null | grep -q " $(CYCLONEDX_VERSION)$$" || \
	  $(CARGO) install --quiet --locked --version $(CYCLONEDX_VERSION) cargo-cyclonedx
	SOURCE_DATE_EPOCH=$$(git log -1 --format=%ct 2>/dev/null || date +%s) \
	  $(CARGO) cyclonedx -q --manifest-path $(1)/Cargo.toml -f json --spec-version 1.5 --override-filename sbom.cdx
	mv $(1)/sbom.cdx.json $(2)
	rm -f core/sbom.cdx.json aws-lc-extra/sbom.cdx.json ffi/sbom.cdx.json python/sbom.cdx.json
endef

wheel: venv
	rm -rf target/wheels
	$(VENV)/bin/maturin build --release --locked -m python/Cargo.toml -i $(PY) -o target/wheels
	$(PY) -m pip install --quiet --force-reinstall --no-deps target/wheels/bulwark-*.whl
	$(call sbom,python,target/wheels/bulwark-$(VERSION).cdx.json)
	@echo "SBOM of the wheel: target/wheels/bulwark-$(VERSION).cdx.json"

# The library's files, laid out as `make install` lays them out: $(call stage,ROOT,PREFIX,LIBDIR,
# INCLUDEDIR,RPATH) writes under ROOT the versioned shared library (SONAME libbulwark.so.MAJOR)
# with its two links, the static library, bulwark.h and bulwark.hpp, bulwark.pc and the CMake
# package; the paths written into bulwark.pc and the CMake files are PREFIX, LIBDIR, INCLUDEDIR.
MAJOR := $(firstword $(subst ., ,$(VERSION)))
CMAKE_NATIVE_LIBS := gcc_s;util;rt;m;dl
define render
	sed -e 's|@PREFIX@|$(2)|g' -e 's|@LIBDIR@|$(3)|g' -e 's|@INCLUDEDIR@|$(4)|g' -e 's|@RPATH@|$(5)|g' \
	    -e 's|@VERSION@|$(VERSION)|g' -e 's|@MAJOR@|$(MAJOR)|g' -e 's|@NATIVE_LIBS@|$(NATIVE_LIBS)|g' \
	    -e 's|@CMAKE_NATIVE_LIBS@|$(CMAKE_NATIVE_LIBS)|g'
endef
define stage
	install -d $(1)$(3)/pkgconfig $(1)$(3)/cmake/Bulwark $(1)$(4)
	install -m 0755 target/release/libbulwark_ffi.so $(1)$(3)/libbulwark.so.$(VERSION)
	ln -sfn libbulwark.so.$(VERSION) $(1)$(3)/libbulwark.so.$(MAJOR)
	ln -sfn libbulwark.so.$(MAJOR) $(1)$(3)/libbulwark.so
	install -m 0644 target/release/libbulwark_ffi.a $(1)$(3)/libbulwark.a
	install -m 0644 include/bulwark.h include/bulwark.hpp $(1)$(4)/
	$(call render,$(1),$(2),$(3),$(4),$(5)) ffi/bulwark.pc.in > $(1)$(3)/pkgconfig/bulwark.pc
	$(call render,$(1),$(2),$(3),$(4),$(5)) ffi/cmake/BulwarkConfig.cmake.in > $(1)$(3)/cmake/Bulwark/BulwarkConfig.cmake
	$(call render,$(1),$(2),$(3),$(4),$(5)) ffi/cmake/BulwarkConfigVersion.cmake.in > $(1)$(3)/cmake/Bulwark/BulwarkConfigVersion.cmake
endef
INSTALLED_FILES = $(LIBDIR)/libbulwark.so.$(VERSION) $(LIBDIR)/libbulwark.so.$(MAJOR) $(LIBDIR)/libbulwark.so \
  $(LIBDIR)/libbulwark.a $(INCLUDEDIR)/bulwark.h $(INCLUDEDIR)/bulwark.hpp $(LIBDIR)/pkgconfig/bulwark.pc \
  $(LIBDIR)/cmake/Bulwark/BulwarkConfig.cmake $(LIBDIR)/cmake/Bulwark/BulwarkConfigVersion.cmake

lib: lib-build
	rm -f $(DIST)/lib/libbulwark.so*
	$(call stage,,$(DIST),$(DIST)/lib,$(DIST)/include,-Wl$(comma)-rpath$(comma)$${libdir} )
	$(call sbom,ffi,$(DIST)/bulwark-$(VERSION).cdx.json)
	@echo "SBOM of the C library: $(DIST)/bulwark-$(VERSION).cdx.json"
	@echo "C library in $(DIST); use: PKG_CONFIG_PATH=$(DIST)/lib/pkgconfig pkg-config --cflags --libs bulwark"

# Installs the C library like a system library (see `stage`); DESTDIR stages it for packaging.
# As root without DESTDIR, ldconfig refreshes the loader's cache (for LIBDIRs it knows).
PREFIX ?= /usr/local
LIBDIR ?= $(PREFIX)/lib
INCLUDEDIR ?= $(PREFIX)/include
comma := ,
lib-build:
	$(CARGO) build --release --locked -p bulwark-ffi

install: lib-build
	$(call stage,$(DESTDIR),$(PREFIX),$(LIBDIR),$(INCLUDEDIR),)
	# The loader's cache, when installing for real as root (not when staging into DESTDIR).
	if [ -z "$(DESTDIR)" ] && [ "$$(id -u)" = 0 ] && command -v ldconfig >/dev/null; then ldconfig; fi
	@echo "installed Bulwark $(VERSION) under $(DESTDIR)$(PREFIX)"

uninstall:
	rm -f $(addprefix $(DESTDIR),$(INSTALLED_FILES))
	-rmdir $(DESTDIR)$(LIBDIR)/cmake/Bulwark 2>/dev/null
	if [ -z "$(DESTDIR)" ] && [ "$$(id -u)" = 0 ] && command -v ldconfig >/dev/null; then ldconfig; fi
	@echo "removed Bulwark $(VERSION) from $(DESTDIR)$(PREFIX)"

header:
	BULWARK_UPDATE_HEADER=1 $(CARGO) test --release --locked -p bulwark-ffi --test header

# ---------------------------------------------------------------------------- demo
demo: wheel lib nginx-module
	mkdir -p $(BUILD)
	$(CC) $(CWARN) examples/quickstart.c -o $(BUILD)/quickstart $$(pkg-config --cflags --libs bulwark)
	@echo "== examples/quickstart.c"
	$(BUILD)/quickstart
	$(CXX) -std=c++17 $(CXXWARN) examples/quickstart.cpp -o $(BUILD)/quickstart_cpp $$(pkg-config --cflags --libs bulwark)
	@echo "== examples/quickstart.cpp"
	$(BUILD)/quickstart_cpp
	@echo "== examples/nginx_gateway (the nginx module in front of an API)"
	BULWARK_NGINX_MODULE=$(NGINX_MODULE) $(PY) examples/nginx_gateway/demo.py
	@echo "== examples/quickstart.py"
	$(PY) examples/quickstart.py
	@echo "== examples/api_service (reference service on a loopback port, driven over HTTP)"
	$(PY) examples/api_service/demo.py
	@echo "== examples/oauth_demo.py (an authorization server, the reference service as resource server, both flows)"
	$(PY) examples/oauth_demo.py

# The reference service for your own requests (data in build/api_service). Sign-up never grants a
# role: with BULWARK_ADMIN_PASSWORD set, the admin `alice` is created first (once). Drive it from
# another terminal with the same password:
#   BULWARK_ADMIN_PASSWORD=... .venv/bin/python examples/api_service/demo.py --url http://127.0.0.1:8000
serve: wheel
	if [ -n "$${BULWARK_ADMIN_PASSWORD:-}" ]; then \
	  $(PY) examples/api_service/server.py --data-dir $(BUILD)/api_service --create-admin alice || true; \
	else echo "no BULWARK_ADMIN_PASSWORD: no admin account is created"; fi
	BULWARK_ADMIN_USERS=$${BULWARK_ADMIN_USERS:-alice} $(PY) examples/api_service/server.py \
	  --host $${BULWARK_HOST:-127.0.0.1} --port $${BULWARK_PORT:-8000} --data-dir $(BUILD)/api_service

# ---------------------------------------------------------------------------- test
test: wheel lib
	tests/with-redis.sh $(MAKE) --no-print-directory check

check: check-rust check-supply-chain check-header check-abi check-c check-cpp check-install check-nginx check-valgrind check-python check-compat
	@echo "make test: all checks passed"

# cargo-deny over the shipped crate graph against the offline RustSec snapshot, licences,
# duplicate crates, banned crypto backends and sources; the SBOMs make wheel / make lib wrote.
check-supply-chain:
	tests/supply-chain.sh
	$(PY) tests/check_sbom.py target/wheels/bulwark-$(VERSION).cdx.json $(DIST)/bulwark-$(VERSION).cdx.json

check-rust:
	$(CARGO) fmt --all --check
	$(CARGO) clippy --release --locked --workspace --all-targets -- -D warnings
	$(CARGO) test --release --locked --workspace --exclude bulwark-python
	# core without its optional features (what a JWT/AEAD/OTP-only user builds) lints and passes too.
	$(CARGO) clippy --release --locked -p bulwark --no-default-features --all-targets -- -D warnings
	$(CARGO) test --release --locked -p bulwark --no-default-features --lib

# The header must stand alone as C99 (pedantic) and as C++; freshness is a cargo test above.
check-header:
	$(CC) -std=c99 -Wall -Wextra -Wpedantic -Werror -fsyntax-only -x c include/bulwark.h
	$(CXX) -std=c++11 -Wall -Wextra -Wpedantic -Werror -fsyntax-only -x c++ include/bulwark.h
	$(CXX) -std=c++17 $(CXXWARN) -Iinclude -fsyntax-only -x c++ include/bulwark.hpp
	# Ignoring a fallible function's bw_result is a warning (BW_MUST_USE), an error under -Werror.
	if printf '#include "bulwark.h"\nint main(void) { bw_random_bytes(NULL, 0); return 0; }\n' | \
	  $(CC) -std=c99 -Wall -Werror -Iinclude -c -o /dev/null -x c - 2>/dev/null; then \
	  echo "an ignored bw_result compiled without a warning"; exit 1; fi

# The ABI against the committed baseline abi/bulwark-MAJOR.abi (libabigail's abidiff), only bw_*
# exported, the SONAME; and the checker's own verdicts on edited headers. `make abi` records a
# compatible change (it refuses an incompatible one under the same major version).
check-abi:
	tests/abi/check.sh
	tests/abi/selftest.sh

abi: lib
	tests/abi/check.sh --update

# The C++17 header: every handle and error path under ASan/UBSan, then under valgrind.
check-cpp:
	mkdir -p $(BUILD)/cpp
	$(CXX) -std=c++17 $(CXXWARN) $(SANITIZE) tests/cpp/test_bulwark.cpp -o $(BUILD)/cpp/test_bulwark $$(pkg-config --cflags --libs bulwark)
	echo "== tests/cpp/test_bulwark.cpp (C++17, ASan+UBSan)"; $(BUILD)/cpp/test_bulwark
	$(CXX) -std=c++20 $(CXXWARN) -g -O1 tests/cpp/test_bulwark.cpp -o $(BUILD)/cpp/test_bulwark_vg $$(pkg-config --cflags --libs bulwark)
	echo "== tests/cpp/test_bulwark.cpp (C++20, valgrind memcheck)"; $(VALGRIND) $(BUILD)/cpp/test_bulwark_vg

# make install / uninstall into a temporary prefix; C via pkg-config and C++ via CMake, shared and static.
check-install:
	tests/install/check.sh

# The nginx module (integrations/nginx), built against Debian's nginx-dev: its request path under
# ASan/UBSan and valgrind, then a real nginx on loopback driven over HTTP (with Redis).
NGINX_MODULE := $(BUILD)/nginx/ngx_http_bulwark_module.so
nginx-module:
	integrations/nginx/build.sh $(BUILD)/nginx

check-nginx: nginx-module
	$(CC) $(CWARN) $(SANITIZE) integrations/nginx/tests/test_gateway.c integrations/nginx/bulwark_gateway.c \
	  -o $(BUILD)/nginx/test_gateway $$(pkg-config --cflags --libs bulwark)
	echo "== integrations/nginx/tests/test_gateway.c (ASan+UBSan)"; $(BUILD)/nginx/test_gateway
	$(CC) $(CWARN) -g -O1 integrations/nginx/tests/test_gateway.c integrations/nginx/bulwark_gateway.c \
	  -o $(BUILD)/nginx/test_gateway_vg $$(pkg-config --cflags --libs bulwark)
	echo "== integrations/nginx/tests/test_gateway.c (valgrind memcheck)"; $(VALGRIND) $(BUILD)/nginx/test_gateway_vg
	BULWARK_NGINX_MODULE=$(NGINX_MODULE) $(VENV)/bin/pytest -q -p no:cacheprovider tests/nginx

check-c:
	mkdir -p $(BUILD)/c
	for t in tests/c/test_*.c; do \
	  exe=$(BUILD)/c/$$(basename $$t .c); \
	  $(CC) $(CWARN) $(SANITIZE) -pthread $$t -o $$exe $$(pkg-config --cflags --libs bulwark); \
	  echo "== $$t (shared library, ASan+UBSan)"; $$exe; \
	done
	# The static library links on its own too (what pkg-config --static describes).
	$(CC) $(CWARN) $(SANITIZE) tests/c/test_foundation.c -o $(BUILD)/c/test_foundation_static \
	  $$(pkg-config --cflags bulwark) $(DIST)/lib/libbulwark.a $$(pkg-config --libs-only-l --static bulwark | sed 's/-lbulwark//')
	echo "== tests/c/test_foundation.c (static library)"; $(BUILD)/c/test_foundation_static
	$(CC) $(CWARN) $(SANITIZE) examples/quickstart.c -o $(BUILD)/c/quickstart $$(pkg-config --cflags --libs bulwark)
	$(BUILD)/c/quickstart >/dev/null
	$(CXX) -std=c++17 $(CXXWARN) $(SANITIZE) examples/quickstart.cpp -o $(BUILD)/c/quickstart_cpp $$(pkg-config --cflags --libs bulwark)
	$(BUILD)/c/quickstart_cpp >/dev/null
	# The benchmark program must keep compiling too (it is only run by `make bench`).
	$(CC) $(CWARN) -c -o /dev/null bench/aead_bench.c $$(pkg-config --cflags bulwark)
	$(CC) $(CWARN) -c -o /dev/null bench/jwt_bench.c $$(pkg-config --cflags bulwark)
	$(CC) $(CWARN) -c -o /dev/null bench/ratelimit_bench.c $$(pkg-config --cflags bulwark)

# The same C tests without sanitizers under valgrind memcheck: no invalid access, no definite or
# indirect leak (every handle freed, error paths included). valgrind is installed if missing.
VALGRIND := valgrind -q --error-exitcode=1 --leak-check=full --show-leak-kinds=definite,indirect \
            --errors-for-leak-kinds=definite,indirect
check-valgrind:
	command -v valgrind >/dev/null || { echo "installing valgrind with apt-get"; \
	  apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq valgrind >/dev/null; }
	mkdir -p $(BUILD)/valgrind
	for t in tests/c/test_*.c; do \
	  exe=$(BUILD)/valgrind/$$(basename $$t .c); \
	  $(CC) $(CWARN) -g -O1 -pthread $$t -o $$exe $$(pkg-config --cflags --libs bulwark); \
	  echo "== $$t (valgrind memcheck)"; $(VALGRIND) $$exe; \
	done
	# Every function the header exports is called by some C test (and so runs under both checkers).
	missing=$$(grep -oE '^(BW_MUST_USE )?[a-z][a-z0-9_ ]*[ *]+bw_[a-z0-9_]+\(' include/bulwark.h | grep -oE 'bw_[a-z0-9_]+\(' | tr -d '(' | sort -u | \
	  while read -r f; do grep -qw "$$f" tests/c/*.c || echo "$$f"; done); \
	if [ -n "$$missing" ]; then echo "exported but never called by tests/c: $$missing"; exit 1; fi

# The Python that remains in the package is typed and linted: ruff, mypy --strict over the
# installed package (its native half through _native.pyi), and stubtest of that stub.
check-python:
	$(VENV)/bin/ruff check --config python/pyproject.toml python/bulwark
	$(PY) -m mypy --strict -p bulwark
	$(PY) -m mypy.stubtest bulwark._native
	BULWARK_LIB=$(DIST)/lib/libbulwark.so $(VENV)/bin/pytest -q tests/python
	$(PY) examples/quickstart.py >/dev/null

# ---------------------------------------------------------------------------- compat
# The peers' own suites, pinned in ../shared/peers, run by its `run` script in a venv that has the
# suites' requirements and the wheel but never the peers (the import hook stands in for them).
PEERS := $(CURDIR)/../shared/peers
COMPAT_VENV := $(BUILD)/compat-venv
COMPAT_OUT := $(BUILD)/compat

$(COMPAT_VENV)/.stamp: $(PEERS)/requirements.txt
	@test -x $(PEERS)/run || { echo "peer suites not found at $(PEERS): put shared/ beside the repository"; exit 1; }
	rm -rf $(COMPAT_VENV)
	$(PYTHON) -m venv $(COMPAT_VENV)
	$(COMPAT_VENV)/bin/python -m pip install --quiet --upgrade pip
	$(COMPAT_VENV)/bin/python -m pip install --quiet -r $(PEERS)/requirements.txt
	touch $@

compat-run: wheel $(COMPAT_VENV)/.stamp
	$(COMPAT_VENV)/bin/python -m pip install --quiet --force-reinstall --no-deps target/wheels/bulwark-*.whl
	rm -rf $(COMPAT_OUT)
	PEERS_OUT=$(COMPAT_OUT) $(PEERS)/run $(COMPAT_VENV)/bin/python

compat: compat-run
	$(PY) tests/compat/compat.py --results $(COMPAT_OUT) --write

# In `make test`: no suite may pass fewer tests than COMPATIBILITY.md records.
check-compat: compat-run
	$(PY) tests/compat/compat.py --results $(COMPAT_OUT) --check

# ---------------------------------------------------------------------------- bench
bench: wheel lib nginx-module
	$(CARGO) bench --locked -p bulwark --bench core
	mkdir -p $(BUILD)
	$(CC) $(CWARN) -O2 bench/aead_bench.c -o $(BUILD)/aead_bench $$(pkg-config --cflags --libs bulwark)
	$(CC) $(CWARN) -O2 bench/jwt_bench.c -o $(BUILD)/jwt_bench $$(pkg-config --cflags --libs bulwark)
	$(CC) $(CWARN) -O2 -pthread bench/ratelimit_bench.c -o $(BUILD)/ratelimit_bench $$(pkg-config --cflags --libs bulwark)
	BULWARK_NGINX_MODULE=$(NGINX_MODULE) BULWARK_C_BENCH=$(BUILD)/aead_bench BULWARK_C_JWT_BENCH=$(BUILD)/jwt_bench BULWARK_C_RL_BENCH=$(BUILD)/ratelimit_bench tests/with-redis.sh $(PY) bench/compare.py --write BENCHMARKS.md

# ---------------------------------------------------------------------------- fuzz
fuzz:
	fuzz/run.sh

clean:
	rm -rf $(VENV) $(DIST) $(BUILD) target/wheels
	$(CARGO) clean

# hull: the two commands that matter are `make demo` and `make check` (README.md).
# meson + ninja do the building; this file installs what is missing and runs suites.

SHELL := /bin/bash
BUILD ?= build
BUILD_SAN ?= build-san
BUILD_FUZZ ?= build-fuzz
BUILD_REL ?= build-release

# Debian 12 packages hull needs to build and test. bench/ installs its own anchors.
DEPS := meson ninja-build pkg-config gcc clang clang-format libclang-rt-14-dev \
	libseccomp-dev libjansson-dev libssl-dev libcmocka-dev libarchive-dev \
	python3 python3-pytest busybox-static iproute2 podman conmon crun netavark \
	qemu-system-x86 linux-image-cloud-amd64 \
	libcurl4-openssl-dev docker-registry skopeo openssl umoci zstd debootstrap \
	rpm libsqlite3-dev \
	python3-packaging ruby maven

.PHONY: all deps build build-san build-fuzz build-release check demo fuzz bench clean format

all: build

# Idempotent and quiet when everything is there: ask dpkg, install only what is missing.
deps:
	@missing=$$(for p in $(DEPS); do \
		dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q 'install ok installed' || echo $$p; \
	done); \
	if [ -n "$$missing" ]; then \
		echo "deps: installing" $$missing; \
		export DEBIAN_FRONTEND=noninteractive; \
		apt-get update -qq >/dev/null && apt-get install -y -qq --no-install-recommends $$missing >/dev/null \
			|| { echo "deps: apt-get install failed for:" $$missing >&2; exit 1; }; \
	fi
	@# The JSON-schema validator the scan tests use (tests/schema/package.json, locked).
	@if [ ! -d tests/schema/node_modules ]; then \
		(cd tests/schema && npm ci --no-audit --no-fund --ignore-scripts --loglevel=error >/dev/null) \
			|| { echo "deps: npm ci in tests/schema failed" >&2; exit 1; }; \
	fi

$(BUILD)/build.ninja:
	@meson setup $(BUILD) --buildtype=debug -Dwerror=true >/dev/null

$(BUILD_SAN)/build.ninja:
	@meson setup $(BUILD_SAN) --buildtype=debug -Dwerror=true \
		-Db_sanitize=address,undefined -Db_lundef=false >/dev/null

$(BUILD_REL)/build.ninja:
	@meson setup $(BUILD_REL) --buildtype=release -Dwerror=true -Dtests=false >/dev/null

$(BUILD_FUZZ)/build.ninja:
	@CC=clang meson setup $(BUILD_FUZZ) --buildtype=debug -Dwerror=true -Dfuzz=true \
		-Dc_args=-fsanitize=fuzzer-no-link \
		-Db_sanitize=address,undefined -Db_lundef=false >/dev/null

build: deps $(BUILD)/build.ninja
	@ninja -C $(BUILD) --quiet

build-san: deps $(BUILD_SAN)/build.ninja
	@ninja -C $(BUILD_SAN) --quiet

build-fuzz: deps $(BUILD_FUZZ)/build.ninja
	@ninja -C $(BUILD_FUZZ) --quiet

check: build build-san build-fuzz
	@tools/run-checks --build $(BUILD) --san $(BUILD_SAN) --fuzz $(BUILD_FUZZ)

demo: build
	@tools/demo $(BUILD)/src/cli/hull

fuzz: build-fuzz
	@tools/run-fuzz $(BUILD_FUZZ) 300

# Benchmarks measure the optimised build, not the debug one.
build-release: deps $(BUILD_REL)/build.ninja
	@ninja -C $(BUILD_REL) --quiet

bench: build-release
	@bench/run-latency $(BUILD_REL)/src/cli/hull

format:
	@git ls-files '*.c' '*.h' | xargs clang-format -i

clean:
	rm -rf $(BUILD) $(BUILD_SAN) $(BUILD_FUZZ) $(BUILD_REL)

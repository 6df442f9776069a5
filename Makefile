# Thin wrapper over CMake/CTest. `make run` and `make test` work on a fresh Debian 12 machine.
BUILD     ?= build
SAN_BUILD ?= build-san
JOBS      ?= $(shell nproc)
DLASIM     = $(BUILD)/bin/dlasim

.PHONY: run test deps build build-san clean

deps:
	@scripts/install-deps.sh

build: deps
	cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=Release
	cmake --build $(BUILD) -j $(JOBS)

# Compile and simulate ResNet-50 (2x3x224x224, INT8) on one DLA of Jetson AGX Orin 64GB at MAXN.
run: build
	@mkdir -p out
	$(DLASIM) run $(BUILD)/models/resnet50.onnx --config orin-agx-64gb --power-mode MAXN --int8 \
	    --trace out/resnet50.h5

build-san: deps
	cmake -S . -B $(SAN_BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo -DDLASIM_SANITIZE=ON
	cmake --build $(SAN_BUILD) -j $(JOBS)

# Every test (GoogleTest suites + command-line tests) on the ASan+UBSan build.
test: build-san
	ctest --test-dir $(SAN_BUILD) --output-on-failure -j $(JOBS) --timeout 900

clean:
	rm -rf $(BUILD) $(SAN_BUILD) out

# The runtime (docs/runtime.md): repeated inferences, several networks per core, the 16-loadable rule,
# two hybrid networks sharing one GPU; included from tests/system/CMakeLists.txt (uses
# dlasim_cli_test, DLASIM_BIN, ZOO, WORK).
add_test(NAME cli.runtime_end_to_end COMMAND ${DLASIM_PYTHON} ${CMAKE_CURRENT_SOURCE_DIR}/runtime_check.py
  ${DLASIM_BIN} ${ZOO} ${WORK})
set_tests_properties(cli.runtime_end_to_end PROPERTIES
  ENVIRONMENT "DLASIM_CONFIG_DIR=${PROJECT_SOURCE_DIR}/configs;ASAN_OPTIONS=detect_leaks=1:detect_stack_use_after_return=0"
  TIMEOUT 600)

dlasim_cli_test(NAME runtime_tiny_loadable FIXTURE runtime_tiny ARGS --exit 0 --rm ${WORK}/rt_limit.dlal
  --exists ${WORK}/rt_limit.dlal -- ${DLASIM_BIN} compile ${ZOO}/tiny_cnn.onnx --int8 -o ${WORK}/rt_limit.dlal)
# TensorRT's rule: 16 DLA loadables per core. 16 copies of a one-subgraph network fit on core 0...
set(_rt16)
foreach(i RANGE 1 15)
  list(APPEND _rt16 --loadable ${WORK}/rt_limit.dlal)
endforeach()
dlasim_cli_test(NAME runtime_sixteen_loadables_fit REQUIRES runtime_tiny ARGS --exit 0
  --stdout "tiny_cnn \\+ tiny_cnn" -- ${DLASIM_BIN} run ${WORK}/rt_limit.dlal ${_rt16})
# ... a 17th is refused before any simulation, naming the core and the count ...
dlasim_cli_test(NAME runtime_seventeen_loadables_refused REQUIRES runtime_tiny ARGS --exit 1 --one-line-stderr
  --stderr "DLA core 0 would hold 17 DLA loadables" --stderr "at most 16" --rm ${WORK}/rt_never.h5
  --absent ${WORK}/rt_never.h5
  -- ${DLASIM_BIN} run ${WORK}/rt_limit.dlal ${_rt16} --loadable ${WORK}/rt_limit.dlal --trace ${WORK}/rt_never.h5)
# ... and spread over two cores (network j on core j mod 2) the 17 fit.
dlasim_cli_test(NAME runtime_seventeen_loadables_on_two_cores REQUIRES runtime_tiny ARGS --exit 0
  --stdout "on each of 2 cores" -- ${DLASIM_BIN} run ${WORK}/rt_limit.dlal ${_rt16} --loadable ${WORK}/rt_limit.dlal
  --cores 2)
# A GPU-fallback network counts one loadable per DLA subgraph: model_gn has 5, so 4 copies are 20.
dlasim_cli_test(NAME runtime_subgraphs_count_toward_the_limit ARGS --exit 1 --one-line-stderr
  --stderr "DLA core 0 would hold 20 DLA loadables" --stderr "'model_gn' 5"
  -- ${DLASIM_BIN} run ${ZOO}/model_gn.onnx ${ZOO}/model_gn.onnx ${ZOO}/model_gn.onnx ${ZOO}/model_gn.onnx
  --int8 --allowGPUFallback)

# --iterations / --warmUp values.
dlasim_cli_test(NAME runtime_iterations_zero ARGS --exit 2 --one-line-stderr --stderr "--iterations: expected an inference count, 1 to 2048"
  --stderr "'0'" -- ${DLASIM_BIN} run ${ZOO}/tiny_cnn.onnx --iterations 0)
dlasim_cli_test(NAME runtime_warmup_not_a_number ARGS --exit 2 --one-line-stderr --stderr "--warmUp: expected an inference count"
  --stderr "'two'" -- ${DLASIM_BIN} run ${ZOO}/tiny_cnn.onnx --warmUp two)
dlasim_cli_test(NAME runtime_iterations_report ARGS --exit 0
  --stdout "^inferences \\(SIMULATED\\) of 'tiny_cnn' on DLA0: 3 simulated back to back \\(1 warm-up, 2 timed\\)$"
  --stdout "^  first latency " --stdout "^  steady state .* ms per inference"
  --stdout "^  latency +min [0-9.]+, mean [0-9.]+, median [0-9.]+, p90 [0-9.]+, p95 [0-9.]+, p99 [0-9.]+, max [0-9.]+ ms"
  -- ${DLASIM_BIN} run ${ZOO}/tiny_cnn.onnx --iterations 2 --warmUp 1)

# GPU fallback with `dlasim compile` / `dlasim run` (docs/runtime.md); included from
# tests/system/CMakeLists.txt (uses dlasim_cli_test, DLASIM_BIN, ZOO, WORK).
dlasim_cli_test(NAME fallback_compile_gn FIXTURE fallback_gn_loadable ARGS --exit 0
  --stdout "^\\[DlaLayer\\] \\{ForeignNode\\[Conv_0\\]\\}$" --stdout "^\\[GpuLayer\\] InstanceNormalization_5 "
  --stdout "^GPU fallback: node 'Reshape_2' \\(Reshape\\)" --stdout "^wrote .*fallback_gn.dlal"
  --rm ${WORK}/fallback_gn.dlal --exists ${WORK}/fallback_gn.dlal
  -- ${DLASIM_BIN} compile ${ZOO}/model_gn.onnx --int8 --allowGPUFallback -v -o ${WORK}/fallback_gn.dlal)
dlasim_cli_test(NAME fallback_inspect_segments REQUIRES fallback_gn_loadable ARGS --exit 0
  --stdout "^segments  9 \\(5 DLA subgraphs, 12 GPU layers\\)$" --stdout "GPU Reshape_2: GPU layers .0, 3.,"
  -- ${DLASIM_BIN} inspect ${WORK}/fallback_gn.dlal)
dlasim_cli_test(NAME fallback_run_two_cores REQUIRES fallback_gn_loadable ARGS --exit 0
  --stdout "Reformat\\+sy" --stdout " GPU " --stdout "on each of 2 cores"
  -- ${DLASIM_BIN} run ${WORK}/fallback_gn.dlal --cores 2)
dlasim_cli_test(NAME fallback_run_functional_refused REQUIRES fallback_gn_loadable ARGS --exit 1 --one-line-stderr
  --stderr "--functional: network 'model_gn' has 12 GPU-fallback layer" --stderr "computes no data"
  --rm ${WORK}/fallback_never.h5 --absent ${WORK}/fallback_never.h5
  -- ${DLASIM_BIN} run ${WORK}/fallback_gn.dlal --functional --trace ${WORK}/fallback_never.h5)
dlasim_cli_test(NAME fallback_rewrite_reported ARGS --exit 0
  --stdout "^rewrite gap-to-avgpool: node 'GlobalAveragePool_12' \\(GlobalAveragePool\\) -> AveragePool 2x2 on the DLA$"
  --rm ${WORK}/fallback_bn.dlal -- ${DLASIM_BIN} compile ${ZOO}/model_bn.onnx --int8 -v -o ${WORK}/fallback_bn.dlal)

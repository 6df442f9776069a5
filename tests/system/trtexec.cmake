# `dlasim trtexec`: NVIDIA's trtexec command lines for the DLA (docs/trtexec.md); included from
# tests/system/CMakeLists.txt (uses dlasim_cli_test, DLASIM_BIN, ZOO, WORK).
set(TRT ${DLASIM_BIN} trtexec)
set(TRT_TINY --onnx=${ZOO}/tiny_cnn.onnx)

dlasim_cli_test(NAME trtexec_help ARGS --exit 0 --stdout "usage: dlasim trtexec" --stdout "--useDLACore"
  -- ${TRT} --help)

# NVIDIA's ResNet-50 line (orin-facts §4), with the zoo's model and its input name.
dlasim_cli_test(NAME trtexec_resnet50_nvidia FIXTURE trt_r50_engine ARGS --exit 0
  --stdout "^\\[I\\] dlasim: all times below are SIMULATED" --stdout "=== Performance summary ==="
  --stdout "^\\[I\\] Throughput: [0-9.]+ qps" --stdout "^\\[I\\] Latency: min = [0-9.]+ ms, max = .* percentile\\(90%\\)"
  --stdout "^\\[I\\] GPU Compute Time: " --stdout "^\\[I\\] Total GPU Compute Time: "
  --stdout "---------- Layers Running on DLA ----------"
  --stdout "^\\[I\\] \\[TRT\\] \\[DlaLayer\\] \\{ForeignNode\\[Conv_0\\.\\.\\.Conv_173\\]\\}$"
  --stdout "---------- Layers Running on GPU ----------" --stdout "^\\[V\\] dlasim: --memPoolSize=dlaSRAM:1: the dlaSRAM pool"
  --stdout "^sram: [0-9]+ of 1048576 pool bytes planned"
  --stdout "^&&&& PASSED" --rm ${WORK}/trt_r50.engine --exists ${WORK}/trt_r50.engine
  -- ${TRT} --onnx=${ZOO}/resnet50.onnx --useDLACore=0 --int8 --memPoolSize=dlaSRAM:1 --inputIOFormats=int8:dla_hwc4
  --outputIOFormats=int8:chw32 --shapes=input:2x3x224x224 --saveEngine=${WORK}/trt_r50.engine --iterations=100
  --verbose --simIterations=1)

# Every flag's bad values refused before anything runs; the ignored flags noted; query counts.
add_test(NAME cli.trtexec_flags COMMAND ${DLASIM_PYTHON} ${CMAKE_CURRENT_SOURCE_DIR}/trtexec_flags_check.py
  ${DLASIM_BIN} ${ZOO}/tiny_cnn.onnx)
set_tests_properties(cli.trtexec_flags PROPERTIES
  ENVIRONMENT "DLASIM_CONFIG_DIR=${PROJECT_SOURCE_DIR}/configs;ASAN_OPTIONS=detect_leaks=1:detect_stack_use_after_return=0"
  TIMEOUT 300)

# Build + load + exports, checked against `dlasim run` and the definitions in docs/trtexec.md.
add_test(NAME cli.trtexec_resnet50_exports COMMAND ${DLASIM_PYTHON} ${CMAKE_CURRENT_SOURCE_DIR}/trtexec_check.py
  ${DLASIM_BIN} ${ZOO}/resnet50.onnx ${WORK})
set_tests_properties(cli.trtexec_resnet50_exports PROPERTIES
  ENVIRONMENT "DLASIM_CONFIG_DIR=${PROJECT_SOURCE_DIR}/configs;ASAN_OPTIONS=detect_leaks=1:detect_stack_use_after_return=0"
  TIMEOUT 900)

# The loadable is built for batch 2: another batch needs a rebuild, as a TensorRT engine does.
dlasim_cli_test(NAME trtexec_load_engine_other_batch REQUIRES trt_r50_engine ARGS --exit 1 --one-line-stderr
  --stderr "input 'input'" --stderr "built for batch 2" -- ${TRT} --loadEngine=${WORK}/trt_r50.engine
  --shapes=input:4x3x224x224)
dlasim_cli_test(NAME trtexec_load_engine_not_loadable ARGS --exit 1 --one-line-stderr --stderr "tiny_cnn.onnx"
  --stderr "not a loadable" -- ${TRT} --loadEngine=${ZOO}/tiny_cnn.onnx)

# --shapes that only changes the batch compiles for that batch; 0 ms warm-up, 0 s duration: exactly
# --iterations queries.
dlasim_cli_test(NAME trtexec_shapes_batch ARGS --exit 0 --stdout "a batch of 4 each on DLA core 0"
  --stdout "4 images per query" --stdout "^\\[I\\] Warmup completed 0 queries" --stdout "Timing trace has 5 queries"
  -- ${TRT} ${TRT_TINY} --fp16 --shapes input:4x3x12x12 --warmUp=0 --duration=0 --iterations=5)

# --- errors: one line on stderr, no output file ---------------------------------------------------
dlasim_cli_test(NAME trtexec_needs_precision ARGS --exit 1 --one-line-stderr --stderr "INT8 or FP16"
  --stderr "--int8 or --fp16" --rm ${WORK}/trt_never.engine --absent ${WORK}/trt_never.engine
  -- ${TRT} ${TRT_TINY} --useDLACore=0 --saveEngine=${WORK}/trt_never.engine)
dlasim_cli_test(NAME trtexec_unknown_flag ARGS --exit 2 --one-line-stderr --stderr "unknown option '--noSuchFlag'"
  -- ${TRT} ${TRT_TINY} --int8 --noSuchFlag=1)
dlasim_cli_test(NAME trtexec_no_model ARGS --exit 2 --one-line-stderr --stderr "--onnx=MODEL.onnx or --loadEngine"
  -- ${TRT} --int8)
dlasim_cli_test(NAME trtexec_bad_shapes ARGS --exit 1 --one-line-stderr --stderr "input 'input'"
  --stderr "dimension 2 = 16" --stderr "fixes it to 12" --rm ${WORK}/trt_never_prof.json --absent ${WORK}/trt_never_prof.json
  -- ${TRT} ${TRT_TINY} --int8 --shapes=input:1x3x16x16 --exportProfile=${WORK}/trt_never_prof.json)
dlasim_cli_test(NAME trtexec_shapes_unknown_input ARGS --exit 1 --one-line-stderr --stderr "names 'data', which is not a network input"
  --stderr "'input'" -- ${TRT} ${TRT_TINY} --int8 --shapes=data:1x3x12x12)
dlasim_cli_test(NAME trtexec_shapes_malformed ARGS --exit 2 --one-line-stderr --stderr "input 'input'"
  --stderr "not a positive integer" -- ${TRT} ${TRT_TINY} --int8 --shapes=input:1x3xtwelve)
dlasim_cli_test(NAME trtexec_bogus_io_format ARGS --exit 1 --one-line-stderr --stderr "'bogus'"
  --stderr "not a TensorRT tensor format" -- ${TRT} ${TRT_TINY} --int8 --inputIOFormats=int8:bogus)
dlasim_cli_test(NAME trtexec_non_dla_io_format ARGS --exit 1 --one-line-stderr --stderr "fp32:chw"
  --stderr "not a DLA input format" -- ${TRT} ${TRT_TINY} --int8 --inputIOFormats=fp32:chw)
dlasim_cli_test(NAME trtexec_hwc4_output ARGS --exit 1 --one-line-stderr --stderr "int8:dla_hwc4"
  --stderr "not a DLA output format" -- ${TRT} ${TRT_TINY} --int8 --outputIOFormats=int8:dla_hwc4)
# --sparsity=force prunes ResNet-50 to 2:4 on Orin; Xavier has no sparse support: a clear error.
dlasim_cli_test(NAME trtexec_sparsity_force ARGS --exit 0 --stdout "^&&&& PASSED"
  -- ${TRT} --onnx=${ZOO}/resnet50.onnx --int8 --useDLACore=0 --sparsity=force --config orin-agx-64gb
  --simIterations=1)
dlasim_cli_test(NAME trtexec_sparsity_force_xavier ARGS --exit 1 --one-line-stderr --stderr "sparsity force"
  --stderr "xavier-agx" --stderr "sparsity_2_4 is off" -- ${TRT} ${TRT_TINY} --int8 --sparsity=force --config xavier-agx)
dlasim_cli_test(NAME trtexec_core_beyond_config ARGS --exit 1 --one-line-stderr
  --stderr "--useDLACore=1: config 'nv_small' has 1 DLA core" -- ${TRT} ${TRT_TINY} --int8 --useDLACore=1 --config nv_small)
dlasim_cli_test(NAME trtexec_gpu_layers ARGS --exit 1 --one-line-stderr --stderr "model_gn.onnx"
  --stderr "InstanceNormalization" --stderr "without GPU fallback" --rm ${WORK}/trt_gn.engine
  --absent ${WORK}/trt_gn.engine
  -- ${TRT} --onnx=${ZOO}/model_gn.onnx --int8 --useDLACore=0 --saveEngine=${WORK}/trt_gn.engine)
# --exportTimes writes one entry per timed query; 1e5 s of any network under 100 ms is over 1e6
# queries: refused before any file (the engine included) is written.
dlasim_cli_test(NAME trtexec_export_times_too_many ARGS --exit 1 --one-line-stderr --stderr "--exportTimes"
  --stderr "--duration=0" --rm ${WORK}/trt_many.json --rm ${WORK}/trt_many.engine --absent ${WORK}/trt_many.json
  --absent ${WORK}/trt_many.engine
  -- ${TRT} ${TRT_TINY} --int8 --duration=100000 --exportTimes=${WORK}/trt_many.json --saveEngine=${WORK}/trt_many.engine)

# --- GPU fallback (docs/runtime.md): the tutorial's model_gn / model_bn -----------------------------
set(TRT_GN --onnx=${ZOO}/model_gn.onnx --shapes=input:32x3x32x32 --int8 --useDLACore=0)
dlasim_cli_test(NAME trtexec_model_gn_fallback ARGS --exit 0
  --stdout "^\\[I\\] \\[TRT\\] \\[DlaLayer\\] \\{ForeignNode\\[Conv_0\\]\\}$"
  --stdout "^\\[I\\] \\[TRT\\] \\[DlaLayer\\] \\{ForeignNode\\[Mul_8\\.\\.\\.Conv_11\\]\\}$"
  --stdout "^\\[I\\] \\[TRT\\] \\[DlaLayer\\] \\{ForeignNode\\[Gemm_46\\]\\}$"
  --stdout "^\\[I\\] \\[TRT\\] \\[GpuLayer\\] InstanceNormalization_5$"
  --stdout "^\\[I\\] \\[TRT\\] \\[GpuLayer\\] GlobalAveragePool_44$" --stdout "^\\[I\\] Throughput: [0-9.]+ qps"
  --stdout "GPU fallback, per simulated inference: of [0-9.]+ ms, DLA subgraphs \\(and driver\\) [0-9.]+ ms, 15 GPU layer\\(s\\) [0-9.]+ ms, 8 DLA<->GPU boundaries"
  --stdout "^&&&& PASSED" -- ${TRT} ${TRT_GN} --allowGPUFallback --gap=gpu --useSpinWait --separateProfileRun
  --idleTime=0 --memPoolSize=dlaSRAM:1 --iterations=2 --warmUp=0 --duration=0)
dlasim_cli_test(NAME trtexec_model_bn_gap_rewrite ARGS --exit 0
  --stdout "^\\[I\\] \\[TRT\\] \\[DlaLayer\\] \\{ForeignNode\\[Conv_0\\.\\.\\.Gemm_14\\]\\}$"
  --stdout "---------- Layers Running on GPU ----------" --stdout "^&&&& PASSED"
  -- ${TRT} --onnx=${ZOO}/model_bn.onnx --shapes=input:32x3x32x32 --int8 --useDLACore=0 --allowGPUFallback
  --duration=0 --warmUp=0 --iterations=2)
dlasim_cli_test(NAME trtexec_model_gn_needs_fallback ARGS --exit 1 --one-line-stderr
  --stderr "12 layers cannot run on the DLA without GPU fallback" --stderr "node 'InstanceNormalization_5'"
  --rm ${WORK}/fb_never.json --absent ${WORK}/fb_never.json -- ${TRT} ${TRT_GN} --exportProfile=${WORK}/fb_never.json)
dlasim_cli_test(NAME trtexec_standalone_refuses_gpu_layers ARGS --exit 1 --one-line-stderr
  --stderr "--buildDLAStandalone: 12 layer" --stderr "'Reshape_2'"
  -- ${TRT} ${TRT_GN} --allowGPUFallback --buildDLAStandalone)
dlasim_cli_test(NAME trtexec_gap_bad_value ARGS --exit 2 --one-line-stderr --stderr "--gap: expected dla"
  --stderr "'cpu'" -- ${TRT} ${TRT_GN} --allowGPUFallback --gap=cpu)
dlasim_cli_test(NAME trtexec_gap_gpu_needs_fallback ARGS --exit 1 --one-line-stderr
  --stderr "GlobalAveragePool_12" --stderr "needs GPU fallback"
  -- ${TRT} --onnx=${ZOO}/model_bn.onnx --int8 --useDLACore=0 --gap=gpu)
# Split, throughput order, profile sums and timeline coverage, checked independently.
add_test(NAME cli.trtexec_gpu_fallback_tutorial COMMAND ${DLASIM_PYTHON} ${CMAKE_CURRENT_SOURCE_DIR}/fallback_check.py
  ${DLASIM_BIN} ${ZOO} ${WORK})
set_tests_properties(cli.trtexec_gpu_fallback_tutorial PROPERTIES
  ENVIRONMENT "DLASIM_CONFIG_DIR=${PROJECT_SOURCE_DIR}/configs;ASAN_OPTIONS=detect_leaks=1:detect_stack_use_after_return=0"
  TIMEOUT 600)

# --calib=FILE is TensorRT's calibration cache: written by the first build, read by the second (whose
# unknown-tensor check proves it was read: a cache naming a tensor the model lacks is refused).
dlasim_cli_test(NAME trtexec_calib_cache_written FIXTURE trt_calib_cache ARGS --exit 0 --stdout "^&&&& PASSED"
  --rm ${WORK}/trt_tiny.cache --exists ${WORK}/trt_tiny.cache
  -- ${TRT} ${TRT_TINY} --int8 --calib=${WORK}/trt_tiny.cache)
add_test(NAME cli.trtexec_calib_cache_corrupt COMMAND sh -c
  "cp ${WORK}/trt_tiny.cache ${WORK}/trt_tiny_bad.cache && echo 'no_such_tensor: 3c010204' >> ${WORK}/trt_tiny_bad.cache")
set_tests_properties(cli.trtexec_calib_cache_corrupt PROPERTIES FIXTURES_REQUIRED trt_calib_cache
  FIXTURES_SETUP trt_calib_bad)
dlasim_cli_test(NAME trtexec_calib_cache_read REQUIRES trt_calib_bad ARGS --exit 1 --one-line-stderr
  --stderr "no_such_tensor" -- ${TRT} ${TRT_TINY} --int8 --calib=${WORK}/trt_tiny_bad.cache)

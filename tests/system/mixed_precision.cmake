# Per-layer precision (docs/compiler.md "Mixed precision"); included from tests/system/CMakeLists.txt
# (uses dlasim_cli_test, DLASIM_BIN, DLASIM_PYTHON, ZOO, WORK, FUNC, REFDIR).
# Functional: INT8 networks with FP16 layers, bit-exact against the independent mixed reference
# (fp16_ref.py runs INT8 ops as int8_ref.py does and FP16 ops in binary16/binary32), bounded against
# FP32. Measured: 1.1-2.4 % of the range (the INT8 layers dominate); asserted 5 %.
set(MIXED_ENV "DLASIM_CONFIG_DIR=${PROJECT_SOURCE_DIR}/configs;ASAN_OPTIONS=detect_leaks=1:detect_stack_use_after_return=0")
foreach(case "tiny_cnn:orin-agx-64gb:Conv_3:fp16" "tiny_residual:nv_full:Conv_6:fp16"
             "model_bn:orin-agx-64gb:Conv_3:fp16,Gemm_14:fp16")
  string(REPLACE ":" ";" parts "${case}")
  list(GET parts 0 net)
  list(GET parts 1 cfg)
  list(SUBLIST parts 2 -1 spec)
  string(REPLACE ";" ":" spec "${spec}")
  add_test(NAME functional_mixed.${net}.${cfg}
    COMMAND ${FUNC} ${DLASIM_BIN} ${DLASIM_PYTHON} ${REFDIR} ${ZOO}/${net}.onnx ${cfg} ${WORK}/funcmx_${net}_${cfg}
            0.05 fp16_ref.py --layerPrecisions=${spec})
  set_tests_properties(functional_mixed.${net}.${cfg} PROPERTIES ENVIRONMENT "${MIXED_ENV}" TIMEOUT 900)
endforeach()

# INT8 fallback to FP16 (TensorRT's DLA behaviour): tiny_mixed's Clip fixes its INT8 scale, which the
# concat it writes into cannot take (rule concat.int8_range), so both concat producers run in FP16
# and the next conv reads an INT8 conversion. Measured: 2.3 % of the range; asserted 5 %.
set(TINY_MIXED ${WORK}/tiny_mixed.onnx)
add_test(NAME cli.make_tiny_mixed
  COMMAND ${DLASIM_PYTHON} -B ${CMAKE_CURRENT_SOURCE_DIR}/tiny_mixed.py --out ${TINY_MIXED})
set_tests_properties(cli.make_tiny_mixed PROPERTIES FIXTURES_SETUP tiny_mixed)
foreach(cfg orin-agx-64gb nv_full)
  add_test(NAME functional_mixed.tiny_mixed.${cfg}
    COMMAND ${FUNC} ${DLASIM_BIN} ${DLASIM_PYTHON} ${REFDIR} ${TINY_MIXED} ${cfg} ${WORK}/funcmx_tiny_mixed_${cfg}
            0.05 fp16_ref.py)
  set_tests_properties(functional_mixed.tiny_mixed.${cfg} PROPERTIES FIXTURES_REQUIRED tiny_mixed
    ENVIRONMENT "${MIXED_ENV}" TIMEOUT 900)
endforeach()
dlasim_cli_test(NAME mixed_fallback_reported REQUIRES tiny_mixed ARGS --exit 0
  --stdout "layer 'Conv_2 [+] Clip_3' falls back to fp16" --stdout "rule concat.int8_range"
  --stdout "Concat_4_out -> int8"
  -- ${DLASIM_BIN} compile ${TINY_MIXED} -v -o ${WORK}/tiny_mixed.dlal)
# nv_small has no FP16: the fallback is impossible and the INT8 rule's error stands.
dlasim_cli_test(NAME mixed_no_fallback_without_fp16 REQUIRES tiny_mixed ARGS --exit 1 --one-line-stderr
  --stderr "rule concat.int8_range"
  -- ${DLASIM_BIN} compile ${TINY_MIXED} --config nv_small -o ${WORK}/never_mixed.dlal)
# --layerPrecisions names ONNX nodes of DLA layers; int8 entries need an INT8 network.
dlasim_cli_test(NAME layer_precisions_unknown_node ARGS --exit 1 --one-line-stderr
  --stderr "names 'Conv_99', which is no node of a DLA layer"
  -- ${DLASIM_BIN} compile ${ZOO}/tiny_cnn.onnx --layerPrecisions=Conv_99:fp16 -o ${WORK}/never_lp.dlal)
dlasim_cli_test(NAME layer_precisions_int8_in_fp16_network ARGS --exit 1 --one-line-stderr
  --stderr "asks for int8 in an fp16 network"
  -- ${DLASIM_BIN} compile ${ZOO}/tiny_cnn.onnx --fp16 --layerPrecisions=Conv_3:int8 -o ${WORK}/never_lp.dlal)

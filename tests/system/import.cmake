# Import, calibration and in-place Concat (docs/compiler.md, docs/dla-rules.md); included from
# tests/system/CMakeLists.txt (uses dlasim_cli_test, DLASIM_BIN, DLASIM_PYTHON, ZOO, WORK, FUNC, REFDIR).

# Channel Concat written in place: bit-exact against the independent INT8 reference (which executes
# the loadable's surfaces, so it checks the channel offsets and strides), bounded against FP32.
# Measured: 2.9 % of the range; asserted: 5 %.
set(TINY_CONCAT ${WORK}/tiny_concat.onnx)
add_test(NAME cli.make_tiny_concat
  COMMAND ${DLASIM_PYTHON} -B ${CMAKE_CURRENT_SOURCE_DIR}/tiny_concat.py --out ${TINY_CONCAT})
set_tests_properties(cli.make_tiny_concat PROPERTIES FIXTURES_SETUP tiny_concat)
foreach(cfg orin-agx-64gb nv_small)
  add_test(NAME functional.tiny_concat.${cfg}
    COMMAND ${FUNC} ${DLASIM_BIN} ${DLASIM_PYTHON} ${REFDIR} ${TINY_CONCAT} ${cfg} ${WORK}/func_tiny_concat_${cfg} 0.05)
  set_tests_properties(functional.tiny_concat.${cfg} PROPERTIES FIXTURES_REQUIRED tiny_concat
    ENVIRONMENT "DLASIM_CONFIG_DIR=${PROJECT_SOURCE_DIR}/configs;ASAN_OPTIONS=detect_leaks=1:detect_stack_use_after_return=0"
    TIMEOUT 900)
endforeach()

# TensorRT calibration cache: written after entropy calibration, read back by a second compile that
# then skips calibration and writes the same loadable.
dlasim_cli_test(NAME calib_cache_write FIXTURE tiny_cache ARGS --exit 0 --rm ${WORK}/tiny.cache
  --exists ${WORK}/tiny.cache --exists ${WORK}/tiny_cal1.dlal
  -- ${DLASIM_BIN} compile ${ZOO}/tiny_cnn.onnx --calib-algo=entropy --calib-cache-out ${WORK}/tiny.cache
  -o ${WORK}/tiny_cal1.dlal)
dlasim_cli_test(NAME calib_cache_read_same_loadable REQUIRES tiny_cache ARGS --exit 0
  -- sh -c "\"$0\" compile \"$1\" --calib-cache \"$2\" -o \"$3\" && cmp \"$3\" \"$4\""
  ${DLASIM_BIN} ${ZOO}/tiny_cnn.onnx ${WORK}/tiny.cache ${WORK}/tiny_cal2.dlal ${WORK}/tiny_cal1.dlal)
dlasim_cli_test(NAME calib_cache_foreign REQUIRES tiny_cache ARGS --exit 1 --one-line-stderr
  --stderr "foreign.cache: 1 tensor of the calibration cache is not in tiny_cnn.onnx"
  --stderr "made for another network" --absent ${WORK}/never_foreign.dlal
  -- sh -c "cat \"$2\" > \"$1\" && echo 'not_a_tensor: 3f000000' >> \"$1\" && exec \"$0\" compile \"$3\" --calib-cache \"$1\" -o \"$4\""
  ${DLASIM_BIN} ${WORK}/foreign.cache ${WORK}/tiny.cache ${ZOO}/tiny_cnn.onnx ${WORK}/never_foreign.dlal)
dlasim_cli_test(NAME calib_algo_bad ARGS --exit 2 --one-line-stderr
  --stderr "--calib-algo: expected minmax, percentile or entropy, got 'kl'"
  -- ${DLASIM_BIN} compile ${ZOO}/tiny_cnn.onnx --calib-algo=kl -o ${WORK}/never_kl.dlal)
dlasim_cli_test(NAME shapes_unknown_input ARGS --exit 1 --one-line-stderr
  --stderr "--shapes names 'img', which is not a network input" --absent ${WORK}/never_shapes.dlal
  -- ${DLASIM_BIN} compile ${ZOO}/tiny_cnn.onnx --shapes=img:1x3x8x8 -o ${WORK}/never_shapes.dlal)

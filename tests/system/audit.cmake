# Issue 4 audit (docs/compiler-tests.md): malformed ONNX models each give one clear error line naming the
# file and the node / tensor / field, exit 1 and no output file; and the DLA rules table stays in step
# with the compiler and the tests. Included from tests/system/CMakeLists.txt.
set(BAD ${WORK}/malformed)
add_test(NAME cli.make_malformed_models
  COMMAND ${DLASIM_PYTHON} -B ${CMAKE_CURRENT_SOURCE_DIR}/malformed_models.py --out-dir ${BAD})
set_tests_properties(cli.make_malformed_models PROPERTIES FIXTURES_SETUP malformed_models)

# dlasim_bad_model(<model> <stderr regex>...): `compile` fails with exactly that one line, no loadable.
function(dlasim_bad_model model)
  set(res)
  foreach(re ${ARGN})
    list(APPEND res --stderr "${re}")
  endforeach()
  dlasim_cli_test(NAME malformed_${model} REQUIRES malformed_models ARGS --exit 1 --one-line-stderr
    --stderr "${model}\\.onnx: " ${res} --rm ${BAD}/${model}.dlal --absent ${BAD}/${model}.dlal
    -- ${DLASIM_BIN} compile ${BAD}/${model}.onnx -o ${BAD}/${model}.dlal)
endfunction()
dlasim_bad_model(wrong_dims "initializer 'w': raw_data has 400 bytes, expected 576 \\(144 x 4\\)")
dlasim_bad_model(missing_init "node 'conv' \\(Conv\\) reads 'w', which no node, input or initializer defines")
dlasim_bad_model(opset_99 "default-domain opset 99 is not supported \\(expected 7\\.\\.21\\)")
dlasim_bad_model(unknown_domain "node 'fancy' uses operator domain 'com\\.example\\.custom'")
dlasim_bad_model(cyclic "the graph has a cycle through node 'add' \\(Add\\)")
dlasim_bad_model(duplicate_output "node 'relu_again' redefines tensor 'c'")
dlasim_bad_model(duplicate_init_name "initializer 'w' is defined twice")
dlasim_bad_model(duplicate_input "graph input 'x' is listed twice")
dlasim_bad_model(duplicate_init "every graph input \\(the first is 'x'\\) is also an initializer")

# Every rule of docs/dla-rules.md is raised by the compiler and named by a test, and every rule the
# compiler raises is documented.
add_test(NAME compiler.rule_table_coverage
  COMMAND ${DLASIM_PYTHON} ${CMAKE_CURRENT_SOURCE_DIR}/rule_coverage_check.py ${PROJECT_SOURCE_DIR})

# Tiling strategies (sw/compiler/tiling.c), one small network each (tests/system/tiny_tiling.py derives
# the CBUF arithmetic that forces it): the compile report names the strategy, and the functional run
# through the cycle-level model equals the independent INT8 reference bit for bit (FP32 bound 5 % of
# the range; measured 0.4-2.1 %).
set(TIL ${WORK}/tiling)
add_test(NAME cli.make_tiling_models COMMAND ${DLASIM_PYTHON} -B ${CMAKE_CURRENT_SOURCE_DIR}/tiny_tiling.py --out-dir ${TIL})
set_tests_properties(cli.make_tiling_models PROPERTIES FIXTURES_SETUP tiling_models)
function(dlasim_tiling_test name cfg re)
  dlasim_cli_test(NAME tiling_${name} REQUIRES tiling_models ARGS --exit 0 --stdout "${re}"
    -- ${DLASIM_BIN} compile ${TIL}/tiling_${name}.onnx --config ${cfg} -v -o ${TIL}/tiling_${name}_${cfg}.dlal)
  add_test(NAME functional.tiling_${name}.${cfg}
    COMMAND ${FUNC} ${DLASIM_BIN} ${DLASIM_PYTHON} ${REFDIR} ${TIL}/tiling_${name}.onnx ${cfg} ${WORK}/func_tiling_${name}_${cfg} 0.05)
  set_tests_properties(functional.tiling_${name}.${cfg} PROPERTIES FIXTURES_REQUIRED tiling_models
    ENVIRONMENT "DLASIM_CONFIG_DIR=${PROJECT_SOURCE_DIR}/configs;ASAN_OPTIONS=detect_leaks=1:detect_stack_use_after_return=0"
    TIMEOUT 900)
endfunction()
dlasim_tiling_test(full nv_small "data banks 1, weight banks 1 \\(all weights\\), 1 H split \\|")
dlasim_tiling_test(pingpong nv_small "data banks 25, weight banks 3 \\(2 kernel groups \\(ping-pong\\)\\), 1 H split")
dlasim_tiling_test(onegroup nv_small "data banks 30, weight banks 2 \\(1 kernel group\\), 1 H split")
dlasim_tiling_test(partial_h nv_small "weight banks 1 \\(all weights\\), 2 H splits \\(2 overlap rows\\)")
dlasim_tiling_test(depthwise nv_small "2 channel slices \\(groups 16\\)")
dlasim_tiling_test(image nv_small "\\| image input \\|")
dlasim_tiling_test(batch orin-agx-64gb "4x32x1x1 +int8 +flatten \\+ fc")
# the FC-like layer is one conv op for the 4 images (NVDLA batch mode), seen in the loadable
dlasim_cli_test(NAME tiling_batch_one_op REQUIRES tiling_models ARGS --exit 0 --stdout "k=4x4x16->32 .* batch=4\\("
  -- sh -c "\"$0\" compile \"$1\" -o \"$2\" >/dev/null && \"$0\" inspect \"$2\""
  ${DLASIM_BIN} ${TIL}/tiling_batch.onnx ${TIL}/tiling_batch_inspect.dlal)

# Importer features no zoo network exercises (tests/system/tiny_import.py): constant Transpose and Cast
# folded into weights, MatMul and Gemm (transB, alpha, beta) as FC layers, GlobalMaxPool split into
# stages, an opset-7 network (BatchNormalization-7), grouped dilated Conv with asymmetric pads, ceil_mode
# MaxPool and padding-counting AveragePool: bit-exact against the INT8 reference, and within 5 % of the
# range of the FP32 reference (measured 0.3-1.7 %), which a wrong fold (a transposed weight, a lost
# alpha or beta) exceeds.
set(IMP ${WORK}/import_features)
add_test(NAME cli.make_import_models COMMAND ${DLASIM_PYTHON} -B ${CMAKE_CURRENT_SOURCE_DIR}/tiny_import.py --out-dir ${IMP})
set_tests_properties(cli.make_import_models PROPERTIES FIXTURES_SETUP import_models)
foreach(net transpose_const cast_const matmul gemm_alpha_beta global_max_pool opset7 conv_shapes pool_modes)
  add_test(NAME functional.import_${net}.orin-agx-64gb
    COMMAND ${FUNC} ${DLASIM_BIN} ${DLASIM_PYTHON} ${REFDIR} ${IMP}/import_${net}.onnx orin-agx-64gb ${WORK}/func_import_${net} 0.05)
  set_tests_properties(functional.import_${net}.orin-agx-64gb PROPERTIES FIXTURES_REQUIRED import_models
    ENVIRONMENT "DLASIM_CONFIG_DIR=${PROJECT_SOURCE_DIR}/configs;ASAN_OPTIONS=detect_leaks=1:detect_stack_use_after_return=0"
    TIMEOUT 900)
endforeach()

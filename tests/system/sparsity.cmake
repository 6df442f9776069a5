# 2:4 structured sparsity (docs/datapath.md "2:4 sparse weights", docs/cli.md --sparsity); included
# from tests/system/CMakeLists.txt (uses dlasim_cli_test, DLASIM_BIN, ZOO, WORK).
set(R50_SPARSE ${WORK}/resnet50_sparse.onnx)
add_test(NAME cli.make_resnet50_sparse
  COMMAND ${DLASIM_PYTHON} ${PROJECT_SOURCE_DIR}/models/sparsify.py ${ZOO}/resnet50.onnx ${R50_SPARSE})
set_tests_properties(cli.make_resnet50_sparse PROPERTIES FIXTURES_SETUP resnet50_sparse)

# Dense vs sparse cycles on Orin at MAXN and 15W (1 core): the sparse run is faster.
foreach(mode MAXN 15W)
  add_test(NAME cli.sparsity_resnet50_${mode} COMMAND ${DLASIM_PYTHON} ${CMAKE_CURRENT_SOURCE_DIR}/sparsity_check.py
    ${DLASIM_BIN} ${R50_SPARSE} --config orin-agx-64gb --power-mode ${mode})
  set_tests_properties(cli.sparsity_resnet50_${mode} PROPERTIES FIXTURES_REQUIRED resnet50_sparse
    ENVIRONMENT "DLASIM_CONFIG_DIR=${PROJECT_SOURCE_DIR}/configs;ASAN_OPTIONS=detect_leaks=1:detect_stack_use_after_return=0"
    PASS_REGULAR_EXPRESSION "PASS" TIMEOUT 900)
endforeach()

dlasim_cli_test(NAME sparsity_compile_report REQUIRES resnet50_sparse ARGS --exit 0
  --stdout "Conv_39 \\+ BatchNormalization_40 \\+ Relu_41 .*\\| 2:4 sparse"
  --stdout "^sparsity enable: [0-9]+ of 54 conv layers 2:4 sparse: " --rm ${WORK}/r50_sparse.dlal
  --exists ${WORK}/r50_sparse.dlal
  -- ${DLASIM_BIN} compile ${R50_SPARSE} --sparsity=enable --verbose -o ${WORK}/r50_sparse.dlal)
dlasim_cli_test(NAME sparsity_functional_refused REQUIRES resnet50_sparse ARGS --exit 1 --one-line-stderr
  --stderr "--functional: layer 'Conv_16 .*' has 2:4 sparse weights" --stderr "timing mode only"
  -- ${DLASIM_BIN} run ${R50_SPARSE} --sparsity=enable --functional)
dlasim_cli_test(NAME sparsity_force_xavier ARGS --exit 1 --one-line-stderr --stderr "sparsity force"
  --stderr "xavier-agx" --stderr "sparsity_2_4 is off"
  -- ${DLASIM_BIN} compile ${ZOO}/tiny_cnn.onnx --sparsity=force --config xavier-agx -o ${WORK}/never_sparse.dlal)
dlasim_cli_test(NAME sparsity_bad_value ARGS --exit 2 --one-line-stderr --stderr "--sparsity: expected disable, enable or force"
  -- ${DLASIM_BIN} run ${ZOO}/tiny_cnn.onnx --sparsity=half)

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

# Hardening (docs/robustness.md): bit-identical results and crash-safe outputs.

# Two runs of the same inputs give bit-identical HDF5 content; only /meta/provenance (wall-clock time,
# host) may differ. The checker itself must see the provenance difference, or it compares nothing.
add_test(NAME cli.determinism_h5_bit_identical COMMAND ${DLASIM_PYTHON} ${CMAKE_CURRENT_SOURCE_DIR}/h5_identical.py
  ${WORK}/resnet50.h5 ${WORK}/resnet50_again.h5 --exclude /meta/provenance)
set_tests_properties(cli.determinism_h5_bit_identical PROPERTIES FIXTURES_REQUIRED r50_trace2)
add_test(NAME cli.determinism_checker_sees_provenance COMMAND ${DLASIM_PYTHON}
  ${CMAKE_CURRENT_SOURCE_DIR}/h5_identical.py ${WORK}/resnet50.h5 ${WORK}/resnet50_again.h5)
set_tests_properties(cli.determinism_checker_sees_provenance PROPERTIES FIXTURES_REQUIRED r50_trace2
  WILL_FAIL TRUE)

# SIGKILL while a trace or a loadable is written over an existing file: the old file or the complete
# new one, never a truncated one.
add_test(NAME cli.crash_safe_outputs COMMAND ${DLASIM_PYTHON} ${CMAKE_CURRENT_SOURCE_DIR}/crash_safety_check.py
  ${DLASIM_BIN} ${ZOO}/tiny_residual.onnx ${WORK}/crash_safety)
set_tests_properties(cli.crash_safe_outputs PROPERTIES PASS_REGULAR_EXPRESSION "PASS"
  ENVIRONMENT "DLASIM_CONFIG_DIR=${PROJECT_SOURCE_DIR}/configs;ASAN_OPTIONS=detect_leaks=0" TIMEOUT 600)

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

# Devices and FIFOs are not files: /dev/zero never ends (the loadable reader used to read it until memory
# ran out), a FIFO blocks its open. Every reader refuses them at once (sw/common/input_file.c).
dlasim_cli_test(NAME run_device_file_refused ARGS --exit 1 --one-line-stderr
  --stderr "/dev/zero: not a regular file \\(expected an ONNX model or a loadable\\)" -- ${DLASIM_BIN} run /dev/zero)
dlasim_cli_test(NAME inspect_device_file_refused ARGS --exit 1 --one-line-stderr
  --stderr "/dev/zero: not a regular file \\(a loadable must be a file\\)" -- ${DLASIM_BIN} inspect /dev/zero)
dlasim_cli_test(NAME sweep_device_file_refused ARGS --exit 1 --one-line-stderr
  --stderr "/dev/zero: not a regular file \\(a sweep spec must be a file\\)" --absent ${WORK}/sweep_dev.h5
  -- ${DLASIM_BIN} sweep /dev/zero -o ${WORK}/sweep_dev.h5)

# The same sweep with one worker and with two gives bit-identical results: /points compared as sets of
# rows (workers finish in any order) and each job's trace (--traces) except /meta/provenance.
add_test(NAME sweep.determinism_j1_j2_bit_identical COMMAND ${DLASIM_PYTHON} ${CMAKE_CURRENT_SOURCE_DIR}/sweep_check.py
  determinism ${DLASIM_BIN} ${DATA}/sweeps/tiny_small.json ${WORK} WORKING_DIRECTORY ${WORK})
set_tests_properties(sweep.determinism_j1_j2_bit_identical PROPERTIES PASS_REGULAR_EXPRESSION "^ok: "
  ENVIRONMENT "DLASIM_CONFIG_DIR=${PROJECT_SOURCE_DIR}/configs;DLASIM_MODELS_DIR=${ZOO};ASAN_OPTIONS=detect_leaks=1:detect_stack_use_after_return=0"
  TIMEOUT 600)

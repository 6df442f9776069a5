# `dlasim run --power-mode`: the mode sets the DLA clock, the DRAM bandwidth and the energy table as
# the config says (checked against the JSON, read independently); included from
# tests/system/CMakeLists.txt (uses DLASIM_BIN, ZOO, DLASIM_PYTHON).
add_test(NAME cli.power_mode_sets_clock_bandwidth_energy
  COMMAND ${DLASIM_PYTHON} ${CMAKE_CURRENT_SOURCE_DIR}/power_mode_check.py ${DLASIM_BIN}
    ${ZOO}/tiny_cnn.onnx ${PROJECT_SOURCE_DIR}/configs/orin-agx-64gb.json MAXN 15W)
set_tests_properties(cli.power_mode_sets_clock_bandwidth_energy PROPERTIES
  ENVIRONMENT "DLASIM_CONFIG_DIR=${PROJECT_SOURCE_DIR}/configs;ASAN_OPTIONS=detect_leaks=1:detect_stack_use_after_return=0"
  TIMEOUT 900)

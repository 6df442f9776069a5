# bench/regress: the small suite's per-layer cycles equal the committed baselines, and the check
# catches a one-cycle change in a unit; included from tests/system/CMakeLists.txt.
set(REGRESS ${DLASIM_PYTHON} -B ${PROJECT_SOURCE_DIR}/bench/regress)
dlasim_cli_test(NAME regress_small LABELS bench ARGS --exit 0 --stdout "per-layer cycles identical to the baselines"
  -- ${REGRESS} check --suite small --dlasim ${DLASIM_BIN} --models ${ZOO})
# One more cycle of CMAC latency (--bump: the preset's core.cmac.latency_cycles + 1) must be caught,
# naming layer 0. Why it must move: hw/cmac/cmac.h makes a stripe leave the CMAC latency_cycles
# after the CSC delivered it, and CMAC sits in series between CSC and CACC; tiny_cnn's layer 0 is
# the first layer (its start cannot move: nothing runs before it) and ends when its last stripe has
# passed CMAC, CACC and the on-the-fly SDP, so its cycles grow by exactly one.
dlasim_cli_test(NAME regress_catches_one_cycle LABELS bench ARGS --exit 1
  --stdout "DRIFT tiny_cnn.orin-maxn" --stdout "layer 0 'Conv_0 \\+ Relu_1': [0-9]+ -> [0-9]+ cycles \\(\\+1,"
  --stdout "bench/regress update --reason"
  -- ${REGRESS} check --cases "^tiny_cnn.orin-maxn$" --bump core.cmac.latency_cycles --dlasim ${DLASIM_BIN}
     --models ${ZOO})
dlasim_cli_test(NAME regress_update_needs_reason ARGS --exit 2 --stderr "update needs --reason"
  -- ${REGRESS} update --dlasim ${DLASIM_BIN} --models ${ZOO} --baselines ${WORK}/never_baselines)

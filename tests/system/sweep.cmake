# `dlasim sweep`: spec errors, loadable reuse vs fresh compiles, resume after SIGKILL, MPI (when
# mpiexec exists), and the report. Small sweeps on tiny_cnn: a few seconds each.
set(SWEEPS ${DATA}/sweeps)
set(SWEEP_CHECK ${CMAKE_CURRENT_SOURCE_DIR}/sweep_check.py)
set(SWEEP_ENV "DLASIM_CONFIG_DIR=${PROJECT_SOURCE_DIR}/configs;DLASIM_MODELS_DIR=${ZOO};ASAN_OPTIONS=detect_leaks=1:detect_stack_use_after_return=0")

function(dlasim_sweep_test name)
  add_test(NAME sweep.${name} COMMAND ${ARGN} WORKING_DIRECTORY ${WORK})
  set_tests_properties(sweep.${name} PROPERTIES ENVIRONMENT "${SWEEP_ENV}" TIMEOUT 600)
endfunction()

dlasim_sweep_test(help ${EXPECT} --exit 0 --stdout "usage: dlasim sweep" --stdout "--mpi" -- ${DLASIM_BIN} sweep --help)
dlasim_sweep_test(needs_output ${EXPECT} --exit 2 --one-line-stderr --stderr "-o RESULTS.h5"
  -- ${DLASIM_BIN} sweep ${SWEEPS}/tiny_small.json)
dlasim_sweep_test(spec_unknown_key ${EXPECT} --exit 1 --one-line-stderr --stderr "bad_unknown_key.json"
  --stderr "axes\\[0\\]: unknown key 'valeus'" --rm ${WORK}/sweep_bad.h5 --absent ${WORK}/sweep_bad.h5
  -- ${DLASIM_BIN} sweep ${SWEEPS}/bad_unknown_key.json -o ${WORK}/sweep_bad.h5)
dlasim_sweep_test(spec_bad_range ${EXPECT} --exit 1 --one-line-stderr --stderr "bad_range.json"
  --stderr "axes\\[0\\].range: bad range: stop < start" --absent ${WORK}/sweep_bad.h5
  -- ${DLASIM_BIN} sweep ${SWEEPS}/bad_range.json -o ${WORK}/sweep_bad.h5)
dlasim_sweep_test(spec_impossible_constraint ${EXPECT} --exit 1 --one-line-stderr --stderr "bad_constraint.json"
  --stderr "impossible constraint" --stderr "core.atomic_c \\* core.atomic_k < 4096" --absent ${WORK}/sweep_bad.h5
  -- ${DLASIM_BIN} sweep ${SWEEPS}/bad_constraint.json -o ${WORK}/sweep_bad.h5)
dlasim_sweep_test(report_not_a_sweep ${EXPECT} --exit 1 --one-line-stderr --stderr "not_onnx.onnx"
  -- ${DLASIM_BIN} sweep report ${WORK}/not_onnx.onnx)

dlasim_sweep_test(reused_loadable_cycles_equal_fresh_compile ${DLASIM_PYTHON} ${SWEEP_CHECK} reuse ${DLASIM_BIN}
  ${SWEEPS}/tiny_small.json ${WORK})
dlasim_sweep_test(geometry_points_share_one_calibration_bit_identical ${DLASIM_PYTHON} ${SWEEP_CHECK} calib
  ${DLASIM_BIN} ${SWEEPS}/tiny_small.json ${WORK})
dlasim_sweep_test(resume_after_sigkill_loses_and_duplicates_nothing ${DLASIM_PYTHON} ${SWEEP_CHECK} kill
  ${DLASIM_BIN} ${SWEEPS}/tiny_kill.json ${WORK})
dlasim_sweep_test(report_pareto_sensitivity_plots ${DLASIM_PYTHON} ${SWEEP_CHECK} report ${DLASIM_BIN}
  ${SWEEPS}/tiny_small.json ${WORK})
if(DLASIM_HAVE_MPI AND MPIEXEC_EXECUTABLE)
  dlasim_sweep_test(mpi_three_ranks_match_local ${DLASIM_PYTHON} ${SWEEP_CHECK} mpi ${MPIEXEC_EXECUTABLE}
    ${DLASIM_BIN} ${SWEEPS}/tiny_small.json ${WORK})
else()
  dlasim_sweep_test(mpi_unavailable_is_a_clear_error ${EXPECT} --exit 1 --one-line-stderr --stderr "without MPI"
    -- ${DLASIM_BIN} sweep ${SWEEPS}/tiny_small.json -o ${WORK}/sweep_nompi.h5 --mpi)
endif()

# `dlasim validate orin` on a small cell selection (the full run is minutes: docs/validation.md),
# the h5py/pandas view of everything it writes, and the trace subcommands diff/csv/plot; included
# from tests/system/CMakeLists.txt (uses dlasim_cli_test, DLASIM_BIN, ZOO, WORK and the tiny_trace fixture).
dlasim_cli_test(NAME validate_help ARGS --exit 0 --stdout "usage: dlasim validate orin" -- ${DLASIM_BIN} validate --help)
dlasim_cli_test(NAME validate_unknown_target ARGS --exit 2 --one-line-stderr --stderr "expected 'orin'"
  -- ${DLASIM_BIN} validate xavier)
# The tutorial cells: model_bn simulates; model_gn is listed (simulated once GPU fallback lands, until
# then "not simulated: <the compiler's reason>") and counted either way.
dlasim_cli_test(NAME validate_tutorial FIXTURE validation ARGS --exit 0 --stdout "tutorial/model_bn +649.7"
  --stdout "tutorial/model_gn" --stdout "\\| tutorial \\| 2 \\|" --rm ${WORK}/validation
  --exists ${WORK}/validation/report.md --exists ${WORK}/validation/validation.h5
  -- ${DLASIM_BIN} validate orin --only "^tutorial/" -o ${WORK}/validation -j 2)
add_test(NAME cli.validate_tables_pandas COMMAND ${DLASIM_PYTHON} ${CMAKE_CURRENT_SOURCE_DIR}/validate_check.py
  ${WORK}/validation/validation.h5 ${PROJECT_SOURCE_DIR}/bench/data/orin_published.json)
set_tests_properties(cli.validate_tables_pandas PROPERTIES FIXTURES_REQUIRED validation)
dlasim_cli_test(NAME validate_bad_only ARGS --exit 1 --stderr "matches no cell"
  -- ${DLASIM_BIN} validate orin --only "^no-such-cell$" -o ${WORK}/validation_none)

# trace diff / csv / plot through dlasim (traces/tools/dlasim_trace.py)
dlasim_cli_test(NAME trace_diff_same REQUIRES tiny_trace ARGS --exit 0 --stdout "same within tolerance 0.0%"
  -- ${DLASIM_BIN} trace diff ${WORK}/tiny.h5 ${WORK}/tiny.h5)
dlasim_cli_test(NAME trace_diff_missing REQUIRES tiny_trace ARGS --exit 2 --stderr "no_such.h5"
  -- ${DLASIM_BIN} trace diff ${WORK}/tiny.h5 ${WORK}/no_such.h5)
dlasim_cli_test(NAME trace_csv_units REQUIRES tiny_trace ARGS --exit 0
  --stdout "^unit,busy_cycles,stall_cycles,counters,timeline_samples" --stdout "^dla0.cmac,"
  -- ${DLASIM_BIN} trace csv ${WORK}/tiny.h5 --table units)
foreach(kind cycles utilization roofline)
  dlasim_cli_test(NAME trace_plot_${kind} REQUIRES tiny_trace ARGS --exit 0 --rm ${WORK}/tiny_${kind}.png
    --exists ${WORK}/tiny_${kind}.png -- ${DLASIM_BIN} trace plot ${WORK}/tiny.h5 --kind ${kind} -o ${WORK}/tiny_${kind}.png)
endforeach()

# --calib-samples (the validation's calibration policy, docs/validation.md "Run time"): fewer synthetic
# calibration batches change the scales (the loadables differ) but not the simulated timing: the two
# reports agree on every line but the simulator's own wall time.
dlasim_cli_test(NAME calib_samples_bad ARGS --exit 2 --one-line-stderr
  --stderr "--calib-samples: expected a whole number of synthetic batches in 1..1024, got '0'"
  -- ${DLASIM_BIN} compile ${ZOO}/tiny_cnn.onnx --calib-samples 0 -o ${WORK}/calib0.dlal)
dlasim_cli_test(NAME calib_samples_same_timing ARGS --exit 0
  -- sh -c "\"$0\" compile \"$1\" --calib-samples 1 -o \"$2\" && \"$0\" compile \"$1\" -o \"$3\" && ! cmp -s \"$2\" \"$3\" && \"$0\" run \"$2\" --cores 2 | grep -v 'wall time' > \"$2.txt\" && \"$0\" run \"$3\" --cores 2 | grep -v 'wall time' > \"$3.txt\" && cmp \"$2.txt\" \"$3.txt\""
  ${DLASIM_BIN} ${ZOO}/tiny_residual.onnx ${WORK}/calib1.dlal ${WORK}/calib4.dlal)

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

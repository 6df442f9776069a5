# `dlasim trace timeline`: Chrome/Perfetto JSON from a real run's trace; included from
# tests/system/CMakeLists.txt (uses dlasim_cli_test, DLASIM_BIN, ZOO, WORK).
dlasim_cli_test(NAME timeline_run FIXTURE timeline_trace ARGS --exit 0
  --rm ${WORK}/timeline.h5 --exists ${WORK}/timeline.h5
  -- ${DLASIM_BIN} run ${ZOO}/tiny_cnn.onnx --cores 2 --trace ${WORK}/timeline.h5)
dlasim_cli_test(NAME timeline_write REQUIRES timeline_trace FIXTURE timeline_json ARGS --exit 0
  --stdout "timeline written to .*timeline.json" --rm ${WORK}/timeline.json --exists ${WORK}/timeline.json
  -- ${DLASIM_BIN} trace timeline ${WORK}/timeline.h5 -o ${WORK}/timeline.json)
add_test(NAME cli.timeline_json_events COMMAND ${DLASIM_PYTHON} ${CMAKE_CURRENT_SOURCE_DIR}/timeline_check.py
  ${WORK}/timeline.h5 ${WORK}/timeline.json 2)
set_tests_properties(cli.timeline_json_events PROPERTIES FIXTURES_REQUIRED "timeline_trace;timeline_json")

# Bad input: one line, exit 1, no output (nor temporary) file.
dlasim_cli_test(NAME timeline_missing_trace ARGS --exit 1 --one-line-stderr --stderr "no_such_trace.h5"
  --rm ${WORK}/timeline_missing.json --absent ${WORK}/timeline_missing.json
  -- ${DLASIM_BIN} trace timeline ${WORK}/no_such_trace.h5 -o ${WORK}/timeline_missing.json)
dlasim_cli_test(NAME timeline_needs_output ARGS --exit 2 --one-line-stderr --stderr "-o OUT.json is required"
  -- ${DLASIM_BIN} trace timeline ${WORK}/no_such_trace.h5)

# Activity sampling changes no simulated cycle: ResNet-50 sampled (the r50_trace run, default
# --sample-cycles) and unsampled give identical layers, ops, stats and summary.
dlasim_cli_test(NAME timeline_r50_unsampled REQUIRES r50_trace FIXTURE r50_unsampled ARGS --exit 0
  --rm ${WORK}/resnet50_unsampled.h5 --exists ${WORK}/resnet50_unsampled.h5
  -- ${DLASIM_BIN} run ${ZOO}/resnet50.onnx --config orin-agx-64gb --power-mode MAXN --int8 --sample-cycles 0
     --trace ${WORK}/resnet50_unsampled.h5)
add_test(NAME cli.timeline_sampling_changes_no_cycle COMMAND ${DLASIM_PYTHON}
  ${CMAKE_CURRENT_SOURCE_DIR}/sampling_identical_check.py ${WORK}/resnet50.h5 ${WORK}/resnet50_unsampled.h5)
set_tests_properties(cli.timeline_sampling_changes_no_cycle PROPERTIES FIXTURES_REQUIRED "r50_trace;r50_unsampled")
# The ResNet-50 timeline: counter tracks checked as for tiny_cnn (one core).
dlasim_cli_test(NAME timeline_r50_write REQUIRES r50_trace FIXTURE r50_timeline ARGS --exit 0
  --rm ${WORK}/resnet50_timeline.json --exists ${WORK}/resnet50_timeline.json
  -- ${DLASIM_BIN} trace timeline ${WORK}/resnet50.h5 -o ${WORK}/resnet50_timeline.json)
add_test(NAME cli.timeline_r50_counters COMMAND ${DLASIM_PYTHON} ${CMAKE_CURRENT_SOURCE_DIR}/timeline_check.py
  ${WORK}/resnet50.h5 ${WORK}/resnet50_timeline.json 1)
set_tests_properties(cli.timeline_r50_counters PROPERTIES FIXTURES_REQUIRED "r50_trace;r50_timeline")
# Bad --sample-cycles: usage error, one line naming the flag and what it expects.
dlasim_cli_test(NAME timeline_bad_sample_cycles ARGS --exit 2 --one-line-stderr
  --stderr "--sample-cycles: expected a window in core cycles"
  -- ${DLASIM_BIN} run ${ZOO}/tiny_cnn.onnx --sample-cycles -5)
# The sampled series as CSV (one row per series and window).
dlasim_cli_test(NAME timeline_samples_csv REQUIRES timeline_trace ARGS --exit 0
  --stdout "series,unit,start_cycle,end_cycle,value" --stdout "dla1.dram_read_bytes,bytes,0,2048,"
  -- ${DLASIM_BIN} trace csv ${WORK}/timeline.h5 --table samples)

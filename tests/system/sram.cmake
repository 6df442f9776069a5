# The compiler's on-chip SRAM pool (docs/compiler.md "On-chip SRAM"): functional runs with tensors in
# SRAM bit-exact against the independent INT8 reference, the CLI and trtexec flags, inspect, and the
# driver refusing loadables that overflow a core's SRAM. Included from tests/system/CMakeLists.txt
# (uses dlasim_cli_test, DLASIM_BIN, ZOO, WORK, FUNC, REFDIR, TINY_CONCAT from import.cmake).
set(SRAM_ENV "DLASIM_CONFIG_DIR=${PROJECT_SOURCE_DIR}/configs;ASAN_OPTIONS=detect_leaks=1:detect_stack_use_after_return=0")
set(NV_FULL_SRAM ${CMAKE_CURRENT_SOURCE_DIR}/nv_full_sram.json)

# tiny_concat's two concat surfaces are 13824 and 9216 B: a 12 KiB pool holds the second (two
# producers' slices in SRAM, read back by the next conv) and leaves the first in DRAM. On nv_full
# with a 64 KiB SRAM (nv_full_sram.json) the default pool holds both; model_bn's 256 KiB
# intermediates mostly stay in DRAM there, its last 64 KiB one goes on chip.
foreach(case tiny_concat:orin-agx-64gb:12K tiny_concat:${NV_FULL_SRAM}:64K model_bn:${NV_FULL_SRAM}:64K)
  string(REPLACE ":" ";" parts ${case})
  list(GET parts 0 net)
  list(GET parts 1 cfg)
  list(GET parts 2 pool)
  get_filename_component(cfg_name ${cfg} NAME_WE)
  if(net STREQUAL "tiny_concat")
    set(model ${TINY_CONCAT})
  else()
    set(model ${ZOO}/${net}.onnx)
  endif()
  add_test(NAME functional.sram.${net}.${cfg_name}
    COMMAND ${FUNC} ${DLASIM_BIN} ${DLASIM_PYTHON} ${REFDIR} ${model} ${cfg} ${WORK}/func_sram_${net}_${cfg_name} 0.05
            int8_ref.py --sram-pool=${pool})
  set_tests_properties(functional.sram.${net}.${cfg_name} PROPERTIES ENVIRONMENT "${SRAM_ENV}" TIMEOUT 900)
  if(net STREQUAL "tiny_concat")
    set_tests_properties(functional.sram.${net}.${cfg_name} PROPERTIES FIXTURES_REQUIRED tiny_concat)
  endif()
endforeach()

# compile: the report's SRAM line, inspect's SRAM section (region domain and the layers living there).
dlasim_cli_test(NAME sram_compile_report FIXTURE sram_dlal ARGS --exit 0
  --stdout "^sram: [0-9]+ of 1048576 pool bytes planned, [0-9]+ intermediate tensors on chip"
  --rm ${WORK}/sram_bn.dlal --exists ${WORK}/sram_bn.dlal
  -- ${DLASIM_BIN} compile ${ZOO}/model_bn.onnx -o ${WORK}/sram_bn.dlal -v --calib-samples 1)
dlasim_cli_test(NAME sram_inspect REQUIRES sram_dlal ARGS --exit 0
  --stdout "^  \\[  4\\] activations sram +[0-9]+ B" --stdout "^sram +[0-9]+ bytes. outputs of these layers live there:"
  --stdout "^  layer 0 Conv_0"
  -- ${DLASIM_BIN} inspect ${WORK}/sram_bn.dlal)
dlasim_cli_test(NAME sram_pool_zero ARGS --exit 0 --stdout "^sram: 0 of 0 pool bytes planned, 0 intermediate tensors"
  -- ${DLASIM_BIN} compile ${ZOO}/tiny_cnn.onnx -o ${WORK}/sram_none.dlal -v --sram-pool 0)
dlasim_cli_test(NAME sram_pool_suffix ARGS --exit 0 --stdout "^sram: [0-9]+ of 65536 pool bytes planned"
  -- ${DLASIM_BIN} compile ${ZOO}/tiny_cnn.onnx -o ${WORK}/sram_64k.dlal -v --sram-pool=64K)
dlasim_cli_test(NAME sram_pool_malformed ARGS --exit 2 --one-line-stderr --stderr "--sram-pool: expected a byte count"
  -- ${DLASIM_BIN} compile ${ZOO}/tiny_cnn.onnx -o ${WORK}/never.dlal --sram-pool 1.5M)
dlasim_cli_test(NAME sram_pool_above_the_sram ARGS --exit 1 --one-line-stderr
  --stderr "SRAM pool of 2097152 bytes exceeds the 1048576 bytes" --stderr "memory.sram.size_bytes"
  --rm ${WORK}/never.dlal --absent ${WORK}/never.dlal
  -- ${DLASIM_BIN} compile ${ZOO}/tiny_cnn.onnx -o ${WORK}/never.dlal --sram-pool 2M)
dlasim_cli_test(NAME sram_pool_on_a_target_without_sram ARGS --exit 1 --one-line-stderr
  --stderr "exceeds the 0 bytes of on-chip SRAM per core of target 'nv_full'"
  -- ${DLASIM_BIN} compile ${ZOO}/tiny_cnn.onnx -o ${WORK}/never.dlal --config nv_full --sram-pool 4K)

# Two loadables on one core share its 1 MiB SRAM: model_bn's 786432 B twice do not fit (refused,
# naming both); on two cores each has its own SRAM.
dlasim_cli_test(NAME sram_two_loadables_overflow REQUIRES sram_dlal ARGS --exit 1 --one-line-stderr
  --stderr "does not fit in core 0's 1048576-byte SRAM" --stderr "networks loaded before: 'model_bn'"
  -- ${DLASIM_BIN} run ${WORK}/sram_bn.dlal ${WORK}/sram_bn.dlal)
dlasim_cli_test(NAME sram_two_loadables_two_cores REQUIRES sram_dlal ARGS --exit 0 --stdout "SIMULATED"
  -- ${DLASIM_BIN} run ${WORK}/sram_bn.dlal ${WORK}/sram_bn.dlal --cores 2)

# trtexec: --memPoolSize=dlaSRAM:N (MiB, or with B/K/M/G) is the pool; TensorRT's power-of-two rule.
dlasim_cli_test(NAME trtexec_mempool_dlasram ARGS --exit 0 --stdout "^sram: [0-9]+ of 524288 pool bytes planned"
  --stdout "^&&&& PASSED"
  -- ${DLASIM_BIN} trtexec --onnx=${ZOO}/model_bn.onnx --int8 --memPoolSize=dlaSRAM:0.5 --verbose --iterations=1
  --warmUp=0 --duration=0 --simIterations=1)
dlasim_cli_test(NAME trtexec_mempool_dlasram_not_power_of_two ARGS --exit 1 --one-line-stderr
  --stderr "--memPoolSize=dlaSRAM:3K: the managed SRAM pool must be a power of two of at least 4 KiB"
  -- ${DLASIM_BIN} trtexec --onnx=${ZOO}/tiny_cnn.onnx --int8 --memPoolSize=dlaSRAM:3K)
dlasim_cli_test(NAME trtexec_mempool_dlasram_below_4k ARGS --exit 1 --one-line-stderr
  --stderr "got 2048 bytes" -- ${DLASIM_BIN} trtexec --onnx=${ZOO}/tiny_cnn.onnx --int8 --memPoolSize=dlaSRAM:2K)

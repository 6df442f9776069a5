# `dlasim nvdla-trace` on a representative subset of NVDLA's own trace tests (dc, sdp, pdp, cdp;
# docs/nvdla-conformance.md) and on malformed input; included from
# tests/system/CMakeLists.txt (uses dlasim_cli_test, DLASIM_BIN, WORK). Skipped when the shared
# trace folder is absent.
set(DLASIM_NVDLA_TRACES ${PROJECT_SOURCE_DIR}/../shared/nvdla/traces CACHE PATH
    "NVDLA's trace tests (nv_small/, nv_large/) for the nvdla-trace conformance tests")
set(NVDLA_TRACES ${DLASIM_NVDLA_TRACES})
if(NOT EXISTS ${NVDLA_TRACES}/nv_small OR NOT EXISTS ${NVDLA_TRACES}/nv_large)
  message(STATUS "nvdla-trace conformance tests skipped: ${NVDLA_TRACES} not found")
else()

dlasim_cli_test(NAME nvdla_trace_help ARGS --exit 0 --stdout "usage: dlasim nvdla-trace"
  -- ${DLASIM_BIN} nvdla-trace --help)

# Each expects PASS with the CRC of every output region equal to the one NVDLA's RTL produced.
foreach(t sdp_8x8x32_bypass_int8_0 sdp_1x1x1_pass_through_int8 sdp_3x3x33_bs_bn_int8_0 sdp_3x3x33_bn_int8_reg_3
          pdp_8x9x19_3x3_ave_int8_0 pdp_16x6x16_4x2_split_max_int8_0 pdp_1x1x1_3x3_ave_int8_0
          sdp_pdp_32x16x32_pass_through_int8_0 sdp_3x3x33_bn_int8_mem_0 sdp_3x3x33_bn_int8_reg_2
          sdp_3x3x33_ew_int8_reg_0 sdp_3x3x32_ew_lo_lin_int8 sdp_3x3x33_ew_le_exp_int8
          cdp_8x8x32_lrn5_int8_0 cdp_8x8x32_lrn3_int8_1 cdp_33x17x34_lrn5_int8_0
          cdp_8x8x64_lrn3_int8_3 cdp_8x8x64_lrn3_int8_7 cdp_8x8x64_lrn3_int8_9
          dc_1x1x8_1x1x8x1_int8_0 dc_6x8x192_3x3x192x32_int8_0
          dc_8x8x36_4x4x36x16_dilation_int8_0 dc_35x22x54_6x8x54x29_int8_0 dc_8192x1x1_2x3x1x41_int8_0
          dc_14x7x49_3x4x49x32_int8_0 dc_24x33x55_5x5x55x25_int8_0)
  dlasim_cli_test(NAME nvdla_trace_small_${t} ARGS --exit 0
    --stdout "^${t} PASS op_cycles=[1-9][0-9]* total_cycles=[1-9][0-9]*$"
    --rm ${WORK}/nvdla_${t}.h5 --exists ${WORK}/nvdla_${t}.h5
    -- ${DLASIM_BIN} nvdla-trace ${NVDLA_TRACES}/nv_small/${t} --config nv_small-rtl -o ${WORK}/nvdla_${t}.h5)
endforeach()
foreach(t dc_8x16x128_3x3x128x32_int8 dc_8x8x32_1x1x32x32_int8_0 sdp_passthrough_8x8x32_pack_inc_int8 pdp_8x8x32_1x1_max_int8_0
          pdp_3x3x33_2x2_ave_int8_0 cdp_8x8x64_lrn9_int8_0 sdp_13x4x29_ew_lut_int8)
  dlasim_cli_test(NAME nvdla_trace_large_${t} ARGS --exit 0
    --stdout "^${t} PASS op_cycles=[1-9][0-9]* total_cycles=[1-9][0-9]*$"
    -- ${DLASIM_BIN} nvdla-trace ${NVDLA_TRACES}/nv_large/${t} --config nv_large-rtl -o ${WORK}/nvdla_large_${t}.h5)
endforeach()

# The HDF5 table holds the same row the summary line printed.
add_test(NAME cli.nvdla_trace_table COMMAND ${DLASIM_PYTHON} ${CMAKE_CURRENT_SOURCE_DIR}/nvdla_trace_check.py
  ${WORK}/nvdla_sdp_8x8x32_bypass_int8_0.h5 sdp_8x8x32_bypass_int8_0 nv_small-rtl)
set_tests_properties(cli.nvdla_trace_table PROPERTIES DEPENDS cli.nvdla_trace_small_sdp_8x8x32_bypass_int8_0)

# Malformed script: FAIL line naming file:line and what was expected, exit 1, table still complete.
file(MAKE_DIRECTORY ${WORK}/nvdla_bad)
file(WRITE ${WORK}/nvdla_bad/nvdla_bad.cfg "reg_write(NVDLA_SDP.D_OP_ENABLE_0, 0x1);\nreg_wrte(NVDLA_SDP.S_POINTER_0, 0);\n")
dlasim_cli_test(NAME nvdla_trace_malformed_cfg ARGS --exit 1
  --stdout "^nvdla_bad FAIL .*nvdla_bad.cfg:2: unknown statement 'reg_wrte'"
  -- ${DLASIM_BIN} nvdla-trace ${WORK}/nvdla_bad --config nv_small-rtl -o ${WORK}/nvdla_bad.h5)
dlasim_cli_test(NAME nvdla_trace_needs_config ARGS --exit 2 --one-line-stderr --stderr "--config is required"
  -- ${DLASIM_BIN} nvdla-trace ${WORK}/nvdla_bad)
dlasim_cli_test(NAME nvdla_trace_missing_folder ARGS --exit 1 --one-line-stderr --stderr "no_such_test: no such file"
  -- ${DLASIM_BIN} nvdla-trace ${WORK}/no_such_test --config nv_small-rtl)
endif()

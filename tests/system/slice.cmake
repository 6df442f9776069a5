# Slice and Split on the DLA (docs/compiler.md "Slice and Split", sw/compiler/slice.c); included from
# tests/system/CMakeLists.txt (uses dlasim_cli_test, DLASIM_BIN, DLASIM_PYTHON, WORK, FUNC, REFDIR).

set(SLICE_NETS h w csplit cslice unequal output split11 concat step2 batch empty dynamic rank3)
foreach(net ${SLICE_NETS})
  add_test(NAME cli.make_slice_${net}
    COMMAND ${DLASIM_PYTHON} -B ${CMAKE_CURRENT_SOURCE_DIR}/tiny_slice.py --net ${net} --out ${WORK}/slice_${net}.onnx)
  set_tests_properties(cli.make_slice_${net} PROPERTIES FIXTURES_SETUP slice_${net})
endforeach()

# Functional: bit-exact against the independent INT8 reference (which executes the loadable's surfaces,
# so it checks every view's offset and strides and every copy's arithmetic) and bounded against the
# FP32 ONNX reference (fp32_ref.py slices with numpy). INT8 on Orin and nv_full; FP16 on nv_full for
# the nets with copies (16 channels per FP16 surface: other windows become views). Measured: at most
# 1.1 % of the range (INT8), 0.04 % (FP16); asserted 5 %.
function(slice_functional net cfg tag)
  add_test(NAME functional.slice_${net}.${tag}
    COMMAND ${FUNC} ${DLASIM_BIN} ${DLASIM_PYTHON} ${REFDIR} ${WORK}/slice_${net}.onnx ${cfg}
            ${WORK}/func_slice_${net}_${tag} 0.05 ${ARGN})
  set_tests_properties(functional.slice_${net}.${tag} PROPERTIES FIXTURES_REQUIRED slice_${net}
    ENVIRONMENT "DLASIM_CONFIG_DIR=${PROJECT_SOURCE_DIR}/configs;ASAN_OPTIONS=detect_leaks=1:detect_stack_use_after_return=0"
    TIMEOUT 900)
endfunction()
foreach(net h w csplit cslice unequal output split11 concat)
  slice_functional(${net} orin-agx-64gb orin-agx-64gb)
  slice_functional(${net} nv_full nv_full)
endforeach()
foreach(net cslice unequal output concat)
  slice_functional(${net} nv_full nv_full_fp16 fp16_ref.py --fp16)
endforeach()

# Views emit no op: the H slice adds no layer (2 layers: the two convs), and the second conv reads the
# first's output 2 rows (2 x 384 B on Orin) in. That output is the only intermediate, so the SRAM pool
# (sram_plan.c, 1 MiB on Orin) holds it at offset 0 of the SRAM region r4 (after weights, input, output
# and the DRAM activations).
dlasim_cli_test(NAME slice_view_no_op REQUIRES slice_h ARGS --exit 0 --stdout "layers    2"
  --stdout "conv layer=1 deps=1 src=12x8x64 int8 @r4\\+768 ls=384 ss=4608"
  -- sh -c "\"$0\" compile \"$1\" -o \"$2\" >/dev/null && exec \"$0\" inspect \"$2\""
  ${DLASIM_BIN} ${WORK}/slice_h.onnx ${WORK}/slice_h.dlal)

# What stays refused names its rule (docs/dla-rules.md), and no loadable is written.
foreach(case "step2;slice.step" "batch;slice.axis" "empty;slice.empty" "dynamic;slice.params" "rank3;slice.rank")
  list(GET case 0 net)
  list(GET case 1 rule)
  dlasim_cli_test(NAME slice_${net}_rejected REQUIRES slice_${net} ARGS --exit 1 --one-line-stderr
    --stderr "slice_${net}.onnx" --stderr "rule ${rule}" --absent ${WORK}/never_slice_${net}.dlal
    -- ${DLASIM_BIN} compile ${WORK}/slice_${net}.onnx -o ${WORK}/never_slice_${net}.dlal)
endforeach()

# The compile report names each window read in place and where it starts.
dlasim_cli_test(NAME slice_view_in_report REQUIRES slice_unequal ARGS --exit 0
  --stdout "Conv_9 | .*reads a view of Relu_1_out at c 0, h 0, w 0"
  --stdout "Split_4:copy | .*reads a view of Relu_1_out at c 0, h 3, w 0"
  -- ${DLASIM_BIN} compile ${WORK}/slice_unequal.onnx -v -o ${WORK}/slice_unequal_report.dlal)

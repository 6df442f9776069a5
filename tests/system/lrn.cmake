# LRN on the CDP (docs/compiler.md "LRN on the CDP", docs/dla-rules.md lrn.*); included from
# tests/system/CMakeLists.txt (uses dlasim_cli_test, FUNC, REFDIR, DLASIM_BIN, DLASIM_PYTHON, WORK).
# Functional: conv -> LRN -> conv bit-exact against the independent INT8 reference (its own CDP: square
# sum, two-table LUT, converters from docs/datapath.md step 7), bounded against FP32 ONNX LRN relative
# to the output range. Measured on orin-agx-64gb and nv_full: lrn3 0.76 %, lrn5 0.82 %, lrn7 0.76 %,
# lrn9 0.77 %, lrn5_strong 1.2 % (asserted 5 %).
foreach(net lrn3 lrn5 lrn7 lrn9 lrn5_strong lrn5_c16 lrn4 lrn11 lrn5_bias0)
  add_test(NAME cli.make_tiny_${net}
    COMMAND ${DLASIM_PYTHON} -B ${CMAKE_CURRENT_SOURCE_DIR}/tiny_lrn.py --net ${net} --out ${WORK}/tiny_${net}.onnx)
  set_tests_properties(cli.make_tiny_${net} PROPERTIES FIXTURES_SETUP tiny_${net})
endforeach()
foreach(net lrn3 lrn5 lrn7 lrn9 lrn5_strong)
  foreach(cfg orin-agx-64gb nv_full)
    add_test(NAME functional.tiny_${net}.${cfg}
      COMMAND ${FUNC} ${DLASIM_BIN} ${DLASIM_PYTHON} ${REFDIR} ${WORK}/tiny_${net}.onnx ${cfg}
              ${WORK}/func_tiny_${net}_${cfg} 0.05)
    set_tests_properties(functional.tiny_${net}.${cfg} PROPERTIES FIXTURES_REQUIRED tiny_${net}
      ENVIRONMENT "DLASIM_CONFIG_DIR=${PROJECT_SOURCE_DIR}/configs;ASAN_OPTIONS=detect_leaks=1:detect_stack_use_after_return=0"
      TIMEOUT 900)
  endforeach()
endforeach()

# Table accuracy (docs/compiler.md states the bound): for every square sum the INT8 input can produce
# and every input value it allows, the INT8 output of LUT + multiply + output converter is within the
# asserted LSBs of the float LRN at the op's recorded scales (0.5 is the output rounding itself).
# Measured: lrn3 0.26, lrn5 0.15, lrn7 0.32, lrn9 0.34 (asserted 0.55); lrn5_strong (alpha 1: the
# function falls to 2 % of its peak over the input range) 0.60 (asserted 0.65).
foreach(case lrn3:0.55 lrn5:0.55 lrn7:0.55 lrn9:0.55 lrn5_strong:0.65)
  string(REPLACE ":" ";" parts ${case})
  list(GET parts 0 net)
  list(GET parts 1 bound)
  add_test(NAME cli.lrn_table_error_bound_${net}
    COMMAND sh -c "\"$0\" compile \"$1\" -o \"$2\" >/dev/null && \"$3\" \"$4\" \"$2\" --max-lsb $5"
            ${DLASIM_BIN} ${WORK}/tiny_${net}.onnx ${WORK}/lrn_bound_${net}.dlal ${DLASIM_PYTHON}
            ${REFDIR}/lrn_bound.py ${bound})
  set_tests_properties(cli.lrn_table_error_bound_${net} PROPERTIES FIXTURES_REQUIRED tiny_${net}
    ENVIRONMENT "DLASIM_CONFIG_DIR=${PROJECT_SOURCE_DIR}/configs")
endforeach()

# The loadable carries one CDP op (format 1.3) with its converters and LUT; the layer is "lrn".
dlasim_cli_test(NAME lrn_cdp_op_in_loadable REQUIRES tiny_lrn5 ARGS --exit 0 --stdout "loadable format 1.3"
  --stdout "^  \\[  1\\] lrn +LRN_2 " --stdout "cdp +layer=1 deps=1 src=10x8x32 int8 .* lrn size=5 alpha=0.0001 beta=0.75 bias=2 in=\\(v-0\\)\\*1>>0 lut.le linear"
  -- sh -c "\"$0\" compile \"$1\" -o \"$2\" >/dev/null && exec \"$0\" inspect \"$2\""
  ${DLASIM_BIN} ${WORK}/tiny_lrn5.onnx ${WORK}/lrn5.dlal)

# Legality at and past the limits (docs/dla-rules.md): window 3 and 9 run (functional tests above), 4
# and 11 do not; 32 channels (a whole 32-B atom) run, 16 do not; bias 0 has no finite table; a target
# without CDP; FP16 (the network's or --layerPrecisions') is not modelled. No output file is left.
function(lrn_rejected net rule msg)
  dlasim_cli_test(NAME lrn_${net}_rejected_naming_rule_${rule} REQUIRES tiny_${net} ARGS --exit 1 --one-line-stderr
    --stderr "tiny_${net}.onnx" --stderr "node 'LRN_2' \\(LRN\\): ${msg}" --stderr "rule ${rule}"
    --rm ${WORK}/lrn_never.dlal --absent ${WORK}/lrn_never.dlal
    -- ${DLASIM_BIN} compile ${WORK}/tiny_${net}.onnx -o ${WORK}/lrn_never.dlal)
endfunction()
lrn_rejected(lrn4 lrn.window "LRN window 4: the DLA allows 3, 5, 7 or 9")
lrn_rejected(lrn11 lrn.window "LRN window 11: the DLA allows 3, 5, 7 or 9")
lrn_rejected(lrn5_c16 lrn.channels "LRN over 16 channels: the CDP window reads the padding lanes of the last 32-channel atom")
lrn_rejected(lrn5_bias0 lrn.params "LRN bias 0, alpha 0.0001, beta 0.75: dlasim's CDP table needs bias > 0")
dlasim_cli_test(NAME lrn_rejected_without_cdp_naming_rule_feature_cdp REQUIRES tiny_lrn5 ARGS --exit 1
  --one-line-stderr --stderr "node 'LRN_2' \\(LRN\\): LRN needs the CDP, which the target lacks \\(rule feature.cdp\\)"
  -- ${DLASIM_BIN} compile ${WORK}/tiny_lrn5.onnx --set core.features.cdp=false -o ${WORK}/lrn_never.dlal)
dlasim_cli_test(NAME lrn_fp16_network_rejected_naming_rule_lrn_precision REQUIRES tiny_lrn5 ARGS --exit 1
  --one-line-stderr --stderr "layer 'LRN_2': LRN in FP16" --stderr "rule lrn.precision"
  -- ${DLASIM_BIN} compile ${WORK}/tiny_lrn5.onnx --fp16 --config nv_full -o ${WORK}/lrn_never.dlal)
dlasim_cli_test(NAME lrn_fp16_layer_precision_rejected_naming_rule_lrn_precision REQUIRES tiny_lrn5 ARGS --exit 1
  --one-line-stderr --stderr "layer 'LRN_2': LRN in FP16" --stderr "rule lrn.precision"
  -- ${DLASIM_BIN} compile ${WORK}/tiny_lrn5.onnx --layerPrecisions=LRN_2:fp16 -o ${WORK}/lrn_never.dlal)
# With GPU fallback an illegal LRN becomes a GPU layer.
dlasim_cli_test(NAME lrn_window_4_falls_back_to_the_gpu REQUIRES tiny_lrn4 ARGS --exit 0
  --stdout "^GPU fallback: node 'LRN_2' \\(LRN\\): LRN window 4" --stdout "^.GpuLayer. LRN_2 \\(LRN\\)$"
  -- ${DLASIM_BIN} compile ${WORK}/tiny_lrn4.onnx --allowGPUFallback -v -o ${WORK}/lrn_fb.dlal)

# PReLU, Max, Min, Sub and Abs on the SDP (docs/compiler.md "PReLU, Max, Min, Sub and Abs on the SDP");
# included from tests/system/CMakeLists.txt (uses dlasim_cli_test, FUNC, REFDIR, DLASIM_BIN, WORK).
# Functional: bit-exact against the independent INT8 and FP16 references (tests/reference), bounded
# against FP32. INT8 calibrates on the test input itself (--calib, make_input.py's deterministic data),
# so the FP32 bound measures the mapping and not a calibration range the test input exceeds.
# Measured FP32 errors (fraction of the output range) on orin-agx-64gb and nv_full, INT8: conv_leaky
# 0.75 %, conv_prelu 0.60 %, scale_prelu 0.64 %, leaky_two 0.73 %, max 0.71 %, min 0.45 %, sub 0.54 %,
# sub_offline 0.60 %, abs 0.86 %, abs_relu_max 0.86 %, max_const 0.67 %, min_const_prelu 0.60 %
# (asserted 2 %); FP16 (nv_full): <= 0.05 % (asserted 0.5 %).
set(_sdpops_nets conv_leaky conv_prelu scale_prelu leaky_two max min sub sub_offline abs abs_relu_max max_const
  min_const_prelu)
set(_sdpops_limits prelu_hw_slope max_const_hw max_bcast leaky_limit leaky_past)
foreach(net ${_sdpops_nets} ${_sdpops_limits})
  add_test(NAME cli.make_tiny_${net}
    COMMAND sh -c "\"$0\" -B \"$1\" --net \"$2\" --out \"$3\" && \"$0\" -B \"$4\" \"$3\" --out-dir \"$5\" >/dev/null"
            ${DLASIM_PYTHON} ${CMAKE_CURRENT_SOURCE_DIR}/tiny_sdpops.py ${net} ${WORK}/tiny_${net}.onnx
            ${REFDIR}/make_input.py ${WORK}/calib_tiny_${net})
  set_tests_properties(cli.make_tiny_${net} PROPERTIES FIXTURES_SETUP tiny_${net})
endforeach()
foreach(net ${_sdpops_nets})
  foreach(cfg orin-agx-64gb nv_full)
    add_test(NAME functional.tiny_${net}.${cfg}
      COMMAND ${FUNC} ${DLASIM_BIN} ${DLASIM_PYTHON} ${REFDIR} ${WORK}/tiny_${net}.onnx ${cfg}
              ${WORK}/func_tiny_${net}_${cfg} 0.02 int8_ref.py --calib ${WORK}/calib_tiny_${net})
    set_tests_properties(functional.tiny_${net}.${cfg} PROPERTIES FIXTURES_REQUIRED tiny_${net}
      ENVIRONMENT "DLASIM_CONFIG_DIR=${PROJECT_SOURCE_DIR}/configs;ASAN_OPTIONS=detect_leaks=1:detect_stack_use_after_return=0"
      TIMEOUT 900)
  endforeach()
  if(NOT net STREQUAL "sub") # a Sub fused after a conv is INT8 only (rule eltwise.sub_fp16, below)
    add_test(NAME functional.fp16_tiny_${net}.nv_full
      COMMAND ${FUNC} ${DLASIM_BIN} ${DLASIM_PYTHON} ${REFDIR} ${WORK}/tiny_${net}.onnx nv_full
              ${WORK}/func16_tiny_${net} 0.005 fp16_ref.py --fp16)
    set_tests_properties(functional.fp16_tiny_${net}.nv_full PROPERTIES FIXTURES_REQUIRED tiny_${net}
      ENVIRONMENT "DLASIM_CONFIG_DIR=${PROJECT_SOURCE_DIR}/configs;ASAN_OPTIONS=detect_leaks=1:detect_stack_use_after_return=0"
      TIMEOUT 900)
  endif()
endforeach()

# Fusion: a LeakyRelu / PRelu after a conv is one conv+prelu layer (BN stage); with a second reader of
# the conv output it is an offline SDP op. Max / Min / Sub fuse into the later conv's pass when that
# conv's output is the first operand of a Sub (either operand of Max / Min); Abs is an SDP op of its own.
dlasim_cli_test(NAME sdpops_leaky_fuses_into_the_conv REQUIRES tiny_conv_leaky ARGS --exit 0
  --stdout "^ +0 conv\\+prelu +1x16x10x12 .*Conv_0 \\+ LeakyRelu_1 " --stdout "^summary: 1 layers, 2 ops,"
  -- ${DLASIM_BIN} compile ${WORK}/tiny_conv_leaky.onnx -v -o ${WORK}/sdpops_leaky.dlal)
dlasim_cli_test(NAME sdpops_leaky_with_two_readers_is_an_offline_sdp REQUIRES tiny_leaky_two ARGS --exit 0
  --stdout "^ +0 conv +1x16x10x12 .*Conv_0 " --stdout "^ +1 prelu +1x16x10x12 .*LeakyRelu_1 "
  -- ${DLASIM_BIN} compile ${WORK}/tiny_leaky_two.onnx -v -o ${WORK}/sdpops_two.dlal)
dlasim_cli_test(NAME sdpops_max_fuses_into_the_later_conv REQUIRES tiny_max ARGS --exit 0
  --stdout "^ +1 conv\\+max +1x16x10x12 .*Conv_1 \\+ Max_2 .*EW operand Conv_0_out"
  -- ${DLASIM_BIN} compile ${WORK}/tiny_max.onnx -v -o ${WORK}/sdpops_max.dlal)
dlasim_cli_test(NAME sdpops_sub_whose_subtrahend_is_the_later_conv_is_an_offline_sdp REQUIRES tiny_sub_offline
  ARGS --exit 0 --stdout "^ +2 sub +1x16x10x12 .*Sub_2 \\| EW operand Conv_1_out"
  -- ${DLASIM_BIN} compile ${WORK}/tiny_sub_offline.onnx -v -o ${WORK}/sdpops_sub2.dlal)
dlasim_cli_test(NAME sdpops_abs_is_an_ew_max_of_the_input_and_its_negation REQUIRES tiny_abs ARGS --exit 0
  --stdout "^ +1 abs +1x16x10x12 .*Abs_1 \\| EW operand Conv_0_out"
  -- ${DLASIM_BIN} compile ${WORK}/tiny_abs.onnx -v -o ${WORK}/sdpops_abs.dlal)
# inspect prints the BN stage's PReLU multiplier: read per kernel for PRelu's 16 different slopes.
dlasim_cli_test(NAME sdpops_inspect_shows_the_prelu_multiplier REQUIRES tiny_conv_prelu ARGS --exit 0
  --stdout "bn.prelu=per-kernel>>"
  -- sh -c "\"$0\" compile \"$1\" -o \"$2\" >/dev/null && \"$0\" inspect \"$2\""
     ${DLASIM_BIN} ${WORK}/tiny_conv_prelu.onnx ${WORK}/sdpops_prelu_inspect.dlal)

# Legality at and past each remaining limit (rule names of docs/dla-rules.md).
dlasim_cli_test(NAME sdpops_prelu_per_element_slope_is_refused REQUIRES tiny_prelu_hw_slope ARGS --exit 1
  --one-line-stderr --stderr "node 'PRelu_1' \\(PRelu\\): the PReLU slope must be per-tensor or per-channel"
  --stderr "rule prelu.slope_shape" --rm ${WORK}/sdpops_never.dlal --absent ${WORK}/sdpops_never.dlal
  -- ${DLASIM_BIN} compile ${WORK}/tiny_prelu_hw_slope.onnx -o ${WORK}/sdpops_never.dlal)
dlasim_cli_test(NAME sdpops_max_with_a_per_element_constant_is_refused REQUIRES tiny_max_const_hw ARGS --exit 1
  --one-line-stderr --stderr "node 'Max_1' \\(Max\\): only Max of two equal-shaped activations"
  --stderr "rule eltwise.maxmin_operands" -- ${DLASIM_BIN} compile ${WORK}/tiny_max_const_hw.onnx -o ${WORK}/sdpops_never.dlal)
# Max / Min with a per-channel / per-tensor constant run in the conv's BN ALU, before a PReLU's MUL.
dlasim_cli_test(NAME sdpops_min_constant_then_prelu_is_one_conv_pass REQUIRES tiny_min_const_prelu ARGS --exit 0
  --stdout "^ +0 conv\\+minc\\+prelu +1x16x10x12 .*Conv_0 \\+ Min_1 \\+ PRelu_2 " --stdout "^summary: 1 layers, 2 ops,"
  -- ${DLASIM_BIN} compile ${WORK}/tiny_min_const_prelu.onnx -v -o ${WORK}/sdpops_minc.dlal)
dlasim_cli_test(NAME sdpops_max_with_broadcast_is_refused REQUIRES tiny_max_bcast ARGS --exit 1 --one-line-stderr
  --stderr "node 'Max_2' \\(Max\\): only Max of two equal-shaped activations" --stderr "rule eltwise.maxmin_operands"
  -- ${DLASIM_BIN} compile ${WORK}/tiny_max_bcast.onnx -o ${WORK}/sdpops_never.dlal)
dlasim_cli_test(NAME sdpops_slope_32767_is_the_largest_accepted REQUIRES tiny_leaky_limit ARGS --exit 0
  --stdout "bn\\[prelu=per-layer 32767>>0\\]"
  -- sh -c "\"$0\" compile \"$1\" -o \"$2\" >/dev/null && \"$0\" inspect \"$2\""
     ${DLASIM_BIN} ${WORK}/tiny_leaky_limit.onnx ${WORK}/sdpops_limit.dlal)
# One past the INT8 limit, the layer falls back to FP16 (quantize.c's per-layer fallback), naming the rule.
dlasim_cli_test(NAME sdpops_slope_32768_falls_back_to_fp16_naming_the_int8_rule REQUIRES tiny_leaky_past ARGS --exit 0
  --stdout "^precision: layer 'Conv_0 \\+ LeakyRelu_1' falls back to fp16 .*PReLU slope is not finite or beyond"
  --stdout "rule prelu.slope_range" --stdout "^ +0 conv\\+prelu +1x16x10x12 +fp16 "
  -- ${DLASIM_BIN} compile ${WORK}/tiny_leaky_past.onnx -v -o ${WORK}/sdpops_past.dlal)
dlasim_cli_test(NAME sdpops_max_rejected_on_nv_small REQUIRES tiny_max ARGS --exit 1 --one-line-stderr
  --stderr "node 'Max_2' \\(Max\\): the target's SDP has no element-wise stage \\(rule feature.sdp_ew\\)"
  -- ${DLASIM_BIN} compile ${WORK}/tiny_max.onnx --config nv_small -o ${WORK}/sdpops_never.dlal)
dlasim_cli_test(NAME sdpops_leaky_runs_on_nv_small REQUIRES tiny_conv_leaky ARGS --exit 0
  --stdout "^ +0 conv\\+prelu "
  -- ${DLASIM_BIN} compile ${WORK}/tiny_conv_leaky.onnx --config nv_small -v -o ${WORK}/sdpops_small.dlal)
dlasim_cli_test(NAME sdpops_fp16_sub_after_a_conv_is_refused REQUIRES tiny_sub ARGS --exit 1 --one-line-stderr
  --stderr "layer 'Conv_1 \\+ Sub_2': Sub fused after a conv .*in FP16: the FP16 EW stage has no converter" --stderr "rule eltwise.sub_fp16"
  -- ${DLASIM_BIN} compile ${WORK}/tiny_sub.onnx --fp16 --config nv_full -o ${WORK}/sdpops_never.dlal)

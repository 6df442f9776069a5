# SDP lookup-table activations and element-wise Mul (docs/compiler.md "Lookup-table activations");
# included from tests/system/CMakeLists.txt (uses dlasim_cli_test, FUNC, REFDIR, DLASIM_BIN, WORK).
# Functional: bit-exact against the independent INT8 reference (its own LUT and EW MUL, written from
# docs/datapath.md), bounded against FP32 relative to the output range.
# Measured FP32 errors (fraction of the range) on orin-agx-64gb and nv_full: conv_sigmoid 1.1 %,
# conv_tanh 1.7 %, conv_silu 1.0 %, mul 1.0 %, sigmoid_two 1.8 % (asserted 5 %); the _wide nets,
# whose pre-activations span +-20 / +-100 to reach every LUT path, 7.3 % (sigmoid) and 18.7 % (tanh):
# there the conv's own INT8 error on the pre-activation, times the activation's slope, dominates
# (asserted 10 % and 25 %). add_sigmoid (EW ALU then LUT in one pass) 1.6 % (5 %); mul_tanh (EW MUL
# then LUT) 8.5 % (asserted 10 %): the INT8 operand's rounding (half an LSB of 0.046) times the other
# factor (up to 5.8) reaches 0.13 before tanh, whose range is only 2.
foreach(net conv_sigmoid conv_tanh conv_silu mul sigmoid_two conv_sigmoid_wide conv_tanh_wide add_sigmoid mul_tanh)
  add_test(NAME cli.make_tiny_${net}
    COMMAND ${DLASIM_PYTHON} -B ${CMAKE_CURRENT_SOURCE_DIR}/tiny_lut.py --net ${net} --out ${WORK}/tiny_${net}.onnx)
  set_tests_properties(cli.make_tiny_${net} PROPERTIES FIXTURES_SETUP tiny_${net})
endforeach()
foreach(case conv_sigmoid:0.05 conv_tanh:0.05 conv_silu:0.05 mul:0.05 sigmoid_two:0.05 conv_sigmoid_wide:0.10
             conv_tanh_wide:0.25 add_sigmoid:0.05 mul_tanh:0.10)
  string(REPLACE ":" ";" parts ${case})
  list(GET parts 0 net)
  list(GET parts 1 bound)
  foreach(cfg orin-agx-64gb nv_full)
    add_test(NAME functional.tiny_${net}.${cfg}
      COMMAND ${FUNC} ${DLASIM_BIN} ${DLASIM_PYTHON} ${REFDIR} ${WORK}/tiny_${net}.onnx ${cfg}
              ${WORK}/func_tiny_${net}_${cfg} ${bound})
    set_tests_properties(functional.tiny_${net}.${cfg} PROPERTIES FIXTURES_REQUIRED tiny_${net}
      ENVIRONMENT "DLASIM_CONFIG_DIR=${PROJECT_SOURCE_DIR}/configs;ASAN_OPTIONS=detect_leaks=1:detect_stack_use_after_return=0"
      TIMEOUT 900)
  endforeach()
endforeach()

# Fusion: a SiLU after a conv is one conv+silu layer (one SDP pass, the LUT computes x * sigmoid(x));
# a Sigmoid whose input has a second reader is an offline SDP op of its own.
dlasim_cli_test(NAME lut_silu_fuses_into_the_conv REQUIRES tiny_conv_silu ARGS --exit 0
  --stdout "^ +0 conv\\+silu +1x16x10x12 .*Conv_0 \\+ BatchNormalization_1 \\+ Sigmoid_2 \\+ Mul_3 "
  --stdout "^summary: 1 layers, 2 ops,"
  -- ${DLASIM_BIN} compile ${WORK}/tiny_conv_silu.onnx -v -o ${WORK}/lut_silu.dlal)
dlasim_cli_test(NAME lut_sigmoid_with_two_readers_is_an_offline_sdp REQUIRES tiny_sigmoid_two ARGS --exit 0
  --stdout "^ +0 conv +1x16x10x12 .*Conv_0 " --stdout "^ +1 sigmoid +1x16x10x12 .*Sigmoid_1 "
  --stdout "^ +3 conv\\+silu "
  -- ${DLASIM_BIN} compile ${WORK}/tiny_sigmoid_two.onnx -v -o ${WORK}/lut_two.dlal)
dlasim_cli_test(NAME lut_inspect_shows_the_tables_settings REQUIRES tiny_conv_sigmoid ARGS --exit 0
  --stdout "lut.le linear start=-131072 end=131072 sel=12 off=0 lo start=-32768 end=32768 sel=8 prio u0 o0 h1"
  -- sh -c "\"$0\" compile \"$1\" -o \"$2\" >/dev/null && \"$0\" inspect \"$2\""
     ${DLASIM_BIN} ${WORK}/tiny_conv_sigmoid.onnx ${WORK}/lut_sig.dlal)

# Legality (rule names of docs/dla-rules.md): nv_small's SDP has neither the LUT nor the EW stage
# (NVDLA spec/defs/nv_small.spec, nvdla-reference §2); FP16 LUTs are not modelled.
dlasim_cli_test(NAME lut_sigmoid_rejected_on_nv_small REQUIRES tiny_conv_sigmoid ARGS --exit 1 --one-line-stderr
  --stderr "tiny_conv_sigmoid.onnx" --stderr "node 'Sigmoid_1' \\(Sigmoid\\): Sigmoid needs the SDP lookup table"
  --stderr "rule feature.sdp_lut" --rm ${WORK}/lut_never.dlal --absent ${WORK}/lut_never.dlal
  -- ${DLASIM_BIN} compile ${WORK}/tiny_conv_sigmoid.onnx --config nv_small -o ${WORK}/lut_never.dlal)
dlasim_cli_test(NAME lut_mul_rejected_on_nv_small REQUIRES tiny_mul ARGS --exit 1 --one-line-stderr
  --stderr "node 'Mul_2' \\(Mul\\): the target's SDP has no element-wise stage \\(rule feature.sdp_ew\\)"
  -- ${DLASIM_BIN} compile ${WORK}/tiny_mul.onnx --config nv_small -o ${WORK}/lut_never.dlal)
dlasim_cli_test(NAME lut_silu_falls_back_to_the_gpu_on_nv_small REQUIRES tiny_conv_silu ARGS --exit 0
  --stdout "^GPU fallback: node 'Mul_3' \\(Mul\\): SiLU needs the SDP lookup table"
  --stdout "^.GpuLayer. Mul_3 \\(Mul\\)$"
  -- ${DLASIM_BIN} compile ${WORK}/tiny_conv_silu.onnx --config nv_small --allowGPUFallback -v
     -o ${WORK}/lut_small_fb.dlal)
dlasim_cli_test(NAME lut_fp16_is_rejected_naming_the_layer REQUIRES tiny_conv_tanh ARGS --exit 1 --one-line-stderr
  --stderr "layer 'Conv_0 \\+ Tanh_1': tanh in FP16" --stderr "rule act.lut_precision"
  -- ${DLASIM_BIN} compile ${WORK}/tiny_conv_tanh.onnx --fp16 --config nv_full -o ${WORK}/lut_never.dlal)

# Table accuracy (docs/compiler.md states the bound): over a dense grid of the LUT's int32 input, the
# INT8 output of LUT + output converter is within 0.55 LSB of the float function (0.5 is the output
# rounding itself; measured 0.501-0.510).
foreach(net conv_sigmoid_wide conv_tanh_wide conv_silu)
  add_test(NAME cli.lut_table_error_bound_${net}
    COMMAND sh -c "\"$0\" compile \"$1\" -o \"$2\" >/dev/null && \"$3\" \"$4\" \"$2\" --max-lsb 0.55"
            ${DLASIM_BIN} ${WORK}/tiny_${net}.onnx ${WORK}/lut_bound_${net}.dlal ${DLASIM_PYTHON}
            ${REFDIR}/lut_bound.py)
  set_tests_properties(cli.lut_table_error_bound_${net} PROPERTIES FIXTURES_REQUIRED tiny_${net}
    ENVIRONMENT "DLASIM_CONFIG_DIR=${PROJECT_SOURCE_DIR}/configs")
endforeach()

# Horizontal fusion of sibling convolutions (docs/compiler.md "Horizontal fusion"); included from
# tests/system/CMakeLists.txt (uses dlasim_cli_test, FUNC, REFDIR, DLASIM_BIN, DLASIM_PYTHON, WORK).
# Functional: bit-exact against the independent references (int8_ref.py, and fp16_ref.py for FP16 on
# nv_full), which execute the merged conv and the slices read in place from the loadable; bounded
# against FP32 relative to the output range. Measured FP32 errors (fraction of the range, INT8, the same
# on orin-agx-64gb and nv_full): two 2.5 %, pad 5.4 %, three 3.8 %, relu 8.7 %, stride 2.7 % (asserted
# 10 %); FP16 on nv_full: <= 0.05 % (asserted 1 %).
foreach(net two pad three relu stride)
  add_test(NAME cli.make_tiny_hfuse_${net}
    COMMAND ${DLASIM_PYTHON} -B ${CMAKE_CURRENT_SOURCE_DIR}/tiny_hfuse.py --net ${net} --out ${WORK}/tiny_hfuse_${net}.onnx)
  set_tests_properties(cli.make_tiny_hfuse_${net} PROPERTIES FIXTURES_SETUP tiny_hfuse_${net})
  foreach(cfg orin-agx-64gb nv_full)
    add_test(NAME functional.tiny_hfuse_${net}.${cfg}
      COMMAND ${FUNC} ${DLASIM_BIN} ${DLASIM_PYTHON} ${REFDIR} ${WORK}/tiny_hfuse_${net}.onnx ${cfg}
              ${WORK}/func_tiny_hfuse_${net}_${cfg} 0.10)
    set_tests_properties(functional.tiny_hfuse_${net}.${cfg} PROPERTIES FIXTURES_REQUIRED tiny_hfuse_${net}
      ENVIRONMENT "DLASIM_CONFIG_DIR=${PROJECT_SOURCE_DIR}/configs;ASAN_OPTIONS=detect_leaks=1:detect_stack_use_after_return=0"
      TIMEOUT 900)
  endforeach()
endforeach()
foreach(net two pad three)
  add_test(NAME functional.tiny_hfuse_${net}.nv_full_fp16
    COMMAND ${FUNC} ${DLASIM_BIN} ${DLASIM_PYTHON} ${REFDIR} ${WORK}/tiny_hfuse_${net}.onnx nv_full
            ${WORK}/func_tiny_hfuse_${net}_nv_full_fp16 0.01 fp16_ref.py --fp16)
  set_tests_properties(functional.tiny_hfuse_${net}.nv_full_fp16 PROPERTIES FIXTURES_REQUIRED tiny_hfuse_${net}
    ENVIRONMENT "DLASIM_CONFIG_DIR=${PROJECT_SOURCE_DIR}/configs;ASAN_OPTIONS=detect_leaks=1:detect_stack_use_after_return=0"
    TIMEOUT 900)
endforeach()

# Merging changes the schedule, not the numbers: each slice is requantised to its own scale by the
# per-kernel multiplier, so the outputs with and without --no-hfuse are the same bits.
foreach(net two pad three)
  foreach(cfg orin-agx-64gb nv_full)
    dlasim_cli_test(NAME hfuse_outputs_equal_the_unmerged_ones_${net}_${cfg} REQUIRES tiny_hfuse_${net} ARGS --exit 0
      --stdout "^output.npy: identical$"
      -- ${CMAKE_CURRENT_SOURCE_DIR}/hfuse_ab.sh ${DLASIM_BIN} ${DLASIM_PYTHON} ${REFDIR} ${WORK}/tiny_hfuse_${net}.onnx
         ${cfg} ${WORK}/hfuse_ab_${net}_${cfg})
  endforeach()
endforeach()

# The report names the merge (layer "a + b", TensorRT style), the slices and the modelled cost; the
# refusals say why.
dlasim_cli_test(NAME hfuse_report_names_the_merged_convs REQUIRES tiny_hfuse_pad ARGS --exit 0
  --stdout "^hfuse: merged 'Conv_2 \\+ Relu_3' and 'Conv_4 \\+ Relu_5' into one conv of 72 kernels \\(8 padding\\), slices at channels 0, 32. modelled [0-9]+ cycles per image, [0-9]+ apart$"
  --stdout "^ +1 conv +1x72x10x12 +int8 +Conv_2 \\+ Relu_3 \\+ Conv_4 \\+ Relu_5 .*\\| hfused: Relu_3_out at channel 0, Relu_5_out at channel 32 "
  --stdout "^summary: 4 layers, 8 ops,"
  -- ${DLASIM_BIN} compile ${WORK}/tiny_hfuse_pad.onnx -v -o ${WORK}/hfuse_pad.dlal)
# useful MACs of the merged layer: (16 + 32 + 8) kernels x 32 channels x 10 x 12 points = 215040
dlasim_cli_test(NAME hfuse_inspect_shows_the_merged_layer REQUIRES tiny_hfuse_three ARGS --exit 0
  --stdout "^  \\[  1\\] conv +Conv_2 \\+ Relu_3 \\+ Conv_5 \\+ Relu_6 \\+ Conv_8 \\+ Relu_9 \\(215040 MACs\\)$"
  -- sh -c "\"$0\" compile \"$1\" -o \"$2\" >/dev/null && \"$0\" inspect \"$2\""
     ${DLASIM_BIN} ${WORK}/tiny_hfuse_three.onnx ${WORK}/hfuse_three.dlal)
dlasim_cli_test(NAME hfuse_relu_on_one_sibling_is_not_merged REQUIRES tiny_hfuse_relu ARGS --exit 0
  --stdout "^hfuse: not merged 'Conv_2 \\+ Relu_3' and 'Conv_4' \\(siblings on 'Relu_1_out'\\): a ReLU on one only"
  --stdout "^summary: 5 layers, 10 ops,"
  -- ${DLASIM_BIN} compile ${WORK}/tiny_hfuse_relu.onnx -v -o ${WORK}/hfuse_relu.dlal)
dlasim_cli_test(NAME hfuse_different_strides_are_not_merged REQUIRES tiny_hfuse_stride ARGS --exit 0
  --stdout "^hfuse: not merged 'Conv_2 \\+ Relu_3' and 'Conv_4 \\+ Relu_5' \\(siblings on 'Relu_1_out'\\): different strides$"
  -- ${DLASIM_BIN} compile ${WORK}/tiny_hfuse_stride.onnx -v -o ${WORK}/hfuse_stride.dlal)
dlasim_cli_test(NAME hfuse_off_keeps_the_siblings_apart REQUIRES tiny_hfuse_two ARGS --exit 0
  --stdout "^hfuse: off \\(--no-hfuse\\)$" --stdout "^summary: 6 layers, 11 ops,"
  -- ${DLASIM_BIN} compile ${WORK}/tiny_hfuse_two.onnx -v --no-hfuse -o ${WORK}/hfuse_off.dlal)

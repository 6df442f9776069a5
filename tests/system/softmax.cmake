# Softmax on the DLA (docs/compiler.md "Softmax"); included from tests/system/CMakeLists.txt (uses
# dlasim_cli_test, FUNC, REFDIR, DLASIM_BIN, DLASIM_PYTHON, WORK).
# Functional: bit-exact against the independent INT8 reference (its own LUT, EW and conv semantics from
# docs/datapath.md), then within an absolute bound of float softmax (fp32_ref.py; probabilities, so the
# error is in output units, not relative to the range). Measured max |error| on orin-agx-64gb:
# conv_softmax 0.023, ssd_head 0.049, gemm_head 0.008, conv_head(_op11) 0.056, conv_wide 0.112. The
# bound grows with the input scale s_x (docs/compiler.md: relative error about s_x + s_L / 2 plus half
# an output LSB, s_L = s_x + log(C) / 127): asserted about 2x the measurement.
foreach(net conv_softmax conv_wide ssd_head gemm_head conv_head conv_head_op11 conv_op11 spatial)
  add_test(NAME cli.make_tiny_sm_${net}
    COMMAND ${DLASIM_PYTHON} -B ${CMAKE_CURRENT_SOURCE_DIR}/tiny_softmax.py --net ${net}
            --out ${WORK}/tiny_sm_${net}.onnx)
  set_tests_properties(cli.make_tiny_sm_${net} PROPERTIES FIXTURES_SETUP tiny_sm_${net})
endforeach()
foreach(case conv_softmax:0.05 ssd_head:0.1 gemm_head:0.02 conv_head:0.1 conv_head_op11:0.1 conv_wide:0.2)
  string(REPLACE ":" ";" parts ${case})
  list(GET parts 0 net)
  list(GET parts 1 bound)
  set(w ${WORK}/func_sm_${net})
  add_test(NAME functional.softmax_${net}.orin-agx-64gb
    COMMAND sh -c "\"$0\" \"$1\" \"$2\" \"$3\" \"$4\" orin-agx-64gb \"$5\" 1e9 && \"$2\" \"$3/compare.py\" \"$5/fp32_ref\" \"$5/dlasim\" --max-abs-err $6"
            ${FUNC} ${DLASIM_BIN} ${DLASIM_PYTHON} ${REFDIR} ${WORK}/tiny_sm_${net}.onnx ${w} ${bound})
  set_tests_properties(functional.softmax_${net}.orin-agx-64gb PROPERTIES FIXTURES_REQUIRED tiny_sm_${net}
    ENVIRONMENT "DLASIM_CONFIG_DIR=${PROJECT_SOURCE_DIR}/configs;ASAN_OPTIONS=detect_leaks=1:detect_stack_use_after_return=0"
    TIMEOUT 900)
endforeach()

# The mapping: four log-sum-exp passes and the output exp, every step named after the Softmax node.
dlasim_cli_test(NAME softmax_is_log_sum_exp_passes_on_orin REQUIRES tiny_sm_conv_softmax ARGS --exit 0
  --stdout "^ +1 exp +1x16x10x12 .*Softmax_1:exp1 "
  --stdout "^ +2 conv\\+neglog +1x16x10x12 .*Softmax_1:sum1 \\+ Softmax_1:neglog1 "
  --stdout "^ +6 conv\\+add\\+neglog .*Softmax_1:sum2 \\+ Softmax_1:sumall2 \\+ Softmax_1:neglog2 "
  --stdout "^ +18 add +1x16x10x12 .*Softmax_1:shift \\+ Softmax_1 \\| EW operand Softmax_1:L4 "
  --stdout "^summary: 19 layers,"
  -- ${DLASIM_BIN} compile ${WORK}/tiny_sm_conv_softmax.onnx --config orin-agx-64gb -v -o ${WORK}/sm_passes.dlal)
# DLA 1 targets: TensorRT runs Softmax on the DLA only on Orin (nv_full is open NVDLA v1, like Xavier).
foreach(cfg xavier-agx nv_full)
  dlasim_cli_test(NAME softmax_rejected_on_${cfg} REQUIRES tiny_sm_conv_softmax ARGS --exit 1 --one-line-stderr
    --stderr "node 'Softmax_1' \\(Softmax\\): TensorRT runs Softmax on the DLA only on DLA 2 \\(Orin\\)"
    --stderr "rule softmax.target" --rm ${WORK}/sm_never.dlal --absent ${WORK}/sm_never.dlal
    -- ${DLASIM_BIN} compile ${WORK}/tiny_sm_conv_softmax.onnx --config ${cfg} -o ${WORK}/sm_never.dlal)
endforeach()
# What dlasim does not map stays refused with its rule, or runs on the GPU under fallback.
dlasim_cli_test(NAME softmax_opset11_flattening_is_refused REQUIRES tiny_sm_conv_op11 ARGS --exit 1 --one-line-stderr
  --stderr "opset 11 Softmax with axis 1 normalises over C x H x W together" --stderr "rule softmax.flatten"
  -- ${DLASIM_BIN} compile ${WORK}/tiny_sm_conv_op11.onnx --config orin-agx-64gb -o ${WORK}/sm_never.dlal)
dlasim_cli_test(NAME softmax_over_w_is_refused REQUIRES tiny_sm_spatial ARGS --exit 1 --one-line-stderr
  --stderr "softmax over spatial axis 3" --stderr "rule softmax.spatial"
  -- ${DLASIM_BIN} compile ${WORK}/tiny_sm_spatial.onnx --config orin-agx-64gb -o ${WORK}/sm_never.dlal)
dlasim_cli_test(NAME softmax_over_w_falls_back_to_the_gpu REQUIRES tiny_sm_spatial ARGS --exit 0
  --stdout "^GPU fallback: node 'Softmax_1' \\(Softmax\\): .*rule softmax.spatial"
  --stdout "^.GpuLayer. Softmax_1 \\(Softmax\\)$"
  -- ${DLASIM_BIN} compile ${WORK}/tiny_sm_spatial.onnx --config orin-agx-64gb --allowGPUFallback -v -o ${WORK}/sm_fb.dlal)

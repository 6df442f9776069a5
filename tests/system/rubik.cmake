# Deconvolution and nearest Resize through the RUBIK contract (docs/compiler.md "Deconvolution and
# Resize", docs/units/rubik.md); included from tests/system/CMakeLists.txt (uses dlasim_cli_test,
# DLASIM_BIN, DLASIM_PYTHON, WORK, FUNC, REFDIR).

# Functional: bit-exact against the independent INT8 reference (which reads the loadable's RUBIK op and
# does the contract itself), bounded against the FP32 ONNX reference (ConvTranspose and Resize computed
# from their ONNX definitions). Measured on orin-agx-64gb and nv_full: 0.8-1.2 % of the range; asserted 5 %.
foreach(net deconv resize2 resize4 concat deconv3s2 linear)
  add_test(NAME cli.make_rbk_${net}
    COMMAND ${DLASIM_PYTHON} -B ${CMAKE_CURRENT_SOURCE_DIR}/tiny_deconv.py --net ${net} --out ${WORK}/rbk_${net}.onnx)
  set_tests_properties(cli.make_rbk_${net} PROPERTIES FIXTURES_SETUP rbk_${net})
endforeach()
foreach(net deconv resize2 resize4 concat)
  foreach(cfg orin-agx-64gb nv_full)
    add_test(NAME functional.rbk_${net}.${cfg}
      COMMAND ${FUNC} ${DLASIM_BIN} ${DLASIM_PYTHON} ${REFDIR} ${WORK}/rbk_${net}.onnx ${cfg}
              ${WORK}/func_rbk_${net}_${cfg} 0.05)
    set_tests_properties(functional.rbk_${net}.${cfg} PROPERTIES FIXTURES_REQUIRED rbk_${net}
      ENVIRONMENT "DLASIM_CONFIG_DIR=${PROJECT_SOURCE_DIR}/configs;ASAN_OPTIONS=detect_leaks=1:detect_stack_use_after_return=0"
      TIMEOUT 900)
  endforeach()
endforeach()

# The loadable carries one RUBIK contract per upsampling, after the convolution it reads.
dlasim_cli_test(NAME rubik_op_in_loadable REQUIRES rbk_concat ARGS --exit 0 --stdout "loadable format 1.3"
  --stdout "rubik layer=" --stdout "contract stride=2x2"
  -- sh -c "\"$0\" compile \"$1\" -o \"$2\" >/dev/null && exec \"$0\" inspect \"$2\""
  ${DLASIM_BIN} ${WORK}/rbk_concat.onnx ${WORK}/rbk_concat.dlal)

# What is not lowered names its rule (docs/dla-rules.md).
dlasim_cli_test(NAME deconv_kernel_not_stride_rejected REQUIRES rbk_deconv3s2 ARGS --exit 1 --one-line-stderr
  --stderr "ConvTranspose" --stderr "rule deconv.kernel_stride" --absent ${WORK}/never_deconv3.dlal
  -- ${DLASIM_BIN} compile ${WORK}/rbk_deconv3s2.onnx -o ${WORK}/never_deconv3.dlal)
dlasim_cli_test(NAME deconv_rejected_without_rubik REQUIRES rbk_deconv ARGS --exit 1 --one-line-stderr
  --stderr "nv_small" --stderr "lacks .rule feature.rubik" --absent ${WORK}/never_deconv_small.dlal
  -- ${DLASIM_BIN} compile ${WORK}/rbk_deconv.onnx --config nv_small -o ${WORK}/never_deconv_small.dlal)
dlasim_cli_test(NAME resize_linear_rejected_orin REQUIRES rbk_linear ARGS --exit 1 --one-line-stderr
  --stderr "rule resize.linear_unit" -- ${DLASIM_BIN} compile ${WORK}/rbk_linear.onnx -o ${WORK}/never_linear.dlal)
dlasim_cli_test(NAME resize_linear_rejected_xavier REQUIRES rbk_linear ARGS --exit 1 --one-line-stderr
  --stderr "rule resize.xavier_linear"
  -- ${DLASIM_BIN} compile ${WORK}/rbk_linear.onnx --config xavier-agx -o ${WORK}/never_linear_x.dlal)

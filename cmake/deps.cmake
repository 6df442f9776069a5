# Dependencies: all from Debian. A missing one stops configure and names the apt package.
find_package(PkgConfig)
if(NOT PKG_CONFIG_FOUND)
  message(FATAL_ERROR "pkg-config not found: apt-get install pkg-config")
endif()

macro(dlasim_require_pkg var module apt)
  pkg_check_modules(${var} IMPORTED_TARGET ${module})
  if(NOT ${var}_FOUND)
    message(FATAL_ERROR "${module} not found: apt-get install ${apt}")
  endif()
endmacro()

dlasim_require_pkg(SYSTEMC systemc libsystemc-dev)
dlasim_require_pkg(JSONC json-c libjson-c-dev)
dlasim_require_pkg(PROTOBUFC libprotobuf-c libprotobuf-c-dev)
dlasim_require_pkg(HDF5 hdf5 libhdf5-dev)

find_package(GTest)
if(NOT GTest_FOUND)
  message(FATAL_ERROR "GoogleTest not found: apt-get install libgtest-dev")
endif()

find_program(PROTOC_C protoc-c)
if(NOT PROTOC_C)
  message(FATAL_ERROR "protoc-c not found: apt-get install protobuf-c-compiler")
endif()

set(DLASIM_ONNX_PROTO /usr/include/onnx/onnx.proto CACHE FILEPATH "onnx.proto compiled with protoc-c")
if(NOT EXISTS ${DLASIM_ONNX_PROTO})
  message(FATAL_ERROR "${DLASIM_ONNX_PROTO} not found: apt-get install libonnx-dev")
endif()

# Scripts use Debian's interpreter, which sees python3-onnx / python3-numpy / python3-h5py.
set(DLASIM_PYTHON /usr/bin/python3 CACHE FILEPATH "Debian python with onnx and numpy")
execute_process(COMMAND ${DLASIM_PYTHON} -c "import onnx, numpy"
                RESULT_VARIABLE _dlasim_py_ok OUTPUT_QUIET ERROR_QUIET)
if(NOT _dlasim_py_ok EQUAL 0)
  message(FATAL_ERROR "${DLASIM_PYTHON} cannot import onnx and numpy: apt-get install python3-onnx python3-numpy")
endif()

# Optional: OpenMPI for `dlasim sweep --mpi` (apt-get install libopenmpi-dev openmpi-bin). Without it
# the sweep runs on local workers only and --mpi says how to get MPI.
find_package(MPI COMPONENTS C QUIET)
if(MPI_C_FOUND)
  set(DLASIM_HAVE_MPI ON)
  message(STATUS "MPI found: dlasim sweep --mpi enabled (${MPIEXEC_EXECUTABLE})")
else()
  set(DLASIM_HAVE_MPI OFF)
  message(STATUS "MPI not found: dlasim sweep --mpi disabled (apt-get install libopenmpi-dev openmpi-bin)")
endif()

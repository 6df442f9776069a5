# One place for how dlasim targets are built and tested.

# Warnings are errors on our own targets (not on generated code).
function(dlasim_warnings target)
  target_compile_options(${target} PRIVATE -Wall -Wextra -Werror)
endfunction()

# dlasim_add_gtest(NAME <name> [SYSTEMC] SOURCES <files...> LIBS <targets...>)
# Each TEST() becomes its own ctest test (one process each: SystemC elaborates once per process).
# SYSTEMC: the suite runs SystemC, whose library owns main() and calls sc_main (ours runs gtest).
include(GoogleTest)
function(dlasim_add_gtest)
  cmake_parse_arguments(T "SYSTEMC" "NAME" "SOURCES;LIBS" ${ARGN})
  if(T_SYSTEMC)
    add_executable(${T_NAME} ${T_SOURCES} ${PROJECT_SOURCE_DIR}/hw/common/sc_gtest_main.cpp)
    target_link_libraries(${T_NAME} PRIVATE ${T_LIBS} GTest::gtest)
  else()
    add_executable(${T_NAME} ${T_SOURCES})
    target_link_libraries(${T_NAME} PRIVATE ${T_LIBS} GTest::gtest GTest::gtest_main)
  endif()
  target_include_directories(${T_NAME} PRIVATE ${PROJECT_SOURCE_DIR})
  target_compile_definitions(${T_NAME} PRIVATE
    DLASIM_SOURCE_DIR="${PROJECT_SOURCE_DIR}"
    DLASIM_BUILD_DIR="${PROJECT_BINARY_DIR}")
  set_target_properties(${T_NAME} PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${PROJECT_BINARY_DIR}/tests)
  dlasim_warnings(${T_NAME})
  gtest_discover_tests(${T_NAME} DISCOVERY_TIMEOUT 120
    PROPERTIES ENVIRONMENT "ASAN_OPTIONS=detect_leaks=1:detect_stack_use_after_return=0;DLASIM_CONFIG_DIR=${PROJECT_SOURCE_DIR}/configs")
endfunction()

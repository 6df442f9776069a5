// Helpers shared by the trace tests: an owning result pointer, a fresh directory per test (tests run in
// parallel, one process each) and reading a whole file.
#pragma once

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>

#include "dla/result.h"

struct ResultPtr {
    dla_run_result *r = nullptr;
    explicit ResultPtr(dla_run_result *p = nullptr) : r(p) {}
    ~ResultPtr() { dla_run_result_destroy(r); }
    ResultPtr(const ResultPtr &) = delete;
    ResultPtr &operator=(const ResultPtr &) = delete;
};

// DLASIM_BUILD_DIR/tests/<group>/<test name>, emptied.
inline std::filesystem::path fresh_test_dir(const char *group)
{
    const auto *info = ::testing::UnitTest::GetInstance()->current_test_info();
    std::filesystem::path d = std::filesystem::path(DLASIM_BUILD_DIR) / "tests" / group / info->name();
    std::filesystem::remove_all(d);
    std::filesystem::create_directories(d);
    return d;
}

inline std::string slurp(const std::filesystem::path &p)
{
    std::ifstream f(p, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>());
}

// dla_output_* (sw/common/output_file.c), the temporary-file + rename writer of every output: a new or
// regular path gets the complete content; a device, FIFO or directory is refused before anything is
// created, so the rename can never replace it (as root, `-o /dev/null` once replaced /dev/null).
#include <gtest/gtest.h>

#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>

extern "C" {
#include "dla/output_file.h"
}

namespace {

struct Scratch {
    std::string dir;
    Scratch()
    {
        char tmpl[] = "/tmp/dlasim_output_file_XXXXXX";
        dir = mkdtemp(tmpl);
    }
    ~Scratch() { std::system(("rm -rf '" + dir + "'").c_str()); }
};

dla_status write_text(const std::string &path, const char *text, dla_error *err)
{
    dla_output o{};
    dla_status st = dla_output_begin(&o, path.c_str(), err);
    if (st != DLA_OK)
        return st;
    FILE *f = dla_output_fopen(&o, "wb", err);
    if (!f) {
        dla_output_abort(&o);
        return DLA_ERR_IO;
    }
    fputs(text, f);
    fclose(f);
    return dla_output_commit(&o, err);
}

std::string slurp(const std::string &path)
{
    std::ifstream in(path, std::ios::binary);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
}

} // namespace

TEST(OutputFileTest, NewAndExistingRegularFilesGetTheCompleteContent)
{
    Scratch s;
    std::string p = s.dir + "/out.txt";
    dla_error err{};
    ASSERT_EQ(write_text(p, "first", &err), DLA_OK) << err.msg;
    EXPECT_EQ(slurp(p), "first");
    ASSERT_EQ(write_text(p, "second", &err), DLA_OK) << err.msg;
    EXPECT_EQ(slurp(p), "second");
}

TEST(OutputFileTest, DevNullIsRefusedAndStaysACharacterDevice)
{
    struct stat before;
    ASSERT_EQ(stat("/dev/null", &before), 0);
    if (!S_ISCHR(before.st_mode))
        GTEST_FAIL() << "/dev/null is not a character device on this machine before the test";
    dla_error err{};
    dla_output o{};
    EXPECT_EQ(dla_output_begin(&o, "/dev/null", &err), DLA_ERR_INVALID);
    EXPECT_NE(std::string(err.msg).find("/dev/null: exists and is not a regular file"), std::string::npos) << err.msg;
    dla_output_abort(&o);
    struct stat after;
    ASSERT_EQ(stat("/dev/null", &after), 0);
    EXPECT_TRUE(S_ISCHR(after.st_mode));
}

TEST(OutputFileTest, FifoAndDirectoryAreRefusedAndLeftInPlace)
{
    Scratch s;
    std::string fifo = s.dir + "/pipe", dir = s.dir + "/sub";
    ASSERT_EQ(mkfifo(fifo.c_str(), 0600), 0);
    ASSERT_EQ(mkdir(dir.c_str(), 0700), 0);
    dla_error err{};
    EXPECT_EQ(write_text(fifo, "x", &err), DLA_ERR_INVALID);
    EXPECT_NE(std::string(err.msg).find("not a regular file"), std::string::npos) << err.msg;
    EXPECT_EQ(write_text(dir, "x", &err), DLA_ERR_INVALID);
    struct stat st;
    ASSERT_EQ(stat(fifo.c_str(), &st), 0);
    EXPECT_TRUE(S_ISFIFO(st.st_mode));
    ASSERT_EQ(stat(dir.c_str(), &st), 0);
    EXPECT_TRUE(S_ISDIR(st.st_mode));
}

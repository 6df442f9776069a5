// dla_input_read (sw/common/input_file.c), the whole-file reader of every parser: refuses devices,
// FIFOs and directories without blocking or reading, and oversized files before allocating.
#include <gtest/gtest.h>

#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <string>

extern "C" {
#include "dla/input_file.h"
}

namespace {

struct Scratch {
    std::string dir;
    Scratch()
    {
        char tmpl[] = "/tmp/dlasim_input_file_XXXXXX";
        dir = mkdtemp(tmpl);
    }
    ~Scratch() { std::system(("rm -rf '" + dir + "'").c_str()); }
};

struct Read {
    uint8_t *data = nullptr;
    size_t size = 0;
    dla_error err{};
    dla_status st = DLA_OK;
    Read(const std::string &path, uint64_t max) { st = dla_input_read(path.c_str(), "thing", max, &data, &size, &err); }
    ~Read() { free(data); }
    std::string msg() const { return err.msg; }
};

} // namespace

TEST(InputFileTest, ReadsTheWholeFileAndAddsATrailingNul)
{
    Scratch s;
    std::ofstream(s.dir + "/a.txt") << "hello";
    Read r(s.dir + "/a.txt", 5); // exactly at the limit is allowed
    ASSERT_EQ(r.st, DLA_OK) << r.msg();
    ASSERT_EQ(r.size, 5u);
    EXPECT_STREQ(reinterpret_cast<const char *>(r.data), "hello");
    Read empty("/dev/null", 5); // a character device, not a file
    EXPECT_EQ(empty.st, DLA_ERR_IO);
}

TEST(InputFileTest, DevicesFifosAndDirectoriesAreRefusedWithoutBlocking)
{
    Scratch s;
    std::string fifo = s.dir + "/f.json";
    ASSERT_EQ(mkfifo(fifo.c_str(), 0600), 0);
    // /dev/zero never ends and a FIFO without a writer would block the open: both are refused at once.
    for (const std::string &p : {std::string("/dev/zero"), fifo, s.dir}) {
        Read r(p, 1 << 20);
        EXPECT_EQ(r.st, DLA_ERR_IO) << p;
        EXPECT_EQ(r.msg(), p + ": not a regular file (a thing must be a file)");
        EXPECT_EQ(r.data, nullptr);
    }
    Read missing(s.dir + "/absent", 1 << 20);
    EXPECT_EQ(missing.st, DLA_ERR_IO);
    EXPECT_EQ(missing.msg(), s.dir + "/absent: cannot open file (No such file or directory)");
}

TEST(InputFileTest, FilesOverTheLimitAreRefusedBeforeReading)
{
    Scratch s;
    // A sparse 8 GiB file costs no disk; reading it would take 8 GiB of memory.
    std::string big = s.dir + "/big.bin";
    std::ofstream(big).close();
    ASSERT_EQ(truncate(big.c_str(), (off_t)8 << 30), 0);
    Read r(big, (uint64_t)1 << 30);
    EXPECT_EQ(r.st, DLA_ERR_LIMIT);
    EXPECT_EQ(r.msg(), big + ": 8589934592 bytes, larger than the 1073741824 byte limit for a thing");
    EXPECT_EQ(r.data, nullptr);
    std::ofstream(s.dir + "/six.txt") << "123456";
    Read one_over(s.dir + "/six.txt", 5);
    EXPECT_EQ(one_over.st, DLA_ERR_LIMIT);
}

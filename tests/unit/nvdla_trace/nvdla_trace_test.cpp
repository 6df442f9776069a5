// Parser of NVDLA's trace-test language (sw/nvdla_trace): statements decode to the right kinds,
// CSB addresses and GLB interrupt bits; malformed .cfg and .dat lines are rejected with file:line and
// what was expected. Expected addresses come from the NVDLA RDL (unit base + register offset).
#include <gtest/gtest.h>

#include <cstring>
#include <string>
#include <utility>
#include <vector>

extern "C" {
#include "dla/loadable.h"
#include "nvdla_trace.h"
}

namespace {

struct Parsed {
    dla_nt_script *s = nullptr;
    dla_status st = DLA_OK;
    dla_error err{};
    ~Parsed() { dla_nt_script_destroy(s); }
};

void parse(const std::string &text, Parsed &p)
{
    p.st = dla_nt_parse_cfg(text.data(), text.size(), "dir/t.cfg", &p.s, &p.err);
}

TEST(NvdlaTraceCfg, StatementsDecodeToKindsAddressesAndInterruptBits)
{
    Parsed p;
    parse("// comment\n"
          "mem_init(pri_mem, 0x80080000, 0x800, ALL_ZERO);\n"
          "mem_load(sec_mem, 0x50100000, \"in.dat\");\n"
          "\n"
          "reg_write(NVDLA_SDP.D_OP_ENABLE_0,0x1);\n"
          "reg_write(NVDLA_CDMA.D_DATAIN_SIZE_0_0, 7); // trailing comment\n"
          "poll_reg_equal(NVDLA_CDMA.S_CBUF_FLUSH_STATUS_0,0x1);\n"
          "intr_notify(SDP_0, ev);\n"
          "intr_notify(cdma_wt_0, ev2);\n"
          "intr_notify(CACC_1, ev3);\n"
          "sync_notify(NVDLA_CACC, s1);\n"
          "sync_wait(NVDLA_CSC, s1);\n"
          "check_crc(ev, 1, 0x80080000, 0x800, 0xf1e8ba9e);\n"
          "check_nothing(ev2);\n",
          p);
    ASSERT_EQ(p.st, DLA_OK) << p.err.msg;
    ASSERT_EQ(p.s->count, 12u);
    EXPECT_STREQ(p.s->name, "t");
    const dla_nt_stmt *s = p.s->stmts;
    EXPECT_EQ(s[0].kind, DLA_NT_MEM_INIT);
    EXPECT_EQ(s[0].line, 2);
    EXPECT_EQ(s[0].addr, 0x80080000u);
    EXPECT_EQ(s[0].size, 0x800u);
    EXPECT_EQ(s[1].kind, DLA_NT_MEM_LOAD);
    EXPECT_EQ(s[1].mem, DLA_NT_SEC_MEM);
    EXPECT_STREQ(s[1].target, "in.dat");
    // SDP window 0x9000 (v2 map), D_OP_ENABLE at offset 0x38 (NVDLA_SDP.rdl).
    EXPECT_EQ(s[2].kind, DLA_NT_REG_WRITE);
    EXPECT_EQ(s[2].reg, 0x9038u);
    EXPECT_TRUE(s[2].op_enable);
    EXPECT_EQ(s[2].value, 1u);
    EXPECT_EQ(s[2].line, 5);
    // CDMA window 0x3000, D_DATAIN_SIZE_0 at 0x1c: only the one trailing "_0" is the array index.
    EXPECT_EQ(s[3].reg, 0x301cu);
    EXPECT_FALSE(s[3].op_enable);
    EXPECT_EQ(s[3].value, 7u);
    EXPECT_EQ(s[4].kind, DLA_NT_POLL_REG_EQUAL);
    EXPECT_EQ(s[4].reg, 0x300cu); // S_CBUF_FLUSH_STATUS at 0x0c
    // GLB S_INTR_STATUS: SDP done0 = bit 0, CDMA_WT done0 = bit 18, CACC done1 = bit 21 (NVDLA_GLB.rdl).
    EXPECT_EQ(s[5].irq_bit, 0);
    EXPECT_STREQ(s[5].event, "ev");
    EXPECT_EQ(s[6].irq_bit, 18);
    EXPECT_EQ(s[7].irq_bit, 21);
    EXPECT_EQ(s[8].kind, DLA_NT_SYNC_NOTIFY);
    EXPECT_EQ(s[9].kind, DLA_NT_SYNC_WAIT);
    EXPECT_STREQ(s[9].event, "s1");
    EXPECT_EQ(s[10].kind, DLA_NT_CHECK_CRC);
    EXPECT_EQ(s[10].mem, DLA_NT_PRI_MEM); // the generator's numeric memory 1 reads the primary window
    EXPECT_EQ(s[10].value, 0xf1e8ba9eu);
    EXPECT_EQ(s[11].kind, DLA_NT_CHECK_NOTHING);
}

// Each malformed line must be rejected naming dir/t.cfg:<line> and what was expected.
TEST(NvdlaTraceCfg, MalformedLinesNameFileLineAndExpectation)
{
    const std::vector<std::pair<std::string, std::string>> cases = {
        {"reg_write(NVDLA_SDP.D_OP_ENABLE_0, 1)\n", "dir/t.cfg:1: reg_write(...) is not followed by ';'"},
        {"// ok\nreg_wrte(NVDLA_SDP.D_OP_ENABLE_0, 1);\n", "dir/t.cfg:2: unknown statement 'reg_wrte'"},
        {"reg_write(NVDLA_SDP.D_NO_SUCH_REG_0, 1);\n", "register 'NVDLA_SDP.D_NO_SUCH_REG_0', expected NVDLA_<UNIT>"},
        {"reg_write(NVDLA_SDP.D_OP_ENABLE, 1);\n", "expected NVDLA_<UNIT>.<REGISTER>_0"},
        {"reg_write(NVDLA_SDP.D_OP_ENABLE_0, 0x1g);\n", "value '0x1g', expected a number"},
        {"reg_write(NVDLA_SDP.D_OP_ENABLE_0, 0x100000000);\n",
         "expected a number (0x hex or decimal) of at most 0xffffffff"},
        {"reg_write(NVDLA_SDP.D_OP_ENABLE_0);\n", "reg_write has 1 arguments, expected 2"},
        {"mem_init(dram, 0x0, 0x10, ALL_ZERO);\n", "memory 'dram', expected pri_mem, sec_mem"},
        {"mem_init(pri_mem, 0x0, 0x10, RANDOM);\n", "pattern 'RANDOM', expected ALL_ZERO"},
        {"mem_load(pri_mem, 0x0, in.dat);\n", "expected a quoted file name"},
        {"mem_load(pri_mem, 0x0, \"../x.dat\");\n", "expected a name inside the test folder"},
        {"intr_notify(XYZ_0, ev);\n", "unit 'XYZ_0', expected SDP, CDP"},
        {"intr_notify(SDP_2, ev);\n", "unit 'SDP_2'"},
        {"check_crc(ev, pri_mem, 0x0, 0x8);\n", "check_crc has 4 arguments, expected 5"},
        {"reg_write(NVDLA_SDP.D_OP_ENABLE_0, 1); junk\n", "unexpected text after 'reg_write(...);'"},
        {"reg_write(NVDLA_SDP.D_OP_ENABLE_0, 1;\n", "missing ')'"},
        {"// only comments\n", "no statements"},
    };
    for (const auto &c : cases) {
        Parsed p;
        parse(c.first, p);
        EXPECT_EQ(p.st, DLA_ERR_FORMAT) << c.first;
        EXPECT_NE(std::strstr(p.err.msg, c.second.c_str()), nullptr) << c.first << " -> " << p.err.msg;
        EXPECT_EQ(p.s, nullptr);
    }
}

// NVDLA's largest tests zero 32 MiB and check 8.4 MiB; sizes up to 4 GiB used to be accepted and would
// zero (page in) or buffer that much simulated memory. 256 MiB = 0x10000000 is the limit, inclusive.
TEST(NvdlaTraceCfg, RegionsLargerThan256MiBAreRefused)
{
    Parsed ok;
    parse(
        "mem_init(pri_mem, 0x80000000, 0x10000000, ALL_ZERO);\ncheck_crc(ev, pri_mem, 0x80000000, 0x10000000, 0x0);\n",
        ok);
    EXPECT_EQ(ok.st, DLA_OK) << ok.err.msg;
    for (const char *line : {"mem_init(pri_mem, 0x80000000, 0x10000001, ALL_ZERO);\n",
                             "check_crc(ev, pri_mem, 0x80000000, 0xffffffff, 0x0);\n"}) {
        Parsed p;
        parse(line, p);
        EXPECT_EQ(p.st, DLA_ERR_FORMAT) << line;
        EXPECT_NE(std::strstr(p.err.msg, "dir/t.cfg:1:"), nullptr) << p.err.msg;
        EXPECT_NE(std::strstr(p.err.msg, "expected a number (0x hex or decimal) of at most 0x10000000"), nullptr)
            << p.err.msg;
    }
}

struct Sink {
    std::vector<std::pair<uint64_t, std::vector<uint8_t>>> records;
    static dla_status put(void *user, uint64_t offset, const uint8_t *bytes, size_t size, dla_error *)
    {
        static_cast<Sink *>(user)->records.emplace_back(offset, std::vector<uint8_t>(bytes, bytes + size));
        return DLA_OK;
    }
};

TEST(NvdlaTraceDat, RecordsWithOrWithoutOuterBracesGiveOffsetsAndBytes)
{
    // Both spellings NVDLA's images use: plain records with trailing commas, and an outer { } with
    // " ," separators and lower-case hex.
    const std::string plain = "{offset:0x0, size:2, payload:0x01 0xFF},\n{offset:0x20, size:1, payload:0x80}\n";
    const std::string wrapped = "{\n{offset:0x24, size:4, payload:0x00 0x03 0xab 0x7f} ,\n}\n";
    Sink a, b;
    dla_error err{};
    ASSERT_EQ(dla_nt_parse_dat(plain.data(), plain.size(), "p.dat", Sink::put, &a, &err), DLA_OK) << err.msg;
    ASSERT_EQ(a.records.size(), 2u);
    EXPECT_EQ(a.records[0].first, 0u);
    EXPECT_EQ(a.records[0].second, (std::vector<uint8_t>{0x01, 0xff}));
    EXPECT_EQ(a.records[1].first, 0x20u);
    EXPECT_EQ(a.records[1].second, (std::vector<uint8_t>{0x80}));
    ASSERT_EQ(dla_nt_parse_dat(wrapped.data(), wrapped.size(), "w.dat", Sink::put, &b, &err), DLA_OK) << err.msg;
    ASSERT_EQ(b.records.size(), 1u);
    EXPECT_EQ(b.records[0].first, 0x24u);
    EXPECT_EQ(b.records[0].second, (std::vector<uint8_t>{0x00, 0x03, 0xab, 0x7f}));
}

TEST(NvdlaTraceDat, MalformedRecordsNameFileLineAndExpectation)
{
    const std::vector<std::pair<std::string, std::string>> cases = {
        {"{offset:0x0, size:3, payload:0x01 0x02},\n", "x.dat:1: 2 payload bytes, expected size 3"},
        {"{offset:0x0, size:1, payload:0x01 0x02},\n", "x.dat:1: more payload bytes than size 1"},
        {"{offset:0x0, size:1, payload:0x1ff},\n", "x.dat:1: payload byte 0 '0x1ff},', expected 0x00..0xff"},
        {"{offset:0x0, size:1, payload:0x01},\n{ofset:0x8, size:1, payload:0x01}\n",
         "x.dat:2: expected a record {offset:0x<hex>"},
        {"{offset:0x0, size:0, payload:},\n", "x.dat:1: size 0, expected 1.."},
        {"{offset:0x0, size:1, payload:0x01} x\n", "x.dat:1: unexpected text after the record"},
        {"{\n{offset:0x0, size:1, payload:0x01}\n", "missing the closing '}'"},
        {"}\n", "x.dat:1: lone '}'"},
        {"\n\n", "no records"},
    };
    for (const auto &c : cases) {
        Sink s;
        dla_error err{};
        EXPECT_EQ(dla_nt_parse_dat(c.first.data(), c.first.size(), "x.dat", Sink::put, &s, &err), DLA_ERR_FORMAT)
            << c.first;
        EXPECT_NE(std::strstr(err.msg, c.second.c_str()), nullptr) << c.first << " -> " << err.msg;
    }
}

TEST(NvdlaTraceCrc, Crc32IsZlibs)
{
    // The CRC-32 check value of "123456789" (IEEE 802.3 / zlib crc32) is 0xCBF43926; NVDLA's golden
    // CRC of 2048 zero bytes in sdp_8x8x32_bypass_int8_0 is 0xf1e8ba9e (zlib.crc32(bytes(2048))).
    EXPECT_EQ(dla_loadable_crc32("123456789", 9), 0xCBF43926u);
    std::vector<uint8_t> zeros(2048, 0);
    EXPECT_EQ(dla_loadable_crc32(zeros.data(), zeros.size()), 0xf1e8ba9eu);
}

TEST(NvdlaTraceFiles, MissingFilesAreIoErrorsNamingThePath)
{
    dla_nt_script *s = nullptr;
    dla_error err{};
    EXPECT_EQ(dla_nt_read_cfg("/nonexistent/t.cfg", &s, &err), DLA_ERR_IO);
    EXPECT_NE(std::strstr(err.msg, "/nonexistent/t.cfg: cannot open file"), nullptr) << err.msg;
    char out[256];
    EXPECT_EQ(dla_nt_find_cfg("/nonexistent/dir", out, sizeof out, &err), DLA_ERR_IO);
    EXPECT_NE(std::strstr(err.msg, "/nonexistent/dir: no such file or folder"), nullptr) << err.msg;
}

} // namespace

// The compiler's on-chip SRAM pool (sw/compiler/sram_plan.c): which intermediates are placed in the
// SRAM region, where, and what is refused. Placements are derived by hand from the feature layout
// (docs/datapath.md) and the greedy rule of docs/compiler.md "On-chip SRAM".
#include <string>
#include <utility>

#include "test_support.h"

using namespace dlatest;

namespace {

// Orin-like core with a 1 MiB SRAM. INT8 feature layout with 32-B atoms: a 1x32x8x8 tensor is one
// surface of 8 lines x 8 x 32 B = 2048 B; a 1x64x8x8 one is two surfaces, 4096 B.
dla_config sram_config()
{
    dla_config c = orin_like();
    c.memory.sram_size_bytes = 1 << 20;
    return c;
}

struct Compiled {
    dla_loadable *ld = nullptr;
    ~Compiled() { dla_loadable_destroy(ld); }
    // The SRAM region's index, -1 when there is none.
    int sram_region() const
    {
        for (uint32_t i = 0; i < ld->num_regions; i++)
            if (ld->regions[i].domain == DLA_DOMAIN_SRAM)
                return int(i);
        return -1;
    }
    // Region and offset the SDP op of the layer named `name` writes.
    std::pair<int, uint64_t> dst(const char *name) const
    {
        for (uint32_t i = 0; i < ld->num_ops; i++) {
            const dla_lop &op = ld->ops[i];
            if (op.kind == DLA_OP_SDP && std::string(ld->layers[op.layer].name).rfind(name, 0) == 0)
                return {op.u.sdp.dst.region, op.u.sdp.dst.offset};
        }
        ADD_FAILURE() << "no SDP op of layer " << name;
        return {-2, 0};
    }
};

float w_one(int k, int c, int, int)
{
    return k == c ? 0.5f : 0.01f;
}

// x (1x32x8x8) -> A (1x1, -> 32) -> a -> B (-> 64) -> b -> C (-> 32) -> c -> D (-> 32) -> out.
// Lifetimes in layer order: a [0, 1], b [1, 2], c [2, 3] (a layer's output lives until its last
// reader): a and b overlap, b and c overlap, a and c are disjoint. Each is read once, so all save
// 2 DRAM bytes per SRAM byte; the greedy order is then the larger first: b (4096 B), a, c (2048 B).
dla_status compile_chain(int64_t pool, Compiled *out, dla_error *err, const dla_config *cfg_in = nullptr)
{
    static dla_config cfg = sram_config();
    ScratchDir dir;
    tb_model *m = tb_create(13);
    int64_t xd[4] = {1, 32, 8, 8};
    tb_input(m, "x", 4, xd);
    add_conv(m, "A", "x", "a", 32, 32, 1, 1, 1, 0, w_one);
    add_conv(m, "B", "a", "b", 64, 32, 1, 1, 1, 0, w_one);
    add_conv(m, "C", "b", "c", 32, 64, 1, 1, 1, 0, w_one);
    add_conv(m, "D", "c", "out", 32, 32, 1, 1, 1, 0, w_one);
    tb_output(m, "out");
    std::string p = dir.file("chain.onnx");
    EXPECT_EQ(tb_save(m, p.c_str()), 0);
    tb_destroy(m);
    dla_compile_opts o = opts_for(cfg_in ? cfg_in : &cfg);
    o.sram_pool_bytes = pool;
    return dla_compile_onnx(p.c_str(), &o, &out->ld, err);
}

} // namespace

TEST(SramPlanTest, DisjointLifetimesShareBytesOverlappingOnesDoNot)
{
    // Pool 8 KiB: b at 0; a overlaps b -> first free offset 4096; c overlaps b but not a -> 4096 too.
    // The region is 4096 + 2048 = 6144 B; D's output is the network output (DRAM).
    Compiled c;
    dla_error err{};
    ASSERT_EQ(compile_chain(8192, &c, &err), DLA_OK) << err.msg;
    int s = c.sram_region();
    ASSERT_GE(s, 0);
    EXPECT_EQ(c.ld->regions[s].size, 6144u);
    EXPECT_EQ(c.dst("B"), std::make_pair(s, uint64_t(0)));
    EXPECT_EQ(c.dst("A"), std::make_pair(s, uint64_t(4096)));
    EXPECT_EQ(c.dst("C"), std::make_pair(s, uint64_t(4096)));
    EXPECT_NE(c.dst("D").first, s);
    EXPECT_EQ(c.ld->regions[c.dst("D").first].domain, uint32_t(DLA_DOMAIN_DRAM));
}

TEST(SramPlanTest, PoolExactlyTheNeededBytesHoldsAllThree)
{
    Compiled c;
    dla_error err{};
    ASSERT_EQ(compile_chain(6144, &c, &err), DLA_OK) << err.msg;
    int s = c.sram_region();
    ASSERT_GE(s, 0);
    EXPECT_EQ(c.ld->regions[s].size, 6144u);
    EXPECT_EQ(c.dst("A").first, s);
    EXPECT_EQ(c.dst("C").first, s);
}

TEST(SramPlanTest, OneBytePastTheLimitLeavesTheSmallerTensorsInDram)
{
    // Pool 6143: b takes [0, 4096); a and c would need [4096, 6144) -> both stay in DRAM.
    Compiled c;
    dla_error err{};
    ASSERT_EQ(compile_chain(6143, &c, &err), DLA_OK) << err.msg;
    int s = c.sram_region();
    ASSERT_GE(s, 0);
    EXPECT_EQ(c.ld->regions[s].size, 4096u);
    EXPECT_EQ(c.dst("B"), std::make_pair(s, uint64_t(0)));
    EXPECT_NE(c.dst("A").first, s);
    EXPECT_NE(c.dst("C").first, s);
}

TEST(SramPlanTest, TensorLargerThanThePoolStaysInDramTheOthersStillFit)
{
    // Pool 4095: b (4096 B) is too large; a then c take offset 0 (disjoint lifetimes): 2048 B.
    Compiled c;
    dla_error err{};
    ASSERT_EQ(compile_chain(4095, &c, &err), DLA_OK) << err.msg;
    int s = c.sram_region();
    ASSERT_GE(s, 0);
    EXPECT_EQ(c.ld->regions[s].size, 2048u);
    EXPECT_NE(c.dst("B").first, s);
    EXPECT_EQ(c.dst("A"), std::make_pair(s, uint64_t(0)));
    EXPECT_EQ(c.dst("C"), std::make_pair(s, uint64_t(0)));
}

TEST(SramPlanTest, TensorReusingSramBytesWaitsForTheReadersOfTheEarlierOne)
{
    // Pool 4095: c overwrites a's bytes (b is in DRAM), so the SDP op writing c depends on B's conv
    // (a's reader) directly (emit.c adds write-after-read dependencies to the op writing the tensor).
    Compiled c;
    dla_error err{};
    ASSERT_EQ(compile_chain(4095, &c, &err), DLA_OK) << err.msg;
    int reader = -1, writer = -1;
    for (uint32_t i = 0; i < c.ld->num_ops; i++) {
        std::string name = c.ld->layers[c.ld->ops[i].layer].name;
        if (c.ld->ops[i].kind == DLA_OP_CONV && name.rfind("B", 0) == 0)
            reader = int(i);
        if (c.ld->ops[i].kind == DLA_OP_SDP && name.rfind("C", 0) == 0)
            writer = int(i);
    }
    ASSERT_GE(reader, 0);
    ASSERT_GE(writer, 0);
    const dla_lop &w = c.ld->ops[writer];
    bool waits = false;
    for (uint32_t k = 0; k < w.num_deps; k++)
        waits |= int(w.deps[k]) == reader;
    EXPECT_TRUE(waits);
}

TEST(SramPlanTest, PoolZeroPlacesNothingAndAddsNoRegion)
{
    Compiled c;
    dla_error err{};
    ASSERT_EQ(compile_chain(0, &c, &err), DLA_OK) << err.msg;
    EXPECT_EQ(c.sram_region(), -1);
    EXPECT_EQ(c.ld->num_regions, 4u); // weights, input, output, activations
}

TEST(SramPlanTest, ConfigDefaultIsTheWholeSramAndMoreThanItIsRefused)
{
    Compiled a;
    dla_error err{};
    ASSERT_EQ(compile_chain(DLA_SRAM_POOL_CONFIG, &a, &err), DLA_OK) << err.msg;
    EXPECT_GE(a.sram_region(), 0);
    Compiled b;
    EXPECT_EQ(compile_chain((1 << 20) + 1, &b, &err), DLA_ERR_LIMIT);
    EXPECT_NE(std::string(err.msg).find("memory.sram.size_bytes"), std::string::npos) << err.msg;
    EXPECT_NE(std::string(err.msg).find("1048577"), std::string::npos) << err.msg;
}

TEST(SramPlanTest, TargetWithoutSramGetsNoPoolByDefault)
{
    dla_config none = orin_like(); // memory.sram_size_bytes 0
    Compiled c;
    dla_error err{};
    ASSERT_EQ(compile_chain(DLA_SRAM_POOL_CONFIG, &c, &err, &none), DLA_OK) << err.msg;
    EXPECT_EQ(c.sram_region(), -1);
}

// x (1x32x8x8) -> A (-> 32) and B (-> 32) -> Concat(a, b) (1x64x8x8, 4096 B, written in place) -> C
// (-> 32) -> out. The concat surface lives from A to C; in SRAM its slices are A's at offset 0 and
// B's one surface (2048 B) further; C reads the whole surface from offset 0.
TEST(SramPlanTest, ConcatInSramHoldsEveryProducersSlice)
{
    static dla_config cfg = sram_config();
    for (int64_t pool : {int64_t(4096), int64_t(4095)}) {
        ScratchDir dir;
        tb_model *m = tb_create(13);
        int64_t xd[4] = {1, 32, 8, 8};
        tb_input(m, "x", 4, xd);
        add_conv(m, "A", "x", "a", 32, 32, 1, 1, 1, 0, w_one);
        add_conv(m, "B", "x", "b", 32, 32, 1, 1, 1, 0, w_one);
        int n = tb_node(m, "Concat", "cat", "a,b", "ab");
        tb_attr_int(m, n, "axis", 1);
        add_conv(m, "C", "ab", "out", 32, 64, 1, 1, 1, 0, w_one);
        tb_output(m, "out");
        std::string p = dir.file("cat.onnx");
        ASSERT_EQ(tb_save(m, p.c_str()), 0);
        tb_destroy(m);
        dla_compile_opts o = opts_for(&cfg);
        o.sram_pool_bytes = pool;
        Compiled c;
        dla_error err{};
        ASSERT_EQ(dla_compile_onnx(p.c_str(), &o, &c.ld, &err), DLA_OK) << err.msg;
        int s = c.sram_region();
        const dla_lop *conv_c = nullptr;
        for (uint32_t i = 0; i < c.ld->num_ops; i++)
            if (c.ld->ops[i].kind == DLA_OP_CONV &&
                std::string(c.ld->layers[c.ld->ops[i].layer].name).rfind("C", 0) == 0)
                conv_c = &c.ld->ops[i];
        ASSERT_NE(conv_c, nullptr);
        if (pool == 4096) { // exactly the concat surface
            ASSERT_GE(s, 0);
            EXPECT_EQ(c.ld->regions[s].size, 4096u);
            EXPECT_EQ(c.dst("A"), std::make_pair(s, uint64_t(0)));
            EXPECT_EQ(c.dst("B"), std::make_pair(s, uint64_t(2048)));
            EXPECT_EQ(conv_c->u.conv.src.region, s);
            EXPECT_EQ(conv_c->u.conv.src.offset, 0u);
            EXPECT_EQ(conv_c->u.conv.src.surface_stride, 2048u);
        } else { // one byte short: the whole surface stays in DRAM, slices with it
            EXPECT_EQ(s, -1);
            EXPECT_EQ(c.dst("A").first, c.dst("B").first);
            EXPECT_EQ(c.dst("B").second - c.dst("A").second, 2048u);
            EXPECT_EQ(conv_c->u.conv.src.region, c.dst("A").first);
        }
    }
}

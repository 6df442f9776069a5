// Shared helpers of the compiler suites: hand-filled target configs (Orin-like and nv_small-like),
// a scratch directory, small model builders and a pass runner over the internal IR.
#ifndef DLA_TEST_COMPILER_SUPPORT_H
#define DLA_TEST_COMPILER_SUPPORT_H

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

extern "C" {
#include "sw/compiler/graph.h"
#include "tests/unit/compiler/onnx_builder.h"
}

namespace dlatest {

// Orin-like core: 64 x 128 MACs, 32 B memory atom, CBUF 32 banks x 512 entries x 64 B (1 MiB).
inline dla_config orin_like()
{
    dla_config c;
    std::memset(&c, 0, sizeof c);
    std::snprintf(c.name, sizeof c.name, "orin-like");
    c.core.atomic_c = 64;
    c.core.atomic_k = 128;
    c.core.memory_atomic_bytes = 32;
    c.core.cbuf_banks = 32;
    c.core.cbuf_entries_per_bank = 512;
    c.core.cbuf_entry_bytes = 64;
    c.core.pdp_line_buffer_bytes = 7168;
    c.core.features.int8 = c.core.features.fp16 = true;
    c.core.features.sdp_ew = c.core.features.pdp = c.core.features.cdp = true;
    c.core.features.max_batch = 1;
    return c;
}

// nv_small-like core: 8 x 8 MACs, 8 B atom, CBUF 32 banks x 512 entries x 8 B (128 KiB), no SDP EW.
inline dla_config nv_small_like()
{
    dla_config c;
    std::memset(&c, 0, sizeof c);
    std::snprintf(c.name, sizeof c.name, "nv_small-like");
    c.core.atomic_c = 8;
    c.core.atomic_k = 8;
    c.core.memory_atomic_bytes = 8;
    c.core.cbuf_banks = 32;
    c.core.cbuf_entries_per_bank = 512;
    c.core.cbuf_entry_bytes = 8;
    c.core.pdp_line_buffer_bytes = 1024;
    c.core.features.int8 = true;
    c.core.features.pdp = c.core.features.cdp = true;
    c.core.features.max_batch = 1;
    return c;
}

inline dla_compile_opts opts_for(const dla_config *cfg, dla_precision p = DLA_PRECISION_INT8)
{
    dla_compile_opts o;
    std::memset(&o, 0, sizeof o);
    o.cfg = cfg;
    o.precision = p;
    o.calibration_samples = 1;
    o.calibration_seed = 1;
    return o;
}

// A fresh directory under the test temp dir, removed (with its files) at destruction.
class ScratchDir {
  public:
    ScratchDir()
    {
        std::string tmpl = ::testing::TempDir() + "dla_compiler_XXXXXX";
        std::vector<char> buf(tmpl.begin(), tmpl.end());
        buf.push_back('\0');
        const char *d = mkdtemp(buf.data());
        path_ = d ? d : "";
    }
    ~ScratchDir()
    {
        for (const std::string &f : files_)
            std::remove(f.c_str());
        rmdir(path_.c_str());
    }
    std::string file(const std::string &name)
    {
        std::string p = path_ + "/" + name;
        files_.push_back(p);
        return p;
    }
    const std::string &path() const { return path_; }

  private:
    std::string path_;
    std::vector<std::string> files_;
};

// Conv node with weights w[k][c][r][s] = f(k, c, r, s) and optional bias.
inline void add_conv(tb_model *m, const char *name, const char *in, const char *out, int k, int c, int kh, int kw,
                     int stride, int pad, float (*f)(int, int, int, int), const float *bias = nullptr, int group = 1)
{
    std::string wn = std::string(name) + ".w", bn = std::string(name) + ".b";
    int cg = c / group;
    std::vector<float> w((size_t)k * cg * kh * kw);
    for (int a = 0; a < k; a++)
        for (int b = 0; b < cg; b++)
            for (int r = 0; r < kh; r++)
                for (int s = 0; s < kw; s++)
                    w[(((size_t)a * cg + b) * kh + r) * kw + s] = f(a, b, r, s);
    int64_t wd[4] = {k, cg, kh, kw};
    tb_init_f32(m, wn.c_str(), 4, wd, w.data(), true);
    std::string ins = std::string(in) + "," + wn;
    if (bias) {
        int64_t bd[1] = {k};
        tb_init_f32(m, bn.c_str(), 1, bd, bias, true);
        ins += "," + bn;
    }
    int n = tb_node(m, "Conv", name, ins.c_str(), out);
    int64_t ks[2] = {kh, kw}, st[2] = {stride, stride}, pd[4] = {pad, pad, pad, pad};
    tb_attr_ints(m, n, "kernel_shape", 2, ks);
    tb_attr_ints(m, n, "strides", 2, st);
    tb_attr_ints(m, n, "pads", 4, pd);
    tb_attr_int(m, n, "group", group);
}

// Writes model m to `name` in dir, destroys it and returns the path.
inline std::string save(ScratchDir &dir, tb_model *m, const char *name)
{
    std::string p = dir.file(name);
    EXPECT_EQ(tb_save(m, p.c_str()), 0);
    tb_destroy(m);
    return p;
}

inline float w_small(int k, int c, int r, int s)
{
    return 0.01f * (float)(((k * 7 + c * 3 + r * 5 + s) % 11) - 5);
}

// Runs import and the passes up to (and including) `last`: 1 fold, 2 canonicalize (+ the deconvolution
// lowering, INT8, on targets with RUBIK), 3 legality, 4 fuse.
inline ir_graph *run_passes(const std::string &path, const dla_config *cfg, int last, dla_error *err,
                            dla_status *status = nullptr)
{
    ir_graph *g = nullptr;
    dla_status st = ir_import_onnx(path.c_str(), 0, &g, err);
    if (st == DLA_OK && last >= 1)
        st = ir_fold_shapes(g, err);
    if (st == DLA_OK && last >= 2)
        st = ir_canonicalize(g, err);
    if (st == DLA_OK && last >= 2 && cfg)
        st = ir_lower_deconv(g, cfg, DLA_PRECISION_INT8, err);
    if (st == DLA_OK && last >= 3)
        st = ir_check_legality(g, cfg, nullptr, err);
    if (st == DLA_OK && last >= 4)
        st = ir_fuse(g, err);
    if (status)
        *status = st;
    if (st != DLA_OK) {
        ir_graph_destroy(g);
        return nullptr;
    }
    return g;
}

inline int find_node(const ir_graph *g, const char *name)
{
    for (int i = 0; i < g->n_nodes; i++)
        if (std::strcmp(g->nodes[i].name, name) == 0)
            return i;
    return -1;
}

inline int alive_nodes(const ir_graph *g)
{
    int n = 0;
    for (int i = 0; i < g->n_nodes; i++)
        n += g->nodes[i].kind != IR_OP_DEAD;
    return n;
}

} // namespace dlatest

#endif

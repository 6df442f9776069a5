// The topological order (graph.c ir_topo_order) of a graph whose file order is not topological: passes
// over the nodes in file order, each taking every node ready when the pass reaches it — the order the
// compiler has always used (layer order, hence op order and loadable bytes, depend on it).
#include "tests/unit/compiler/test_support.h"

using namespace dlatest;

namespace {

// The node names of m (saved, imported) in ir_topo_order's order.
std::vector<std::string> topo_names(tb_model *m)
{
    ScratchDir dir;
    std::string p = dir.file("order.onnx");
    EXPECT_EQ(tb_save(m, p.c_str()), 0);
    tb_destroy(m);
    ir_graph *g = nullptr;
    dla_error err{};
    std::vector<std::string> names;
    EXPECT_EQ(ir_import_onnx(p.c_str(), 0, &g, &err), DLA_OK) << err.msg;
    int *order = nullptr, n = 0;
    if (g && ir_topo_order(g, &order, &n, &err) == DLA_OK)
        for (int i = 0; i < n; i++)
            names.push_back(g->nodes[order[i]].name);
    free(order);
    ir_graph_destroy(g);
    return names;
}

} // namespace

// File order: [0] 'late' reads b, [1] 'first' reads x, [2] 'second' reads a, [3] 'side' reads a.
// Pass 1 skips 'late' (b not yet computed), takes 'first' (1); that makes 'second' (2) and 'side' (3)
// ready, both ahead of the pass, so it takes them; 'second' made 'late' (0) ready behind the pass, so
// pass 2 takes it: 1, 2, 3, 0. (A single ready heap would give 1, 2, 0, 3.)
TEST(TopoOrderTest, NodesMadeReadyBehindThePassWaitForTheNextPass)
{
    tb_model *m = tb_create(17);
    const int64_t in[4] = {1, 2, 2, 2};
    tb_input(m, "x", 4, in);
    tb_node(m, "Relu", "late", "b", "y");
    tb_node(m, "Relu", "first", "x", "a");
    tb_node(m, "Relu", "second", "a", "b");
    tb_node(m, "Relu", "side", "a", "d");
    tb_output(m, "y");
    tb_output(m, "d");
    EXPECT_EQ(topo_names(m), (std::vector<std::string>{"first", "second", "side", "late"}));
}

// A node reading the same tensor twice counts it twice and becomes ready once its producer is done.
TEST(TopoOrderTest, ANodeReadingOneTensorTwiceIsOrderedAfterItsProducer)
{
    tb_model *m = tb_create(17);
    const int64_t in[4] = {1, 2, 2, 2};
    tb_input(m, "x", 4, in);
    tb_node(m, "Add", "double", "a,a", "y");
    tb_node(m, "Relu", "relu", "x", "a");
    tb_output(m, "y");
    EXPECT_EQ(topo_names(m), (std::vector<std::string>{"relu", "double"}));
}

#!/usr/bin/python3
"""Self-test of compare.py (exact and range-relative modes, exit status) and make_input.py (determinism)."""

import os
import subprocess
import sys
import tempfile
import unittest

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))


def tool(name, *args):
    return subprocess.run([sys.executable, "-B", os.path.join(HERE, name), *args], capture_output=True, text=True)


class CompareTest(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.a, self.b = (os.path.join(self.tmp.name, d) for d in "ab")
        os.makedirs(self.a)
        os.makedirs(self.b)
        # Reference range 0..10; the test differs by 0.3 in one element: 3% of the range.
        ref = np.linspace(0, 10, 12, dtype=np.float32).reshape(3, 4)
        np.save(os.path.join(self.a, "out.npy"), ref)
        test = ref.copy()
        test[1, 2] += np.float32(0.3)
        np.save(os.path.join(self.b, "out.npy"), test.reshape(3, 4, 1, 1))  # DLA-style rank

    def tearDown(self):
        self.tmp.cleanup()

    def test_exact_mode_fails_on_one_differing_element_and_passes_on_itself(self):
        r = tool("compare.py", self.a, self.b, "--exact")
        self.assertEqual(r.returncode, 1, r.stdout)
        self.assertIn("1 of 12 elements differ", r.stdout)
        self.assertEqual(tool("compare.py", self.a, self.a, "--exact").returncode, 0)

    def test_range_relative_bound_is_applied(self):
        self.assertEqual(tool("compare.py", self.a, self.b, "--max-abs-err", "0.04", "--rel-to-range").returncode, 0)
        r = tool("compare.py", self.a, self.b, "--max-abs-err", "0.02", "--rel-to-range")
        self.assertEqual(r.returncode, 1, r.stdout)
        self.assertIn("0.03 of the range 10", r.stdout)
        self.assertEqual(tool("compare.py", self.a, self.b, "--max-abs-err", "0.2").returncode, 1)

    def test_missing_output_fails(self):
        os.remove(os.path.join(self.b, "out.npy"))
        r = tool("compare.py", self.a, self.b, "--exact")
        self.assertEqual(r.returncode, 1)
        self.assertIn("missing", r.stdout)


class MakeInputTest(unittest.TestCase):
    def test_same_seed_gives_identical_bytes_in_range(self):
        models = os.environ.get("DLASIM_MODELS_DIR", "")
        path = os.path.join(models, "tiny_residual.onnx")
        self.assertTrue(os.path.exists(path), f"{path} missing: build the 'zoo' target first")
        with tempfile.TemporaryDirectory() as tmp:
            outs = []
            for run, seed in (("r1", "5"), ("r2", "5"), ("r3", "6")):
                r = tool("make_input.py", path, "--out-dir", os.path.join(tmp, run), "--seed", seed)
                self.assertEqual(r.returncode, 0, r.stderr)
                with open(os.path.join(tmp, run, "input.npy"), "rb") as f:
                    outs.append(f.read())
            self.assertEqual(outs[0], outs[1])
            self.assertNotEqual(outs[0], outs[2])
            x = np.load(os.path.join(tmp, "r1", "input.npy"))
            self.assertEqual((x.shape, x.dtype), ((1, 3, 10, 10), np.float32))
            self.assertTrue(x.min() >= -1 and x.max() < 1)


if __name__ == "__main__":
    unittest.main()

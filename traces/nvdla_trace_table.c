/* HDF5 writer of the NVDLA trace-test result table (dla/nvdla_trace_table.h): /nvdla_trace, one
 * compound row per test, plus root attributes config and schema_version. */
#define _POSIX_C_SOURCE 200809L
#include <hdf5.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "dla/output_file.h"
#include "dla/nvdla_trace_table.h"

static hid_t fixed_string(size_t n)
{
    hid_t t = H5Tcopy(H5T_C_S1);
    H5Tset_size(t, n);
    H5Tset_strpad(t, H5T_STR_NULLTERM);
    return t;
}

static int put_root_attrs(hid_t file, const char *config_name)
{
    int ok = 1;
    hid_t sp = H5Screate(H5S_SCALAR);
    hid_t st = fixed_string(strlen(config_name) + 1);
    hid_t a = H5Acreate2(file, "config", st, sp, H5P_DEFAULT, H5P_DEFAULT);
    ok &= a >= 0 && H5Awrite(a, st, config_name) >= 0;
    if (a >= 0)
        H5Aclose(a);
    H5Tclose(st);
    int version = 1;
    a = H5Acreate2(file, "schema_version", H5T_STD_I32LE, sp, H5P_DEFAULT, H5P_DEFAULT);
    ok &= a >= 0 && H5Awrite(a, H5T_NATIVE_INT, &version) >= 0;
    if (a >= 0)
        H5Aclose(a);
    H5Sclose(sp);
    return ok;
}

static int put_table(hid_t file, const dla_nt_row *rows, size_t count)
{
    hid_t s_test = fixed_string(sizeof rows->test), s_reason = fixed_string(sizeof rows->reason);
    hid_t mt = H5Tcreate(H5T_COMPOUND, sizeof(dla_nt_row));
    H5Tinsert(mt, "test", HOFFSET(dla_nt_row, test), s_test);
    H5Tinsert(mt, "pass", HOFFSET(dla_nt_row, pass), H5T_NATIVE_INT32);
    H5Tinsert(mt, "op_cycles", HOFFSET(dla_nt_row, op_cycles), H5T_NATIVE_UINT64);
    H5Tinsert(mt, "total_cycles", HOFFSET(dla_nt_row, total_cycles), H5T_NATIVE_UINT64);
    H5Tinsert(mt, "reg_writes", HOFFSET(dla_nt_row, reg_writes), H5T_NATIVE_UINT64);
    H5Tinsert(mt, "reason", HOFFSET(dla_nt_row, reason), s_reason);
    /* File type: packed, little-endian, fixed sizes independent of the host's struct layout. */
    size_t off = 0;
    hid_t ft = H5Tcreate(H5T_COMPOUND, sizeof rows->test + 4 + 8 * 3 + sizeof rows->reason);
    H5Tinsert(ft, "test", off, s_test);
    off += sizeof rows->test;
    H5Tinsert(ft, "pass", off, H5T_STD_I32LE);
    off += 4;
    H5Tinsert(ft, "op_cycles", off, H5T_STD_U64LE);
    off += 8;
    H5Tinsert(ft, "total_cycles", off, H5T_STD_U64LE);
    off += 8;
    H5Tinsert(ft, "reg_writes", off, H5T_STD_U64LE);
    off += 8;
    H5Tinsert(ft, "reason", off, s_reason);
    hsize_t dims[1] = {count};
    hid_t sp = H5Screate_simple(1, dims, NULL);
    hid_t ds = H5Dcreate2(file, "nvdla_trace", ft, sp, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    int ok = ds >= 0 && (count == 0 || H5Dwrite(ds, mt, H5S_ALL, H5S_ALL, H5P_DEFAULT, rows) >= 0);
    if (ds >= 0)
        H5Dclose(ds);
    H5Sclose(sp);
    H5Tclose(ft);
    H5Tclose(mt);
    H5Tclose(s_test);
    H5Tclose(s_reason);
    return ok;
}

dla_status dla_nt_table_write(const char *path, const char *config_name, const dla_nt_row *rows, size_t count,
                              dla_error *err)
{
    dla_output out;
    dla_status st = dla_output_begin(&out, path, err);
    if (st != DLA_OK)
        return st;
    H5E_auto2_t old_fn;
    void *old_data;
    H5Eget_auto2(H5E_DEFAULT, &old_fn, &old_data);
    H5Eset_auto2(H5E_DEFAULT, NULL, NULL); /* our messages, not HDF5's stack dumps */
    hid_t file = H5Fcreate(out.tmp, H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
    int ok = file >= 0;
    if (ok)
        ok = put_root_attrs(file, config_name ? config_name : "") && put_table(file, rows, count);
    if (file >= 0 && H5Fclose(file) < 0)
        ok = 0;
    H5Eset_auto2(H5E_DEFAULT, old_fn, old_data);
    if (!ok) {
        dla_output_abort(&out);
        return dla_error_set(err, DLA_ERR_IO, "%s: cannot write the HDF5 table", path);
    }
    return dla_output_commit(&out, err);
}

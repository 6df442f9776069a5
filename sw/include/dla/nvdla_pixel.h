/* NVDLA image-input ("pixel") formats that dlasim supports: the CDMA D_DATAIN_FORMAT.PIXEL_FORMAT
 * codes of the NVDLA register spec, and where each channel sits inside a pixel. Shared by the
 * compiler (lays the network input out), the driver (packs it) and the hardware model (decodes it). */
#ifndef DLA_NVDLA_PIXEL_H
#define DLA_NVDLA_PIXEL_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* D_DATAIN_FORMAT.DATAIN_FORMAT */
typedef enum dla_data_format {
    DLA_DATA_FEATURE = 0, /* NVDLA feature format (docs/datapath.md) */
    DLA_DATA_PIXEL = 1    /* image input: packed pixels, one plane (docs/datapath.md "Image input") */
} dla_data_format;

/* The supported D_DATAIN_FORMAT.PIXEL_FORMAT codes (8-bit components, packed, one plane). Names
 * read as a packed word, most significant component first, so T_A8B8G8R8 stores R in byte 0. */
enum {
    DLA_PIXEL_T_R8 = 0,
    DLA_PIXEL_T_A8B8G8R8 = 12,
    DLA_PIXEL_T_A8R8G8B8 = 13,
    DLA_PIXEL_T_B8G8R8A8 = 14,
    DLA_PIXEL_T_R8G8B8A8 = 15,
    DLA_PIXEL_T_X8B8G8R8 = 16,
    DLA_PIXEL_T_X8R8G8B8 = 17,
    DLA_PIXEL_T_B8G8R8X8 = 18,
    DLA_PIXEL_T_R8G8B8X8 = 19
};

/* Bytes per pixel of a supported pixel format, 0 for any other code. */
static inline uint32_t dla_pixel_bytes(uint32_t code)
{
    if (code == DLA_PIXEL_T_R8)
        return 1;
    return code >= DLA_PIXEL_T_A8B8G8R8 && code <= DLA_PIXEL_T_R8G8B8X8 ? 4u : 0u;
}

/* Byte offset inside the pixel of channel c (0 R, 1 G, 2 B, 3 A/X) of a supported format. */
static inline uint32_t dla_pixel_channel_byte(uint32_t code, uint32_t c)
{
    /* R, G, B, A/X byte positions: ABGR/XBGR = bytes R G B A; ARGB/XRGB = B G R A; BGRA/BGRX = A R G B;
     * RGBA/RGBX = A B G R. */
    static const uint8_t pos[4][4] = {{0, 1, 2, 3}, {2, 1, 0, 3}, {1, 2, 3, 0}, {3, 2, 1, 0}};
    if (code == DLA_PIXEL_T_R8 || c > 3)
        return c;
    uint32_t order = (code - DLA_PIXEL_T_A8B8G8R8) % 4u;
    return pos[order][c];
}

/* The format the compiler uses for a C-channel 8-bit network input (TensorRT's kDLA_HWC4: C in
 * {1} -> 1 byte, C in {2, 3, 4} -> 4 bytes, channel c in byte c). */
static inline uint32_t dla_pixel_format_for_channels(uint32_t c)
{
    return c == 1 ? (uint32_t)DLA_PIXEL_T_R8 : (uint32_t)DLA_PIXEL_T_A8B8G8R8;
}

#ifdef __cplusplus
}
#endif

#endif

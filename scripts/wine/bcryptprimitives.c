/* bcryptprimitives.dll for Wine 8, which lacks it: Rust's standard library takes its random
   numbers (HashMap seeds and more) from ProcessPrng in this DLL, so without it every Rust .exe
   stops at start. Built with MinGW by scripts/lib.sh (wine_prefix_start) into the test prefix. */
#include <windows.h>

/* RtlGenRandom, exported by advapi32 under this name. */
BOOLEAN WINAPI SystemFunction036(PVOID buffer, ULONG length);

BOOL WINAPI ProcessPrng(PBYTE data, SIZE_T length)
{
    /* RtlGenRandom takes a 32-bit length: fill larger buffers in pieces. */
    while (length > 0) {
        ULONG chunk = length > 0x10000000 ? 0x10000000 : (ULONG)length;
        if (!SystemFunction036(data, chunk))
            return FALSE;
        data += chunk;
        length -= chunk;
    }
    return TRUE;
}

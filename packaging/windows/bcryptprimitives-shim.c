/* Test-only stand-in for Windows' bcryptprimitives.dll, which Wine 8.0
   (Debian 12) lacks and Go's Windows runtime needs (ProcessPrng). */
#include <windows.h>
#define SystemFunction036 NTAPI SystemFunction036
#include <ntsecapi.h>
#undef SystemFunction036
BOOL WINAPI ProcessPrng(PBYTE data, SIZE_T n) {
	while (n > 0) {
		ULONG chunk = n > 0x10000000 ? 0x10000000 : (ULONG)n;
		if (!RtlGenRandom(data, chunk)) return FALSE;
		data += chunk; n -= chunk;
	}
	return TRUE;
}

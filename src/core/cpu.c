/* Which variant of the fast kernels runs. Both give the same bits (fast.h);
 * AVX2 is only faster. */
#include "fast.h"

static int avx2_allowed = 1;

int attn_fast_use_avx2(void) {
#if defined(__x86_64__) || defined(__i386__)
    return avx2_allowed && __builtin_cpu_supports("avx2");
#else
    return 0;
#endif
}

int attn_fast_allow_avx2(int allow) {
    avx2_allowed = allow != 0;
    return attn_fast_use_avx2();
}

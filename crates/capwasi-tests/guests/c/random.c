/* Fills two 1 MiB buffers with random_get and prints statistics the host checks: how many
   distinct byte values appear, the rarest and commonest value counts, how many positions
   hold the same byte in both buffers, and whether either buffer is all zero. */
#include "guest.h"

#define SIZE (1u << 20)
static uint8_t a[SIZE], b[SIZE];

int main(void) {
    CHECK_ERRNO(__wasi_random_get(a, SIZE), 0);
    CHECK_ERRNO(__wasi_random_get(b, SIZE), 0);
    /* An empty request succeeds, even at the very end of memory. */
    CHECK_ERRNO(__wasi_random_get(a, 0), 0);

    unsigned counts[256] = {0};
    unsigned same = 0, zero_a = 0, zero_b = 0;
    for (size_t i = 0; i < SIZE; i++) {
        counts[a[i]]++;
        same += a[i] == b[i];
        zero_a += a[i] == 0;
        zero_b += b[i] == 0;
    }
    unsigned distinct = 0, min = SIZE, max = 0;
    for (int v = 0; v < 256; v++) {
        distinct += counts[v] != 0;
        if (counts[v] < min) min = counts[v];
        if (counts[v] > max) max = counts[v];
    }
    printf("distinct %u\n", distinct);
    printf("min %u max %u\n", min, max);
    printf("same positions %u\n", same);
    printf("all zero %s %s\n", zero_a == SIZE ? "yes" : "no", zero_b == SIZE ? "yes" : "no");
    return 0;
}

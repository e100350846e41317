/* What a frame between a loop and libc costs while a syscall runs: the same FIONBIO on /dev/null called from
 * a loop directly (depth 0) and through 1..4 nested non-inlined C functions, round-robin, median ns per call.
 *
 * Why it matters: on kernels that refill the return stack buffer on the way back to user space (spectre_v2
 * "RSB filling", and AMD's SRSO "Safe RET" on the development VM: /sys/devices/system/cpu/vulnerabilities),
 * every return after the syscall mispredicts, so each frame standing between the caller and libc costs the
 * same in C as in .NET. The runtime's ioctl path is therefore inlined into its caller (IoctlCall.Invoke and
 * the generated Try calls), and the benchmark compares loops of the same shape.
 *
 * Usage: frames [rounds=31] [calls-per-round=100000]; prints "depth<N> <ns>" lines. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <time.h>

static int value;

/* The empty asm keeps each call a real call and a real return: no tail call, no inlining. */
__attribute__((noinline)) static int depth0(int fd) { return ioctl(fd, FIONBIO, &value); }
__attribute__((noinline)) static int depth1(int fd) { int r = depth0(fd); __asm__ volatile(""); return r; }
__attribute__((noinline)) static int depth2(int fd) { int r = depth1(fd); __asm__ volatile(""); return r; }
__attribute__((noinline)) static int depth3(int fd) { int r = depth2(fd); __asm__ volatile(""); return r; }
__attribute__((noinline)) static int depth4(int fd) { int r = depth3(fd); __asm__ volatile(""); return r; }

static double now(void) { struct timespec t; clock_gettime(CLOCK_MONOTONIC, &t); return t.tv_sec * 1e9 + t.tv_nsec; }
static int by_value(const void *a, const void *b) { double x = *(const double *)a, y = *(const double *)b; return (x > y) - (x < y); }

int main(int argc, char **argv) {
    int rounds = argc > 1 ? atoi(argv[1]) : 31;
    long calls = argc > 2 ? atol(argv[2]) : 100000;
    if (rounds < 1 || rounds > 1000 || calls < 1) { fprintf(stderr, "usage: frames [rounds] [calls]\n"); return 2; }
    int fd = open("/dev/null", O_RDWR);
    if (fd < 0) { perror("open /dev/null"); return 1; }
    int (*const variants[])(int) = { depth0, depth1, depth2, depth3, depth4 };
    enum { VARIANTS = sizeof variants / sizeof variants[0] };
    double *times = calloc((size_t)rounds * VARIANTS, sizeof *times);
    if (!times) return 1;
    for (int round = 0; round < rounds; round++) {
        /* A different depth goes first each round, so load from other processes falls on all alike. */
        for (int step = 0; step < VARIANTS; step++) {
            int depth = (round + step) % VARIANTS;
            double start = now();
            for (long call = 0; call < calls; call++) variants[depth](fd);
            times[depth * rounds + round] = (now() - start) / calls;
        }
    }
    for (int depth = 0; depth < VARIANTS; depth++) {
        qsort(times + depth * rounds, rounds, sizeof *times, by_value);
        printf("depth%d %.1f\n", depth, times[depth * rounds + rounds / 2]);
    }
    return 0;
}

/* The same FIONBIO ioctl on /dev/null from C: the floor the runtime's ioctl path is compared with.
 * Prints the median ns per call over rounds of a tight loop. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

static double now(void) { struct timespec t; clock_gettime(CLOCK_MONOTONIC, &t); return t.tv_sec * 1e9 + t.tv_nsec; }
static int by_value(const void *a, const void *b) { double x = *(const double *)a, y = *(const double *)b; return (x > y) - (x < y); }

int main(void) {
    int fd = open("/dev/null", O_RDWR);
    if (fd < 0) { perror("open /dev/null"); return 1; }
    enum { ROUNDS = 15, CALLS = 1000000 };
    double ns[ROUNDS];
    int value = 0;
    for (int i = 0; i < CALLS; i++) ioctl(fd, FIONBIO, &value); /* warm-up */
    for (int r = 0; r < ROUNDS; r++) {
        double start = now();
        for (int i = 0; i < CALLS; i++) ioctl(fd, FIONBIO, &value);
        ns[r] = (now() - start) / CALLS;
    }
    qsort(ns, ROUNDS, sizeof ns[0], by_value);
    printf("%.2f\n", ns[ROUNDS / 2]);
    close(fd);
    return 0;
}

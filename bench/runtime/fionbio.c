/* The same FIONBIO ioctl on /dev/null from C: the floor the runtime's ioctl path is compared with.
 *
 * Prints the median ns per call over rounds of a tight loop, two ways, alternated round by round:
 *   single    the process has one thread (a small C program's case);
 *   threaded  an idle second thread shares the descriptor table, as in every .NET process (the runtime
 *             starts several threads) and in a multi-threaded C driver (DPDK's EAL and interrupt
 *             threads). Linux's fdget() takes no reference on the file while the descriptor table has
 *             one user and takes an atomic reference (get, then put) once it is shared (fs/file.c,
 *             __fget_light() behind fdget()), so
 *             the same syscall costs more in a multi-threaded process whatever its language.
 *
 * Built with -DFIONBIO_LIBRARY it is a shared library instead: fionbio_calls() runs the same loop inside
 * the benchmark's own process, so C and the runtime are measured in the same process, in the same run.
 *
 * Usage: fionbio [rounds=15] [calls-per-round=1000000]; prints "single <ns>" and "threaded <ns>". */
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

/* Issues FIONBIO (clear O_NONBLOCK) calls times on fd; returns the last result. */
int fionbio_calls(int fd, long calls) {
    int value = 0, result = 0;
    for (long i = 0; i < calls; i++) result = ioctl(fd, FIONBIO, &value);
    return result;
}

#ifndef FIONBIO_LIBRARY
static double now(void) { struct timespec t; clock_gettime(CLOCK_MONOTONIC, &t); return t.tv_sec * 1e9 + t.tv_nsec; }
static int by_value(const void *a, const void *b) { double x = *(const double *)a, y = *(const double *)b; return (x > y) - (x < y); }

static int wake[2];
static void *idle(void *unused) { char c; (void)unused; return read(wake[0], &c, 1) < 0 ? NULL : NULL; }

static double round_ns(int fd, long calls) {
    double start = now();
    fionbio_calls(fd, calls);
    return (now() - start) / calls;
}

int main(int argc, char **argv) {
    int rounds = argc > 1 ? atoi(argv[1]) : 15;
    long calls = argc > 2 ? atol(argv[2]) : 1000000;
    if (rounds < 1 || rounds > 1000 || calls < 1) { fprintf(stderr, "usage: fionbio [rounds] [calls]\n"); return 2; }
    int fd = open("/dev/null", O_RDWR);
    if (fd < 0 || pipe(wake) != 0) { perror("open /dev/null or pipe"); return 1; }
    double *single = calloc(rounds, sizeof *single), *threaded = calloc(rounds, sizeof *threaded);
    if (!single || !threaded) return 1;

    fionbio_calls(fd, calls); /* warm-up: caches, branch predictors, CPU frequency */
    for (int r = 0; r < rounds; r++) {
        single[r] = round_ns(fd, calls);

        pthread_t thread;
        if (pthread_create(&thread, NULL, idle, NULL) != 0) { perror("pthread_create"); return 1; }
        threaded[r] = round_ns(fd, calls);
        if (write(wake[1], "x", 1) != 1 || pthread_join(thread, NULL) != 0) { perror("waking the thread"); return 1; }
        /* pthread_join returns when the thread's tid is cleared, a little before the kernel drops its hold
         * on the descriptor table (exit_mm comes before exit_files in do_exit): let it finish. */
        usleep(2000);
    }
    qsort(single, rounds, sizeof single[0], by_value);
    qsort(threaded, rounds, sizeof threaded[0], by_value);
    printf("single %.2f\nthreaded %.2f\n", single[rounds / 2], threaded[rounds / 2]);
    close(fd);
    return 0;
}
#endif

/* bench/rusage: runs one program and prints what wait4(2) says it cost.
 *
 *   rusage [--stdin FILE] PROGRAM [ARG...]
 *   prints on stdout: EXIT_STATUS WALL_SECONDS CPU_SECONDS PEAK_RSS_KIB USER_SECONDS SYSTEM_SECONDS
 *
 * Why not Python's os.wait4: Linux carries a process's peak RSS across exec(2), so a child forked from
 * a Python interpreter reports at least the interpreter's ~14 MiB however little the program itself
 * touches. Forked from this small launcher, the floor is the launcher's own ~1 MiB (bench/run.py
 * measures /bin/true the same way and prints it). The program's stdout goes to /dev/null; its stderr
 * is passed through. Built by bench/run with the C compiler the Swift toolchain ships. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

int main(int argc, char **argv) {
    const char *input = "/dev/null";
    int first = 1;
    if (argc > 2 && strcmp(argv[1], "--stdin") == 0) {
        input = argv[2];
        first = 3;
    }
    if (first >= argc) {
        fprintf(stderr, "usage: rusage [--stdin FILE] PROGRAM [ARG...]\n");
        return 64;
    }
    struct timespec start, end;
    clock_gettime(CLOCK_MONOTONIC, &start);
    pid_t child = fork();
    if (child < 0) {
        fprintf(stderr, "rusage: fork: %s\n", strerror(errno));
        return 71;
    }
    if (child == 0) {
        int in = open(input, O_RDONLY | O_CLOEXEC);
        int out = open("/dev/null", O_WRONLY | O_CLOEXEC);
        if (in < 0 || out < 0 || dup2(in, 0) < 0 || dup2(out, 1) < 0) {
            fprintf(stderr, "rusage: %s: %s\n", input, strerror(errno));
            _exit(71);
        }
        execvp(argv[first], argv + first);
        fprintf(stderr, "rusage: %s: %s\n", argv[first], strerror(errno));
        _exit(127);
    }
    int status = 0;
    struct rusage usage;
    while (wait4(child, &status, 0, &usage) < 0) {
        if (errno != EINTR) {
            fprintf(stderr, "rusage: wait4: %s\n", strerror(errno));
            return 71;
        }
    }
    clock_gettime(CLOCK_MONOTONIC, &end);
    double wall = (double)(end.tv_sec - start.tv_sec) + (double)(end.tv_nsec - start.tv_nsec) / 1e9;
    double user = (double)usage.ru_utime.tv_sec + (double)usage.ru_utime.tv_usec / 1e6;
    double system = (double)usage.ru_stime.tv_sec + (double)usage.ru_stime.tv_usec / 1e6;
    int code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    printf("%d %.6f %.6f %ld %.6f %.6f\n", code, wall, user + system, usage.ru_maxrss, user, system);
    return 0;
}

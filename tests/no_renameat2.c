/* A file system without RENAME_NOREPLACE, for every process this is preloaded into.
 *
 * renameat2, and syscall() for its number, fail with EINVAL, as NFS, FUSE
 * mounts and some sandboxes answer for the flag, so a writer must take its
 * link-then-unlink fallback: the real path, with no patching in the process.
 * Each refusal appends one line to the file NO_RENAMEAT2_LOG names (if set),
 * so a test can prove the shim was loaded and asked. Every other system call
 * goes through unchanged.
 *
 * Built by the tests with: cc -shared -fPIC -o no_renameat2.so no_renameat2.c -ldl
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <unistd.h>

static void note_refusal(void) {
    const char *log = getenv("NO_RENAMEAT2_LOG");
    if (log == NULL || *log == '\0') {
        return;
    }
    int saved = errno;
    int fd = open(log, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
    if (fd >= 0) {
        (void)!write(fd, "renameat2\n", 10);
        close(fd);
    }
    errno = saved;
}

int renameat2(int olddirfd, const char *oldpath, int newdirfd, const char *newpath,
              unsigned int flags) {
    (void)olddirfd; (void)oldpath; (void)newdirfd; (void)newpath; (void)flags;
    note_refusal();
    errno = EINVAL;
    return -1;
}

typedef long (*syscall_function)(long, ...);

long syscall(long number, ...) {
#ifdef SYS_renameat2
    if (number == SYS_renameat2) {
        note_refusal();
        errno = EINVAL;
        return -1;
    }
#endif
    /* Every argument register, read as a long, passed on: how the C library's own
     * syscall() reads its variadic arguments on the 64-bit Linux ABIs. */
    va_list arguments;
    va_start(arguments, number);
    long a = va_arg(arguments, long), b = va_arg(arguments, long), c = va_arg(arguments, long);
    long d = va_arg(arguments, long), e = va_arg(arguments, long), f = va_arg(arguments, long);
    va_end(arguments);
    static syscall_function real = NULL;
    if (real == NULL) {
        real = (syscall_function)dlsym(RTLD_NEXT, "syscall");
    }
    return real(number, a, b, c, d, e, f);
}

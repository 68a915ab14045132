/* C library declarations Swift's Glibc module does not bring in. */
#include <malloc.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <unistd.h>

/* The kernel id of the calling thread (gettid(2) needs _GNU_SOURCE in glibc's headers). */
static inline pid_t enertrack_gettid(void) { return (pid_t)syscall(SYS_gettid); }

#include <signal.h>
#include <spawn.h>

/* glibc 2.29 and 2.34 have these; their declarations need _GNU_SOURCE. */
extern int posix_spawn_file_actions_addchdir_np(posix_spawn_file_actions_t *actions, const char *path);
extern int posix_spawn_file_actions_addclosefrom_np(posix_spawn_file_actions_t *actions, int from);

/* Starts `path` with `in`, `out`, `err` (-1: inherited) as its standard streams, every other
   descriptor closed, signals unblocked and at their defaults, in `directory` (NULL: this one).
   Foundation's Process.run() is not used: on Linux it can read past a buffer while listing
   /proc/self/fd and crash the parent (swift-corelibs-foundation PR #5472). */
static inline int enertrack_spawn(pid_t *pid, const char *path, char *const argv[], char *const envp[], int in, int out,
                                  int err, const char *directory) {
    posix_spawn_file_actions_t actions;
    posix_spawnattr_t attributes;
    int result = posix_spawn_file_actions_init(&actions);
    if (result != 0) return result;
    result = posix_spawnattr_init(&attributes);
    if (result != 0) { posix_spawn_file_actions_destroy(&actions); return result; }
    if (in >= 0) posix_spawn_file_actions_adddup2(&actions, in, 0);
    if (out >= 0) posix_spawn_file_actions_adddup2(&actions, out, 1);
    if (err >= 0) posix_spawn_file_actions_adddup2(&actions, err, 2);
    if (directory) posix_spawn_file_actions_addchdir_np(&actions, directory);
    posix_spawn_file_actions_addclosefrom_np(&actions, 3);
    sigset_t none, all;
    sigemptyset(&none);
    sigfillset(&all);
    posix_spawnattr_setsigmask(&attributes, &none);
    posix_spawnattr_setsigdefault(&attributes, &all);
    posix_spawnattr_setflags(&attributes, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
    result = posix_spawn(pid, path, &actions, &attributes, argv, envp);
    posix_spawn_file_actions_destroy(&actions);
    posix_spawnattr_destroy(&attributes);
    return result;
}

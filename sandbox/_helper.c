/* The sandbox helper as a native program: the same options, steps and messages as `main` in `_landlock.py`, which
 * stays the reference and the fallback. Built once per machine by `_native.py` when a C compiler is available; a
 * Python interpreter's start-up is most of what confining a command costs, this program's is a fraction of a
 * millisecond.
 *
 * Usage: pycodex-sandbox-helper [--rw PATH]... [--seccomp-fd N] [--ready-fd N] [--guard-present PATH]...
 *        [--tcp-port N]... [--no-landlock] [--network] [--new-session] -- COMMAND [ARG]...
 *
 * In order: checks the guarded paths, starts a new session (with --new-session), asks for SIGKILL when the parent
 * dies, drops every capability and sets no_new_privs, restricts the filesystem (and TCP, signals and abstract Unix
 * sockets) with Landlock, installs the seccomp program read from --seccomp-fd, writes one byte to --ready-fd, and
 * execs the command. Only the C library and the kernel's system call numbers are used (no kernel headers needed).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <unistd.h>

#define SYS_LL_CREATE_RULESET 444 /* the same number on every architecture */
#define SYS_LL_ADD_RULE 445
#define SYS_LL_RESTRICT_SELF 446
#define LL_CREATE_RULESET_VERSION 1u
#define LL_RULE_PATH_BENEATH 1
#define LL_RULE_NET_PORT 2

#define FS_EXECUTE (1ull << 0)
#define FS_WRITE_FILE (1ull << 1)
#define FS_READ_FILE (1ull << 2)
#define FS_READ_DIR (1ull << 3)
#define FS_REFER (1ull << 13)
#define FS_TRUNCATE (1ull << 14)
#define FS_ALL_V1 ((1ull << 13) - 1)
#define FILE_RIGHTS_MASK (FS_EXECUTE | FS_WRITE_FILE | FS_READ_FILE | FS_TRUNCATE)
#define NET_BIND_TCP (1ull << 0)
#define NET_CONNECT_TCP (1ull << 1)
#define SCOPE_ABSTRACT_UNIX_SOCKET (1ull << 0)
#define SCOPE_SIGNAL (1ull << 1)

#define P_SET_PDEATHSIG 1
#define P_CAPBSET_DROP 24
#define P_SET_SECUREBITS 28
#define P_SET_NO_NEW_PRIVS 38
#define P_CAP_AMBIENT 47
#define P_CAP_AMBIENT_CLEAR_ALL 4
#define P_SET_SECCOMP 22
#define SECCOMP_FILTER 2
#define SECUREBITS_NO_ROOT 0x0F

#define GUARD_MESSAGE "pycodex sandbox: a protected path changed while the sandbox was set up:"
#define MAX_ITEMS 256

struct ruleset_attr {
    uint64_t fs;
    uint64_t net;
    uint64_t scoped;
};

struct path_beneath {
    uint64_t allowed;
    int32_t fd;
} __attribute__((packed));

struct net_port {
    uint64_t allowed;
    uint64_t port;
};

struct sock_filter_prog {
    unsigned short len;
    void *filter;
};

static char failure[512];

static int fail(const char *what) {
    int code = errno;
    snprintf(failure, sizeof failure, "[Errno %d] %s: %s", code, what, strerror(code));
    return -1;
}

static int add_path(int ruleset, const char *path, uint64_t rights) {
    int fd = open(path, O_PATH | O_CLOEXEC);
    if (fd < 0)
        return 0; /* a root that does not exist grants nothing */
    struct stat info;
    if (stat(path, &info) != 0 || !S_ISDIR(info.st_mode))
        rights &= FILE_RIGHTS_MASK;
    struct path_beneath rule = {.allowed = rights, .fd = fd};
    long result = syscall(SYS_LL_ADD_RULE, ruleset, LL_RULE_PATH_BENEATH, &rule, 0);
    int saved = errno;
    close(fd);
    if (result < 0) {
        char what[300];
        snprintf(what, sizeof what, "landlock rule %s", path);
        errno = saved;
        return fail(what);
    }
    return 0;
}

static int restrict_self(char **writable, int n_writable, int network, long *ports, int n_ports) {
    long abi = syscall(SYS_LL_CREATE_RULESET, NULL, 0, LL_CREATE_RULESET_VERSION);
    if (abi < 1) {
        snprintf(failure, sizeof failure, "Landlock is not available on this kernel");
        return -1;
    }
    uint64_t handled = FS_ALL_V1 | (abi >= 2 ? FS_REFER : 0) | (abi >= 3 ? FS_TRUNCATE : 0);
    uint64_t net = (network || abi < 4) ? 0 : (NET_BIND_TCP | NET_CONNECT_TCP);
    uint64_t scoped = abi >= 6 ? (network ? SCOPE_SIGNAL : (SCOPE_SIGNAL | SCOPE_ABSTRACT_UNIX_SOCKET)) : 0;
    struct ruleset_attr attr = {.fs = handled, .net = net, .scoped = scoped};
    size_t size = scoped ? 24 : (net ? 16 : 8);
    long ruleset = syscall(SYS_LL_CREATE_RULESET, &attr, size, 0);
    if (ruleset < 0)
        return fail("landlock_create_ruleset");
    int rc = add_path((int)ruleset, "/", FS_EXECUTE | FS_READ_FILE | FS_READ_DIR);
    if (rc == 0)
        rc = add_path((int)ruleset, "/dev/null", (FS_READ_FILE | FS_WRITE_FILE | FS_TRUNCATE) & handled);
    for (int i = 0; rc == 0 && i < n_writable; i++)
        rc = add_path((int)ruleset, writable[i], handled);
    for (int i = 0; rc == 0 && net && i < n_ports; i++) {
        struct net_port rule = {.allowed = net, .port = (uint64_t)ports[i]};
        if (syscall(SYS_LL_ADD_RULE, ruleset, LL_RULE_NET_PORT, &rule, 0) < 0) {
            char what[64];
            snprintf(what, sizeof what, "landlock port %ld", ports[i]);
            rc = fail(what);
        }
    }
    if (rc == 0 && syscall(SYS_LL_RESTRICT_SELF, ruleset, 0) < 0)
        rc = fail("landlock_restrict_self");
    close((int)ruleset);
    return rc;
}

static int drop_privileges(void) {
    prctl(P_SET_SECUREBITS, SECUREBITS_NO_ROOT, 0, 0, 0);
    prctl(P_CAP_AMBIENT, P_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0);
    for (int cap = 0; cap < 64; cap++)
        if (prctl(P_CAPBSET_DROP, cap, 0, 0, 0) < 0 && errno == EINVAL)
            break;
    if (prctl(P_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
        return fail("prctl(PR_SET_NO_NEW_PRIVS)");
    return 0;
}

static int install_seccomp(int fd) {
    size_t size = 0, cap = 4096;
    char *program = malloc(cap);
    if (program == NULL)
        return fail("seccomp program");
    for (;;) {
        if (size == cap) {
            char *grown = realloc(program, cap *= 2);
            if (grown == NULL) {
                free(program);
                return fail("seccomp program");
            }
            program = grown;
        }
        ssize_t got = read(fd, program + size, cap - size);
        if (got < 0 && errno == EINTR)
            continue;
        if (got < 0) {
            free(program);
            return fail("read seccomp program");
        }
        if (got == 0)
            break;
        size += (size_t)got;
    }
    close(fd);
    struct sock_filter_prog prog = {.len = (unsigned short)(size / 8), .filter = program};
    int rc = prctl(P_SET_SECCOMP, SECCOMP_FILTER, &prog, 0, 0) < 0 ? fail("prctl(PR_SET_SECCOMP)") : 0;
    free(program);
    return rc;
}

static int read_only(const char *path) {
    struct statvfs info;
    return statvfs(path, &info) == 0 && (info.f_flag & ST_RDONLY);
}

static int takes_value(const char *opt) {
    static const char *const valued[] = {"--rw", "--seccomp-fd", "--ready-fd", "--guard-present", "--tcp-port"};
    for (size_t k = 0; k < sizeof valued / sizeof *valued; k++)
        if (strcmp(opt, valued[k]) == 0)
            return 1;
    return 0;
}

int main(int argc, char **argv) {
    char *writable[MAX_ITEMS], *present[MAX_ITEMS];
    long ports[MAX_ITEMS];
    int n_writable = 0, n_present = 0, n_ports = 0;
    int seccomp_fd = -1, ready_fd = -1, landlock = 1, network = 0, new_session = 0;
    int i = 1;
    for (; i < argc && strcmp(argv[i], "--") != 0; i++) {
        const char *opt = argv[i];
        const char *value = i + 1 < argc ? argv[i + 1] : NULL;
        if (strcmp(opt, "--no-landlock") == 0) {
            landlock = 0;
        } else if (strcmp(opt, "--network") == 0) {
            network = 1;
        } else if (strcmp(opt, "--new-session") == 0) {
            new_session = 1;
        } else if (!takes_value(opt)) {
            continue; /* not an option of ours: ignored, as the Python helper does */
        } else if (value == NULL || n_writable == MAX_ITEMS || n_present == MAX_ITEMS || n_ports == MAX_ITEMS) {
            fprintf(stderr, "pycodex sandbox: bad helper option %s\n", opt);
            return 1;
        } else if (strcmp(opt, "--rw") == 0) {
            writable[n_writable++] = argv[++i];
        } else if (strcmp(opt, "--seccomp-fd") == 0) {
            seccomp_fd = atoi(argv[++i]);
        } else if (strcmp(opt, "--ready-fd") == 0) {
            ready_fd = atoi(argv[++i]);
        } else if (strcmp(opt, "--guard-present") == 0) {
            present[n_present++] = argv[++i];
        } else if (strcmp(opt, "--tcp-port") == 0) {
            ports[n_ports++] = atol(argv[++i]);
        }
    }
    if (i + 1 >= argc) {
        fprintf(stderr, "pycodex sandbox: no command given to the helper\n");
        return 1;
    }
    char **command = argv + i + 1;
    for (int p = 0; p < n_present; p++) {
        struct stat info;
        if (lstat(present[p], &info) != 0 || !read_only(present[p])) {
            fprintf(stderr, "%s %s\n", GUARD_MESSAGE, present[p]);
            return 1;
        }
    }
    if (new_session && getsid(0) != getpid())
        setsid();
    prctl(P_SET_PDEATHSIG, 9, 0, 0, 0);
    if (drop_privileges() != 0 || (landlock && restrict_self(writable, n_writable, network, ports, n_ports) != 0) ||
        (seccomp_fd >= 0 && install_seccomp(seccomp_fd) != 0)) {
        fprintf(stderr, "pycodex sandbox: could not confine the command: %s\n", failure);
        return 1;
    }
    if (ready_fd >= 0) {
        /* Tells the parent that every layer is in place (under bubblewrap: its mounts succeeded). */
        ssize_t written;
        do
            written = write(ready_fd, "1", 1);
        while (written < 0 && errno == EINTR);
        close(ready_fd);
    }
    execvp(command[0], command);
    fprintf(stderr, "pycodex sandbox: cannot run %s: %s\n", command[0], strerror(errno));
    return 127;
}

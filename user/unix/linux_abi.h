/*
 * linux_abi.h — the Linux x86-64 numbers the Unix emulation speaks: system
 * call numbers, errno values and the flags its calls take, as the kernel's
 * uapi headers give them. Shared by the emulation library (user/emul/image)
 * and the Unix server (server.c), so both read a call the same way.
 */
#ifndef LINUX_ABI_H
#define LINUX_ABI_H

/* System calls. */
#define LINUX_READ            0
#define LINUX_WRITE           1
#define LINUX_OPEN            2
#define LINUX_CLOSE           3
#define LINUX_STAT            4
#define LINUX_FSTAT           5
#define LINUX_LSTAT           6
#define LINUX_POLL            7
#define LINUX_LSEEK           8
#define LINUX_MMAP            9
#define LINUX_MPROTECT        10
#define LINUX_MUNMAP          11
#define LINUX_BRK             12
#define LINUX_RT_SIGACTION    13
#define LINUX_RT_SIGPROCMASK  14
#define LINUX_RT_SIGRETURN    15
#define LINUX_IOCTL           16
#define LINUX_PREAD64         17
#define LINUX_PWRITE64        18
#define LINUX_READV           19
#define LINUX_WRITEV          20
#define LINUX_ACCESS          21
#define LINUX_SELECT          23
#define LINUX_PIPE            22
#define LINUX_MADVISE         28
#define LINUX_DUP             32
#define LINUX_PAUSE           34
#define LINUX_DUP2            33
#define LINUX_NANOSLEEP       35
#define LINUX_GETPID          39
#define LINUX_SENDFILE        40
#define LINUX_CLONE           56
#define LINUX_FORK            57
#define LINUX_VFORK           58
#define LINUX_KILL            62
#define LINUX_UNAME           63
#define LINUX_EXECVE          59
#define LINUX_EXIT            60
#define LINUX_WAIT4           61
#define LINUX_FCNTL           72
#define LINUX_FTRUNCATE       77
#define LINUX_GETCWD          79
#define LINUX_CHDIR           80
#define LINUX_FCHDIR          81
#define LINUX_RENAME          82
#define LINUX_MKDIR           83
#define LINUX_RMDIR           84
#define LINUX_CREAT           85
#define LINUX_UNLINK          87
#define LINUX_READLINK        89
#define LINUX_CHMOD           90
#define LINUX_FCHMOD          91
#define LINUX_UMASK           95
#define LINUX_GETTIMEOFDAY    96
#define LINUX_SYSINFO         99
#define LINUX_GETUID          102
#define LINUX_GETGID          104
#define LINUX_GETEUID         107
#define LINUX_GETEGID         108
#define LINUX_GETPPID         110
#define LINUX_RT_SIGSUSPEND   130
#define LINUX_GETPGRP         111
#define LINUX_GETPGID         121
#define LINUX_PRCTL           157
#define LINUX_ARCH_PRCTL      158
#define LINUX_MOUNT           165
#define LINUX_REBOOT          169
#define LINUX_IOPL            172
#define LINUX_IOPERM          173
#define LINUX_GETTID          186
#define LINUX_TIME            201
#define LINUX_TKILL           200
#define LINUX_GETDENTS64      217
#define LINUX_SET_TID_ADDRESS 218
#define LINUX_CLOCK_GETTIME   228
#define LINUX_CLOCK_GETRES    229
#define LINUX_CLOCK_NANOSLEEP 230
#define LINUX_EXIT_GROUP      231
#define LINUX_TGKILL          234
#define LINUX_FCHMODAT        268
#define LINUX_FACCESSAT       269
#define LINUX_PSELECT6        270
#define LINUX_PPOLL           271
#define LINUX_SET_ROBUST_LIST 273
#define LINUX_DUP3            292
#define LINUX_PIPE2           293
#define LINUX_PRLIMIT64       302
#define LINUX_RENAMEAT2       316
#define LINUX_GETRANDOM       318
#define LINUX_GETCPU          309
#define LINUX_RSEQ            334
#define LINUX_CLONE3          435
#define LINUX_FACCESSAT2      439
#define LINUX_OPENAT          257
#define LINUX_MKDIRAT         258
#define LINUX_NEWFSTATAT      262
#define LINUX_UNLINKAT        263
#define LINUX_RENAMEAT        264
#define LINUX_READLINKAT      267

/* Their arguments. */
#define LINUX_AT_FDCWD        (-100)
#define LINUX_AT_SYMLINK_NOFOLLOW 0x100
#define LINUX_AT_REMOVEDIR    0x200
#define LINUX_AT_EMPTY_PATH   0x1000
#define LINUX_O_ACCMODE       03
#define LINUX_O_WRONLY        01
#define LINUX_O_RDWR          02
#define LINUX_O_CREAT         0100
#define LINUX_O_EXCL          0200
#define LINUX_O_TRUNC         01000
#define LINUX_O_APPEND        02000
#define LINUX_O_NONBLOCK      04000
#define LINUX_O_DIRECTORY     0200000
#define LINUX_O_NOFOLLOW      0400000
#define LINUX_O_CLOEXEC       02000000
#define LINUX_X_OK            1
#define LINUX_ACCESS_MODES    7      /* X_OK, W_OK 2, R_OK 4 (F_OK: 0) */
#define LINUX_STAT_BYTES      144    /* struct stat */
#define LINUX_STAT_MODE_OFFSET 24    /* its st_mode */
#define LINUX_S_IFIFO         0010000
#define LINUX_PROT_WRITE      2
#define LINUX_PROT_ALL        7      /* PROT_READ 1, PROT_WRITE 2, PROT_EXEC 4: Mach's VM_PROT_* */
#define LINUX_MAP_SHARED      0x01
#define LINUX_MAP_PRIVATE     0x02
#define LINUX_MAP_FIXED       0x10
#define LINUX_MAP_ANONYMOUS   0x20
#define LINUX_MADV_WILLNEED   3      /* advice 0 (normal) to 3: hints */
#define LINUX_MADV_HUGEPAGE   14
#define LINUX_MADV_NOHUGEPAGE 15

#define LINUX_REBOOT_MAGIC1   0xfee1deadu
#define LINUX_REBOOT_MAGIC2   672274793u /* (and the other three dates Linux takes) */
#define LINUX_REBOOT_MAGIC2A  85072278u
#define LINUX_REBOOT_MAGIC2B  369367448u
#define LINUX_REBOOT_MAGIC2C  537993216u
#define LINUX_REBOOT_RESTART  0x01234567u
#define LINUX_REBOOT_HALT     0xcdef0123u
#define LINUX_REBOOT_POWER_OFF 0x4321fedcu

#define LINUX_RLIMIT_STACK    3
#define LINUX_RLIMIT_NOFILE   7
#define LINUX_RLIMITS         16     /* resources 0..15 */
#define LINUX_RLIM_INFINITY   (~0ull)
#define LINUX_PR_SET_NAME     15
#define LINUX_PR_GET_NAME     16
#define LINUX_TASK_COMM_BYTES 16
#define LINUX_SYSINFO_BYTES   112    /* struct sysinfo */
#define LINUX_GRND_FLAGS      7      /* GRND_NONBLOCK 1, GRND_RANDOM 2, GRND_INSECURE 4 */

#define LINUX_TCGETS          0x5401
#define LINUX_TCSETS          0x5402  /* TCSETSW 0x5403, TCSETSF 0x5404: the same here */
#define LINUX_TCSETSF         0x5404
#define LINUX_TIOCGWINSZ      0x5413
#define LINUX_TERMIOS_BYTES   36      /* the kernel's struct termios: 4 flags, line, 19 cc */
#define LINUX_WINSIZE_BYTES   8

struct linux_pollfd {
	int32_t fd;
	int16_t events, revents;
};

#define LINUX_POLLIN          0x001
#define LINUX_POLLPRI         0x002
#define LINUX_POLLOUT         0x004
#define LINUX_POLLERR         0x008
#define LINUX_POLLHUP         0x010
#define LINUX_POLLNVAL        0x020
#define LINUX_FD_SETSIZE      1024   /* select's descriptors: bits of an fd_set */

/* Signals. */
#define LINUX_NSIG            64     /* signals 1..64 */
#define LINUX_SIGKILL         9
#define LINUX_SIGSEGV         11
#define LINUX_SIGPIPE         13
#define LINUX_SIGCHLD         17
#define LINUX_SIGCONT         18
#define LINUX_SIGSTOP         19
#define LINUX_SIGTTOU         22     /* SIGTSTP 20, SIGTTIN 21, SIGTTOU 22: stops */
#define LINUX_SIGURG          23
#define LINUX_SIGWINCH        28
#define LINUX_SIG_DFL         0
#define LINUX_SIG_IGN         1
#define LINUX_SIG_BLOCK       0
#define LINUX_SIG_UNBLOCK     1
#define LINUX_SIG_SETMASK     2
#define LINUX_SA_SIGINFO      0x4
#define LINUX_SA_RESTORER     0x04000000
#define LINUX_SA_NODEFER      0x40000000
#define LINUX_SA_RESETHAND    0x80000000u
#define LINUX_SIGACTION_BYTES 32     /* the kernel's struct: handler, flags, restorer, mask */
#define LINUX_SIGSET_BYTES    8
#define LINUX_WNOHANG         1
#define LINUX_SI_USER         0      /* si_code of kill */
#define LINUX_SI_TKILL        (-6)   /* of tkill and tgkill */
#define LINUX_SEEK_SET        0
#define LINUX_SEEK_CUR        1
#define LINUX_SEEK_END        2
#define LINUX_F_DUPFD         0
#define LINUX_F_GETFD         1
#define LINUX_F_SETFD         2
#define LINUX_F_GETFL         3
#define LINUX_F_SETFL         4
#define LINUX_F_DUPFD_CLOEXEC 1030
#define LINUX_TIMER_ABSTIME   1
#define LINUX_UTSNAME_BYTES   390    /* struct utsname: six fields of 65 */
#define LINUX_CLONE_VM        0x100
#define LINUX_CLONE_VFORK     0x4000
#define LINUX_CLONE_PARENT_SETTID 0x100000
#define LINUX_CLONE_CHILD_CLEARTID 0x200000
#define LINUX_CLONE_CHILD_SETTID 0x1000000
#define LINUX_FD_CLOEXEC      1
#define ARCH_SET_FS           0x1002
#define ARCH_GET_FS           0x1003

/* errno values (a call returns their negation). */
#define LINUX_ENOENT          2
#define LINUX_EINTR           4
#define LINUX_E2BIG           7
#define LINUX_EPERM           1
#define LINUX_ESRCH           3
#define LINUX_ENOEXEC         8
#define LINUX_EBADF           9
#define LINUX_ECHILD          10
#define LINUX_EAGAIN          11
#define LINUX_ENOMEM          12
#define LINUX_EACCES          13
#define LINUX_EFAULT          14
#define LINUX_EBUSY           16
#define LINUX_ENODEV          19
#define LINUX_EEXIST          17
#define LINUX_ENOTDIR         20
#define LINUX_EISDIR          21
#define LINUX_EINVAL          22
#define LINUX_ENFILE          23
#define LINUX_EMFILE          24
#define LINUX_ENOTTY          25
#define LINUX_EFBIG           27
#define LINUX_ENOSPC          28
#define LINUX_ESPIPE          29
#define LINUX_EPIPE           32
#define LINUX_ENAMETOOLONG    36
#define LINUX_ENOSYS          38
#define LINUX_ERANGE          34
#define LINUX_ENOTEMPTY       39
#define LINUX_ELOOP           40

#endif

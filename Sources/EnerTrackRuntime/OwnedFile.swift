#if canImport(Glibc)
    import Glibc
#endif

/// Files in a directory that another user owns (the service user's data directory, its spool),
/// touched by a process that may be root: the other user can rename anything in there at any
/// moment, so nothing here follows a name to its target. Opens never follow a link
/// (`O_NOFOLLOW`), and what is opened is checked through its descriptor (`fstat`) before use.
public enum OwnedFile {
    /// Gives `directory/name` the directory's owner when root owns it: only a regular file with
    /// a single link, opened relative to the directory's own descriptor without following a link,
    /// changed through that descriptor. Anything else (a link swapped in, a hard link to another
    /// file, a FIFO, a device) is left alone. Does nothing unless root runs it.
    public static func giveToDirectoryOwner(directory: String, name: String) {
        guard getuid() == 0, !name.contains("/") else { return }
        let directoryFD = open(directory, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
        guard directoryFD >= 0 else { return }
        defer { close(directoryFD) }
        var owner = stat()
        guard fstat(directoryFD, &owner) == 0, owner.st_uid != 0 else { return }
        // O_NONBLOCK: a FIFO swapped in must not hang root's command; it is refused below.
        let fd = openat(directoryFD, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC | O_NOCTTY)
        guard fd >= 0 else { return }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG, info.st_nlink == 1, info.st_uid == 0,
            info.st_dev == owner.st_dev
        else { return }
        _ = fchown(fd, owner.st_uid, owner.st_gid)
    }

    /// The owner of `path` when it is a symbolic link that another user made (nil otherwise):
    /// such a link inside a directory that user owns must not lead this process elsewhere.
    public static func foreignLinkOwner(_ path: String) -> uid_t? {
        var info = stat()
        guard lstat(path, &info) == 0, (info.st_mode & S_IFMT) == S_IFLNK, info.st_uid != geteuid() else { return nil }
        return info.st_uid
    }

    /// `open(2)` that never follows a link at `path` and accepts only a regular file: the
    /// descriptor, or -1 with `errno` set (`ELOOP` for a link, `EINVAL` for anything else that is
    /// not a regular file).
    public static func openRegular(_ path: String, _ flags: Int32, mode: mode_t = 0o640) -> Int32 {
        // O_TRUNC only after the check: never truncate what turns out not to be ours to use.
        let fd = open(path, (flags & ~O_TRUNC) | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC | O_NOCTTY, mode)
        guard fd >= 0 else { return -1 }
        var info = stat()
        guard fstat(fd, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG, info.st_nlink == 1,
            flags & O_TRUNC == 0 || ftruncate(fd, 0) == 0
        else {
            close(fd)
            errno = EINVAL
            return -1
        }
        // Back to blocking I/O: O_NONBLOCK was only so that a FIFO swapped in could not hang the open.
        let status = fcntl(fd, F_GETFL)
        if status >= 0 { _ = fcntl(fd, F_SETFL, status & ~O_NONBLOCK) }
        return fd
    }
}

/// The process's file descriptor limit (`RLIMIT_NOFILE`).
public enum Descriptors {
    /// Raises the soft limit to the hard one (at most 65,536): systemd starts services with a
    /// soft limit of 1,024, which a few hundred idle clients would exhaust.
    public static func raiseLimit() {
        var limit = rlimit()
        guard getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0 else { return }
        let wanted = min(limit.rlim_max, 65_536)
        guard limit.rlim_cur < wanted else { return }
        limit.rlim_cur = wanted
        _ = setrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit)
    }

    /// The soft limit now.
    public static func limit() -> Int {
        var limit = rlimit()
        guard getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0 else { return 1_024 }
        return Int(clamping: limit.rlim_cur)
    }
}

/// Limits a process sets on itself before it handles something from outside.
public enum ProcessLimits {
    /// At most `dataBytes` of heap and private mappings (`RLIMIT_DATA`: an allocation past it
    /// fails, and the process ends), `cpuSeconds` of CPU (`RLIMIT_CPU`: SIGXCPU, then SIGKILL),
    /// and no core file. Limits only go down, so any process may set them.
    public static func confine(dataBytes: Int, cpuSeconds: Int) {
        func set(_ resource: __rlimit_resource, _ value: Int) {
            var limit = rlimit()
            guard getrlimit(Int32(resource.rawValue), &limit) == 0 else { return }
            let wanted = rlim_t(value)
            limit.rlim_cur = min(limit.rlim_cur, wanted)
            limit.rlim_max = min(limit.rlim_max, max(wanted, limit.rlim_cur))
            _ = setrlimit(Int32(resource.rawValue), &limit)
        }
        set(RLIMIT_DATA, dataBytes)
        set(RLIMIT_CPU, cpuSeconds)
        set(RLIMIT_CORE, 0)
    }
}

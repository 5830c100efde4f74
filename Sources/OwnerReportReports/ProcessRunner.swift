#if canImport(Glibc)
    import Glibc
#endif
import Foundation

/// What a finished child process left: its exit status (128+N for signal N), its output, and whether
/// it was stopped for running over time.
public struct ProcessOutput: Sendable {
    public var status: Int32
    public var standardOutput: [UInt8]
    public var standardError: [UInt8]
    public var timedOut: Bool
}

/// Runs a program with input on stdin and a time limit, collecting stdout and stderr.
///
/// The child gets its own process group, so on time-out the whole group (a shell and what it started)
/// gets SIGTERM and, 2 s later, SIGKILL; its pipes are read while it runs, so a chatty child never blocks.
public enum ProcessRunner {
    public struct Error: Swift.Error, CustomStringConvertible {
        public var description: String
    }

    /// Runs `arguments` (the first found on PATH), feeding `input`, for at most `timeout`.
    public static func run(_ arguments: [String], input: [UInt8]?, timeout: Duration) throws(Error) -> ProcessOutput {
        var stdinPipe: [Int32] = [-1, -1], stdoutPipe: [Int32] = [-1, -1], stderrPipe: [Int32] = [-1, -1]
        guard pipe(&stdinPipe) == 0, pipe(&stdoutPipe) == 0, pipe(&stderrPipe) == 0 else {
            throw Error(description: "cannot make pipes: \(String(cString: strerror(errno)))")
        }
        // Only the child's copies (dup2'd to 0, 1, 2) may survive exec.
        for fd in stdinPipe + stdoutPipe + stderrPipe { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, stdinPipe[0], 0)
        posix_spawn_file_actions_adddup2(&actions, stdoutPipe[1], 1)
        posix_spawn_file_actions_adddup2(&actions, stderrPipe[1], 2)
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var defaults = sigset_t()
        sigemptyset(&defaults)
        sigaddset(&defaults, SIGPIPE)
        sigaddset(&defaults, SIGTERM)
        sigaddset(&defaults, SIGINT)
        var unblocked = sigset_t()
        sigemptyset(&unblocked)
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        posix_spawnattr_setsigmask(&attributes, &unblocked)
        posix_spawnattr_setpgroup(&attributes, 0)
        posix_spawnattr_setflags(
            &attributes, Int16(POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK))
        var pid: pid_t = 0
        let argv = arguments.map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        let spawned = posix_spawnp(&pid, arguments[0], &actions, &attributes, argv, environ)
        close(stdinPipe[0])
        close(stdoutPipe[1])
        close(stderrPipe[1])
        guard spawned == 0 else {
            close(stdinPipe[1])
            close(stdoutPipe[0])
            close(stderrPipe[0])
            throw Error(description: "cannot start \(arguments[0]): \(String(cString: strerror(spawned)))")
        }

        // A child that stops reading must give EPIPE here, not kill this process.
        signal(SIGPIPE, SIG_IGN)
        let toWrite = input ?? []
        var written = 0
        var inputFD: Int32 = stdinPipe[1]
        if toWrite.isEmpty {
            close(inputFD)
            inputFD = -1
        } else {
            _ = fcntl(inputFD, F_SETFL, fcntl(inputFD, F_GETFL) | O_NONBLOCK)
        }
        var output: [UInt8] = [], errors: [UInt8] = []
        var openReaders: [Int32] = [stdoutPipe[0], stderrPipe[0]]
        let started = DispatchTime.now().uptimeNanoseconds
        let limit =
            UInt64(max(0, timeout.components.seconds)) * 1_000_000_000
            + UInt64(timeout.components.attoseconds / 1_000_000_000)
        var timedOut = false
        var killAt: UInt64?
        var buffer = [UInt8](repeating: 0, count: 65536)
        while !openReaders.isEmpty || inputFD >= 0 {
            let elapsed = DispatchTime.now().uptimeNanoseconds - started
            if !timedOut, elapsed >= limit {
                timedOut = true
                kill(-pid, SIGTERM)
                killAt = elapsed + 2_000_000_000
                if inputFD >= 0 {
                    close(inputFD)
                    inputFD = -1
                }
            }
            if let deadline = killAt, elapsed >= deadline {
                kill(-pid, SIGKILL)
                killAt = nil
            }
            var fds = openReaders.map { pollfd(fd: $0, events: Int16(POLLIN), revents: 0) }
            if inputFD >= 0 { fds.append(pollfd(fd: inputFD, events: Int16(POLLOUT), revents: 0)) }
            let wait = timedOut ? 200 : Int32(min(1000, max(1, (limit - min(limit, elapsed)) / 1_000_000)))
            if poll(&fds, nfds_t(fds.count), wait) < 0, errno != EINTR { break }
            for entry in fds where entry.revents != 0 {
                if entry.fd == inputFD {
                    let count = toWrite[written...].withUnsafeBytes { write(inputFD, $0.baseAddress, $0.count) }
                    if count > 0 { written += count }
                    // Done, or the child stopped reading (EPIPE): either way its input is over.
                    if written >= toWrite.count || (count < 0 && errno != EAGAIN && errno != EINTR) {
                        close(inputFD)
                        inputFD = -1
                    }
                    continue
                }
                let count = read(entry.fd, &buffer, buffer.count)
                if count > 0 {
                    if entry.fd == stdoutPipe[0] { output += buffer[0..<count] } else { errors += buffer[0..<count] }
                } else if count == 0 || (errno != EINTR && errno != EAGAIN) {
                    close(entry.fd)
                    openReaders.removeAll { $0 == entry.fd }
                }
            }
        }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0, errno == EINTR {}
        // Whatever the child left running in its group goes too.
        kill(-pid, SIGKILL)
        let exited = status & 0x7f == 0
        let code = exited ? (status >> 8) & 0xff : 128 + (status & 0x7f)
        return ProcessOutput(status: code, standardOutput: output, standardError: errors, timedOut: timedOut)
    }
}

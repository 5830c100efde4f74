#if canImport(Glibc)
    import Glibc
#endif
import Foundation
import OwnerReportCore

/// Who a connected process is, from what the kernel says (SO_PEERCRED) and never from what it sends.
public enum PeerIdentity {
    /// The submitter behind a uid and pid: the user name from the password database and, when /proc
    /// shows it, the systemd unit the process runs in.
    /// Who is at the other end of a connected Unix socket: pid, uid and gid at connect time (SO_PEERCRED).
    public static func credentials(of descriptor: Int32) -> (pid: Int32, uid: UInt32, gid: UInt32)? {
        // struct ucred is three 32-bit fields; Glibc hides the type itself behind _GNU_SOURCE.
        var words: [UInt32] = [0, 0, 0]
        var length = socklen_t(12)
        let result = words.withUnsafeMutableBytes {
            getsockopt(descriptor, SOL_SOCKET, SO_PEERCRED, $0.baseAddress, &length)
        }
        guard result == 0, length == 12 else { return nil }
        return (Int32(bitPattern: words[0]), words[1], words[2])
    }

    public static func submitter(uid: UInt32, pid: Int32) -> ReportFacts.Submitter {
        ReportFacts.Submitter(uid: uid, user: userName(uid), unit: unit(of: pid))
    }

    static func userName(_ uid: UInt32) -> String? {
        var entry = passwd()
        var result: UnsafeMutablePointer<passwd>?
        var buffer = [CChar](repeating: 0, count: 4096)
        guard getpwuid_r(uid, &entry, &buffer, buffer.count, &result) == 0, result != nil, let name = entry.pw_name
        else { return nil }
        return String(cString: name)
    }

    /// The innermost `.service` or `.scope` in the process's cgroup path (cgroup v2: `0::/system.slice/x.service`).
    /// nil when /proc hides it (another user's process under `ProtectProc=invisible`) or it runs in none.
    static func unit(of pid: Int32) -> String? {
        guard pid > 0, let text = try? String(contentsOfFile: "/proc/\(pid)/cgroup", encoding: .utf8) else {
            return nil
        }
        return unit(fromCgroup: text)
    }

    /// The unit named by the text of a `/proc/PID/cgroup` file.
    static func unit(fromCgroup text: String) -> String? {
        for line in text.split(separator: "\n") where line.hasPrefix("0::") {
            let components = line.dropFirst(3).split(separator: "/")
            if let unit = components.last(where: { $0.hasSuffix(".service") || $0.hasSuffix(".scope") }) {
                // Unit names are plain; anything else is not shown.
                return unit.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "-_.@:\\".contains($0)) })
                    ? String(unit) : nil
            }
        }
        return nil
    }
}

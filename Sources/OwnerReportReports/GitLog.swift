import Foundation
import OwnerReportCore

/// One commit as the weekly report lists it.
public struct Commit: Sendable, Equatable {
    public var repository: String
    public var hash: String
    public var authorName: String
    public var authorEmail: String
    /// When the work was authored (the weekly report's week is decided by this).
    public var authoredAt: Timestamp
    public var subject: String

    public var shortHash: String { String(hash.prefix(8)) }
}

/// Reads commits from a git repository with the `git` program (merges excluded).
public enum GitLog {
    public struct Error: Swift.Error, CustomStringConvertible {
        /// What failed, which decides the exit status.
        public enum Failure: Sendable, Equatable {
            /// `--git-repo` names no directory (exit 66).
            case noRepository
            /// git could not be run, or `git log` failed (exit 74).
            case gitFailed
        }

        public var failure: Failure
        public var description: String
    }

    /// How a report names a repository: the last component of its real path (`.` becomes the directory's name).
    public static func displayName(of repository: String) -> String {
        guard let real = realpath(repository, nil) else { return repository }
        defer { free(real) }
        return String(cString: real).split(separator: "/").last.map(String.init) ?? "/"
    }

    /// Non-merge commits of `repository` authored in `[start, end)`, oldest first.
    ///
    /// git's `--since` filters by committer date, which is never earlier than the author date for
    /// ordinary history, so it only narrows the walk; the author date then decides exactly.
    public static func commits(in repository: String, from start: Timestamp, to end: Timestamp) throws(Error)
        -> [Commit]
    {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: repository, isDirectory: &isDirectory), isDirectory.boolValue
        else {
            throw Error(failure: .noRepository, description: "\(repository): no such directory (--git-repo)")
        }
        let since = start.adding(nanoseconds: -7 * 86_400 * 1_000_000_000)
        let arguments = [
            "-C", repository, "log", "--no-merges", "--no-color", "--since=\(since.seconds)",
            "--format=%H%x1f%an%x1f%ae%x1f%at%x1f%s%x1e",
        ]
        let output: ProcessOutput
        do {
            output = try ProcessRunner.run(["git"] + arguments, input: nil, timeout: .seconds(120))
        } catch {
            throw Error(failure: .gitFailed, description: "\(repository): cannot run git: \(error)")
        }
        guard output.status == 0 else {
            let message =
                String(decoding: output.standardError, as: UTF8.self).split(separator: "\n").first.map(String.init)
                ?? "exit \(output.status)"
            // An empty repository has no HEAD: it simply has no commits.
            if message.contains("does not have any commits yet") { return [] }
            throw Error(failure: .gitFailed, description: "\(repository): git log failed: \(message)")
        }
        let name = displayName(of: repository)
        var commits: [Commit] = []
        for record in String(decoding: output.standardOutput, as: UTF8.self).split(separator: "\u{1e}") {
            let fields = record.trimmingCharacters(in: .newlines).split(
                separator: "\u{1f}", omittingEmptySubsequences: false)
            guard fields.count == 5, let seconds = Int64(fields[3]) else { continue }
            let authored = Timestamp(seconds: seconds)
            guard authored >= start, authored < end else { continue }
            commits.append(
                Commit(
                    repository: name, hash: String(fields[0]), authorName: String(fields[1]),
                    authorEmail: String(fields[2]),
                    authoredAt: authored, subject: String(fields[4])))
        }
        return commits.sorted { ($0.authoredAt, $0.hash) < ($1.authoredAt, $1.hash) }
    }
}

import Foundation
import OwnerReportCore
import OwnerReportSockets
import Testing
import TestSupport

@testable import OwnerReportSubmission

/// The queue, the sockets and the locks throw one error for a failed system call: the same words
/// (`path: operation: strerror`) and the same exit status for the same errno, wherever it happened.
@Suite struct SystemErrorTests {
    let directory = TemporaryDirectory()

    @Test func aPortInUseIsTheSameErrorAsAFileThatCannotBeCreated() throws {
        let port = try freePort()
        let first = try ListeningSocket.bind(tcp: "127.0.0.1:\(port)")
        do {
            _ = try ListeningSocket.bind(tcp: "127.0.0.1:\(port)")
            Issue.record("a second bind to port \(port) succeeded")
        } catch {
            #expect(error.errno == EADDRINUSE)
            #expect(error.description == "127.0.0.1:\(port): bind: \(String(cString: strerror(EADDRINUSE)))")
            #expect(error.exitStatus == .cannotCreate)
        }
        withExtendedLifetime(first) {}
    }

    @Test func aSocketPathInAMissingDirectoryNamesThePathAndTheCall() throws {
        let path = directory.appending("no-such-directory/submit.sock")
        do {
            _ = try ListeningSocket.bind(unix: path, mode: 0o600)
            Issue.record("bound \(path)")
        } catch {
            #expect(error == SystemError(path: path, errno: ENOENT, operation: "bind"))
            #expect(error.description == "\(path): bind: \(String(cString: strerror(ENOENT)))")
        }
    }

    @Test func aFileInTheSocketsPlaceIsRefusedInWordsAndLeftAlone() throws {
        let path = try directory.write("submit.sock", "not a socket")
        do {
            _ = try ListeningSocket.bind(unix: path, mode: 0o600)
            Issue.record("bound over \(path)")
        } catch {
            #expect(error.errno == 0)
            #expect(error.description == "\(path): bind: exists and is not a socket; move it away")
            #expect(error.exitStatus == .cannotCreate)
        }
        #expect(try String(contentsOfFile: path, encoding: .utf8) == "not a socket")
    }

    @Test func aLockInADirectoryThatIsNotThereIsTheQueuesError() throws {
        let path = directory.appending("missing/.lock")
        do {
            _ = try FileLock.acquire(at: path, wait: false)
            Issue.record("locked \(path)")
        } catch {
            #expect(error == SystemError(path: path, errno: ENOENT, operation: "open lock file"))
            #expect(error.exitStatus == .noInput)
        }
    }

    @Test func aConnectionNobodyServesSaysWhatToStart() throws {
        let path = directory.appending("nobody.sock")
        do {
            _ = try SocketConnection.connect(to: path, timeout: .seconds(1))
            Issue.record("connected to \(path)")
        } catch {
            #expect(error.exitStatus == .unavailable)
            #expect(
                error.message
                    == "\(path): connect: \(String(cString: strerror(ENOENT))) (is owner-report-driver --follow or its socket unit running?)"
            )
        }
    }
}

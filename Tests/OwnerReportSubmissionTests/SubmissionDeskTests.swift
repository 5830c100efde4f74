import Foundation
import OwnerReportCore
import OwnerReportLedger
@testable import OwnerReportSockets
import Testing
import TestSupport

@testable import OwnerReportSubmission

/// The desk's decisions without sockets or other users: what it enqueues, what it refuses, and the bounds.
@Suite struct SubmissionDeskTests {
    static let alice = ReportFacts.Submitter(uid: 1001, user: "alice", unit: "ci-job.service")
    static let bob = ReportFacts.Submitter(uid: 1002, user: "bob", unit: nil)

    static func desk(_ directory: TemporaryDirectory, submit: String = "") throws -> (SubmissionDesk, QueueDirectory) {
        let queue = QueueDirectory(root: directory.appending("queue"))
        try queue.prepare()
        let configuration = try ConfigurationLoader.parse(
            "default_destination = \"local\"\n[destinations.local]\nchannel = \"file\"\npath = \"outbox\"\n[submit]\n\(submit)",
            file: "test.toml")
        return (SubmissionDesk(queue: queue, configuration: configuration, ledger: try Ledger(queue: queue)), queue)
    }

    @Test func aSubmissionIsEnqueuedWithTheKernelsSubmitterInPlaceOfTheReportsClaim() throws {
        let directory = TemporaryDirectory()
        let (desk, queue) = try Self.desk(directory)
        let id = try desk.accept(
            Array("---\nkind: note\ntitle: hi\nsubmitted_by: root (uid 0)\n---\nbody\n".utf8), format: .markdown,
            from: Self.alice
        ).id
        let report = try ReportCodec.decode(
            try DurableFile.readWhole("\(queue.pending)/\(id)"), format: .markdown, path: id)
        #expect(report.text("submitted_by") == "alice (uid 1001, unit ci-job.service)")
        let enqueued = try #require(try Ledger(queue: queue).events(for: id).first)
        #expect(ReportFacts(json: enqueued.facts)?.submitter == Self.alice)
    }

    @Test(arguments: [
        ("---\nkind: note\nno end\n", "65"), ("{\"kind\": ", "65"),
        ("---\nkind: note\ndestination: nowhere\n---\nx\n", "64"),
    ])
    func malformedOrMisaddressedReportsAreRefusedAndNothingIsEnqueued(text: String, status: String) throws {
        let directory = TemporaryDirectory()
        let (desk, queue) = try Self.desk(directory)
        let format: ReportFormat = text.hasPrefix("{") ? .json : .markdown
        #expect(throws: SubmissionError.self) { try desk.accept(Array(text.utf8), format: format, from: Self.alice) }
        do {
            _ = try desk.accept(Array(text.utf8), format: format, from: Self.alice)
        } catch {
            #expect(String(error.exitStatus.rawValue) == status, "\(error)")
        }
        #expect(directoryNames(queue.pending).isEmpty)
        #expect(try Ledger(queue: queue).allEvents().isEmpty)
    }

    @Test func theBoundsCountOnlyWaitingSubmissionsPerUserAndInTotal() throws {
        let directory = TemporaryDirectory()
        let (desk, queue) = try Self.desk(directory, submit: "max_pending_per_user = 2\nmax_pending = 3")
        let note = Array("---\nkind: note\n---\nx\n".utf8)
        let first = try desk.accept(note, format: .markdown, from: Self.alice).id
        _ = try desk.accept(note, format: .markdown, from: Self.alice)
        #expect(
            throws: SubmissionError(
                "alice (uid 1001, unit ci-job.service) already has 2 report(s) waiting (submit.max_pending_per_user); try again later",
                exitStatus: .temporaryFailure)
        ) {
            try desk.accept(note, format: .markdown, from: Self.alice)
        }
        _ = try desk.accept(note, format: .markdown, from: Self.bob)
        #expect(
            throws: SubmissionError(
                "3 submitted report(s) are already waiting (submit.max_pending); try again later",
                exitStatus: .temporaryFailure)
        ) {
            try desk.accept(note, format: .markdown, from: Self.bob)
        }
        // Once one of alice's reports has left pending/, she has room again.
        try FileManager.default.moveItem(atPath: "\(queue.pending)/\(first)", toPath: "\(queue.sent)/\(first)")
        _ = try desk.accept(note, format: .markdown, from: Self.alice)
    }

    @Test(arguments: [
        ("0::/system.slice/ci-job.service\n", "ci-job.service"),
        ("0::/user.slice/user-1001.slice/session-3.scope\n", "session-3.scope"),
        ("0::/system.slice/backup@db1.service/payload\n", "backup@db1.service"),
        ("0::/\n", nil), ("12:cpu:/x.service\n", nil), ("0::/system.slice/evil\u{1b}[31m.service\n", nil),
    ])
    func theUnitIsReadFromTheUnifiedCgroupLine(text: String, unit: String?) {
        #expect(PeerIdentity.unit(fromCgroup: text) == unit)
    }

    @Test func theWireFramesARequestAndBothReplies() throws {
        let header = String(decoding: SubmissionWire.header(format: .json, count: 42), as: UTF8.self)
        #expect(header == "OWNER-REPORT-SUBMIT/1 json 42\n")
        let parsed = try SubmissionWire.parseHeader(String(header.dropLast()))
        #expect(parsed.format == .json && parsed.count == 42)
        let ok = String(decoding: SubmissionWire.reply(.success("x.md")), as: UTF8.self)
        #expect(try SubmissionWire.parseReply(String(ok.dropLast()), socket: "s") == "x.md")
        let refused = String(
            decoding: SubmissionWire.reply(.failure(SubmissionError("two\nlines", exitStatus: .temporaryFailure))),
            as: UTF8.self)
        #expect(refused == "ERROR 75 two lines\n")
        #expect(throws: SubmissionError("two lines", exitStatus: .temporaryFailure)) {
            try SubmissionWire.parseReply(String(refused.dropLast()), socket: "s")
        }
        #expect(throws: SubmissionError.self) { try SubmissionWire.parseHeader("OWNER-REPORT-SUBMIT/1 md -1") }
    }

    @Test func aRetryOfAKeyWhoseReportWasLeftInTmpPublishesThatReport() throws {
        // The intake killed between the `enqueued` commit and the link into pending/: a row, and the
        // bytes still in tmp/. The retry is the same report, so it is a duplicate, and it appears now.
        let directory = TemporaryDirectory()
        let (desk, queue) = try Self.desk(directory)
        let ghost = "20261124T000000.000000000Z-note-ghost-00000000.json"
        let staged = try DurableFile.stage(
            Array(#"{"kind": "note", "title": "first try"}"#.utf8), for: "\(queue.pending)/\(ghost)", in: queue.tmp)
        var facts = ReportFacts(kind: "note")
        facts.idempotencyKey = "build-7"
        try desk.ledger.append(
            .init(.enqueued, report: ghost, sha256: QueueDirectory.sha256(staged.bytes), facts: facts.json))
        staged.release()
        let note = Array(#"{"kind": "note", "title": "retry"}"#.utf8)
        let retried = try desk.accept(note, format: .json, from: nil, key: "build-7", via: "test")
        #expect(retried == .init(id: ghost, duplicate: true))
        #expect(
            directoryNames(queue.pending) == [ghost] && directoryNames(queue.tmp).isEmpty,
            "the committed report is published, once")
        let again = try desk.accept(note, format: .json, from: nil, key: "build-7", via: "test")
        #expect(again == .init(id: ghost, duplicate: true), "and from then on the key is taken")
    }

    @Test func withoutALocalUserTheStampSaysHowTheReportCameAndOnlyARelayKeepsItsOrigins() throws {
        let directory = TemporaryDirectory()
        let (desk, queue) = try Self.desk(directory)
        let forged = Report(
            kind: .note, title: "claims", fields: ["submitted_by": .text("alice (uid 1001)")], body: "x")
        let posted = try desk.enqueue(forged, from: nil, via: "the intake's /v1/reports")
        let relayed = try desk.enqueue(forged, from: nil, via: "the intake's /v1/relay", keepsOriginStamp: true)
        func stamp(_ id: String) throws -> String? {
            try ReportCodec.decode(try DurableFile.readWhole("\(queue.pending)/\(id)"), format: .markdown, path: id)
                .text("submitted_by")
        }
        #expect(
            try stamp(posted.id) == "the intake's /v1/reports", "an HTTP sender cannot pass itself off as a local user")
        #expect(try stamp(relayed.id) == "alice (uid 1001)", "the origin host's stamp travels with the relayed report")
    }
}

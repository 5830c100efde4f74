#if canImport(Glibc)
    import Glibc
#endif
import OwnerReportCore
import Testing

@Suite struct DurableFileTests {
    /// /proc files say they are 0 bytes long and are not: the read must not trust fstat's size.
    @Test func aFileLongerThanItsStatedSizeIsReadWholeUpToTheLimit() throws {
        let bytes = try DurableFile.readRegularFile("/proc/self/status", limit: 1 << 20)
        #expect(String(decoding: bytes, as: UTF8.self).hasPrefix("Name:"))
        #expect(bytes.count > 100)
        #expect {
            try DurableFile.readRegularFile("/proc/self/status", limit: 10)
        } throws: { error in
            (error as? SystemError)?.errno == EFBIG && "\(error)".contains("grew over the limit of 10 bytes")
        }
    }
}

import OwnerReportCore
import Testing

@Suite struct DigitTextTests {
    @Test func paddedNumbersKeepTheirWidthAndSign() {
        #expect(DigitText.padded(7, 2) == "07")
        #expect(DigitText.padded(2026, 4) == "2026")
        #expect(DigitText.padded(123_456, 4) == "123456", "a wider number is never cut")
        #expect(DigitText.padded(0, 9) == "000000000")
        #expect(DigitText.padded(-5, 3) == "-005")
        #expect(DigitText.padded(Int64.min, 2) == "-9223372036854775808")
    }

    @Test func hexIsTwoLowerCaseDigitsPerByte() {
        #expect(DigitText.hex([0x00, 0x0f, 0xa0, 0xff]) == "000fa0ff")
        #expect(DigitText.hex([UInt8]()) == "")
    }

    @Test func timestampsFormatAsBefore() throws {
        let time = Timestamp(seconds: 1_795_421_700, nanoseconds: 123_456_789)  // 2026-11-23T08:15:00Z
        #expect(time.iso8601UTC == "2026-11-23T08:15:00.123456Z")
        #expect(time.compactUTC == "20261123T081500.123456789Z")
        #expect(Timestamp(seconds: 0).iso8601UTC == "1970-01-01T00:00:00.000000Z")
        #expect(Timestamp(iso8601UTC: time.iso8601UTC) == Timestamp(seconds: 1_795_421_700, nanoseconds: 123_456_000))
    }
}

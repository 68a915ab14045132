import Testing

@testable import EnerTrackWeb

/// Forms as browsers send them, through Hummingbird's decoder.
@Suite("Web forms")
struct WebFormTests {
    @Test("'+' is a space in values, %2B a plus; an unreadable body is an empty form")
    func decoding() {
        let form = Form("password=correct+horse%2Bbattery&name=Jos%C3%A9+P%C3%A9rez&empty=")
        #expect(form.values["password"] == "correct horse+battery")
        #expect(form["name"] == "José Pérez" && form["empty"] == "")
        #expect(Form("a=%zz").values.isEmpty && Form("").values.isEmpty)
    }
}

import Testing
import Crossbar
@Test func placeholder() { #expect(1 == 1) }

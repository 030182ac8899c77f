import ExperimentKit
import Foundation
import TestSupport
import Testing

/// `aimc bench`'s text report withholds the ratios of a disturbed run, or prints them in
/// brackets with `--show-disturbed`; an undisturbed run prints them plainly. The report is a
/// record this repository keeps (`Benchmarks/records/`), read back as `aimc bench --json` wrote it.
@Suite("bench report")
struct BenchReportTests {
    static func record() throws -> Benchmark.Report {
        let dir = repositoryRoot.appendingPathComponent("Benchmarks/records")
        let files = try FileManager.default.contentsOfDirectory(atPath: dir.path).filter { $0.hasSuffix(".json") }.sorted()
        let file = try #require(files.first { $0.contains("fashion-mlp-pcm") })
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        return try decoder.decode(Benchmark.Report.self, from: Data(contentsOf: dir.appendingPathComponent(file)))
    }

    @Test("a disturbed run: ratios withheld by default, in brackets with showDisturbed; an undisturbed run: plain")
    func disturbedRatios() throws {
        var r = try Self.record()
        r.disturbed = ["the analogue runs spread by 40 % (largest ÷ smallest 1.40 > 1.25)"]
        let ratio = String(format: "%.2f × digital, %.2f × ceiling", r.analogOverDigital, r.analogOverCeiling)
        let withheld = Benchmark.render(r)
        #expect(withheld.contains("withheld (disturbed)"))
        #expect(!withheld.contains(ratio))
        #expect(withheld.contains("--show-disturbed"))
        let shown = Benchmark.render(r, showDisturbed: true)
        #expect(shown.contains("(\(ratio)) disturbed"))
        #expect(shown.contains("the analogue runs spread by 40 %"))
        #expect(!shown.contains("withheld"))
        r.disturbed = []
        for text in [Benchmark.render(r), Benchmark.render(r, showDisturbed: true)] {
            #expect(text.contains(ratio) && !text.contains("(\(ratio))") && !text.contains("disturbed"))
        }
    }
}

import Crossbar
import NumericKernels
import TestSupport
import Testing

/// A tile read is one sequence of stages (`TileRead`) run by a schedule that groups
/// samples to stay in cache: any group size must give bit-identical outputs, converter
/// statistics and random numbers consumed, for every stage option (bit-serial inputs,
/// slices, offsets, per-row noise, per-channel ADCs, per-column compensation).
@Suite("a tile read gives the same results under any schedule")
struct ReadScheduleTests {
    /// Hardware variants; each differs from the PCM default in one respect that changes
    /// what the stages do.
    static let variants: [(name: String, configure: @Sendable (inout HardwareSpec) -> Void)] = [
        ("PCM, 7-bit DAC, 9-bit ADC, noise, bound management", { _ in }),
        ("ADC range ±0.02: most samples retried up to the maximum factor", { $0.adc = try! Quantizer(bits: 9, range: 0.02) }),
        ("no bound management", { $0.boundManagement = false }),
        ("ideal ADC with output noise", { $0.adc = .ideal }),
        ("ideal DAC", { $0.dac = .ideal }),
        ("no output noise", { $0.outputNoise = 0 }),
        ("no input scaling, DAC clipping", { $0.inputScaling = .none }),
        ("7 columns per tile (odd: noise groups split pairs)", { $0.tileColumns = 7 }),
        ("unsigned 8-bit ADC", { $0.adc = try! Quantizer(bits: 8, range: 1, signed: false) }),
        ("bit-serial 5-bit DAC", { $0.dac = try! Quantizer(bits: 5, range: 1); $0.dacBitSerial = true; $0.adc = try! Quantizer(bits: 9, range: 4) }),
        ("3 slices of 3 bits", { $0.slicing = SliceSpec(slices: 3, bits: 3) }),
        ("offset mapping, digital reference", { $0.mapping = .offset; $0.offsetReference = .digital }),
        ("per-row output noise streams", { $0.outputNoiseStreams = .perRow }),
        ("23-bit ADC (scalar converter loop)", { $0.adc = try! Quantizer(bits: 23, range: 10) }),
    ]

    static func pcm(_ configure: (inout HardwareSpec) -> Void) -> HardwareSpec {
        var s = HardwareSpec()
        s.deviceKind = .pcm
        s.tileRows = 64
        s.tileColumns = 48
        s.dac = try! Quantizer(bits: 7, range: 1)
        s.adc = try! Quantizer(bits: 9, range: 10)
        s.outputNoise = 0.04
        s.boundManagement = true
        configure(&s)
        return s
    }

    /// 1 300 samples (more than one noise group of the 7-column variant), some all zero.
    static func inputs(columns: Int) -> Matrix {
        var x = Stage.uniform(1300, columns, seed: 5, -1, 1)
        for b in stride(from: 0, to: x.rows, by: 97) { for i in 0..<columns { x[b, i] = 0 } }
        for i in 0..<columns / 2 { x[3, i] = 0 }  // zero on the first tile only
        return x
    }

    @Test("forward: outputs, statistics and generator state are identical", arguments: 0..<variants.count)
    func forwardMatches(variant: Int) throws {
        let spec = Self.pcm(Self.variants[variant].configure)
        let w = Stage.uniform(100, 150, seed: 3, -0.5, 0.5)
        let x = Self.inputs(columns: 150)
        let fused = try AnalogMatrix(weights: w, spec: spec).program(seed: 11).readout(tInference: 86_400)
        var general = fused
        general.readGroupRows = [2, 6, Int.max][variant % 3]  // pairs, odd groups of noise rows, the whole batch
        for compensation in [DriftCompensation.none, .global, .column] {
            var rngA = Xoshiro256(seed: 21), rngB = rngA
            var statsA = ConversionStats(), statsB = ConversionStats()
            let a = try fused.forward(x, compensation: compensation, rng: &rngA, stats: &statsA)
            let b = try general.forward(x, compensation: compensation, rng: &rngB, stats: &statsB)
            #expect(a.values.map(\.bitPattern) == b.values.map(\.bitPattern), "\(Self.variants[variant].name), \(compensation)")
            #expect(statsA == statsB)
            #expect(rngA.next() == rngB.next())
        }
        var rngA = Xoshiro256(seed: 22), rngB = rngA
        var statsA = ConversionStats(), statsB = ConversionStats()
        let a = try fused.forward(x, compensations: [.none, .globalExact], rng: &rngA, stats: &statsA)
        let b = try general.forward(x, compensations: [.none, .globalExact], rng: &rngB, stats: &statsB)
        #expect(a.map { $0.values.map(\.bitPattern) } == b.map { $0.values.map(\.bitPattern) })
        #expect(statsA == statsB)
        #expect(rngA.next() == rngB.next())
    }

    @Test("a sample's output does not depend on the other samples' values, re-reads of theirs included",
          arguments: [0, 1, 9, 12])
    func rowsAreIndependent(variant: Int) throws {
        let spec = Self.pcm(Self.variants[variant].configure)
        let readout = try AnalogMatrix(weights: Stage.uniform(100, 150, seed: 3, -0.5, 0.5), spec: spec)
            .program(seed: 11).readout(tInference: 3600)
        let x = Self.inputs(columns: 150)
        var other = x
        for b in 0..<x.rows where b % 3 != 0 { for i in 0..<150 { other[b, i] = x[(b * 7) % x.rows, i] * 3 } }
        var rngA = Xoshiro256(seed: 4), rngB = rngA
        var statsA = ConversionStats(), statsB = ConversionStats()
        let a = try readout.forward(x, rng: &rngA, stats: &statsA)
        let b = try readout.forward(other, rng: &rngB, stats: &statsB)
        #expect(statsA != statsB, "the other rows must change what the read does")
        for row in stride(from: 0, to: x.rows, by: 3) {
            #expect(a.rows(row..<(row + 1)).values.map(\.bitPattern) == b.rows(row..<(row + 1)).values.map(\.bitPattern), "\(Self.variants[variant].name), row \(row)")
        }
    }

    @Test("the variants exercise bound management retries and output clipping")
    func variantsExerciseRetries() throws {
        let spec = Self.pcm(Self.variants[1].configure)
        let readout = try AnalogMatrix(weights: Stage.uniform(100, 150, seed: 3, -0.5, 0.5), spec: spec)
            .program(seed: 11).readout(tInference: 0)
        var rng = Xoshiro256(seed: 1)
        var stats = ConversionStats()
        _ = try readout.forward(Self.inputs(columns: 150), rng: &rng, stats: &stats)
        #expect(stats.boundManagementRetries > 1000)
        #expect(stats.adcClipped > 0)
        #expect(stats.operations.tileReads > stats.operations.inputVectors * readout.tiles.count)
    }

    @Test("a NaN found by the input-scaling pass throws with the first position; statistics and generator untouched",
          arguments: [(1200, 130), (5, 140), (5, 3)])
    func nonFiniteFirstPosition(row: Int, column: Int) throws {
        let spec = Self.pcm { _ in }
        let readout = try AnalogMatrix(weights: Stage.uniform(100, 150, seed: 3), spec: spec).program(seed: 1).readout(tInference: 0)
        var x = Self.inputs(columns: 150)
        x[row, column] = .nan
        x[1250, 2] = .infinity  // later in row-major order, on the first tile
        var rng = Xoshiro256(seed: 9)
        let before = rng
        var stats = ConversionStats()
        let error = #expect(throws: CrossbarError.self) { try readout.forward(x, compensation: .global, rng: &rng, stats: &stats) }
        #expect(error?.message.contains("[\(row), \(column)]") == true, "\(error?.message ?? "")")
        #expect(stats == ConversionStats())
        var copy = before
        #expect(rng.next() == copy.next())

        // The same through the shared read of several compensation methods.
        var shared = Xoshiro256(seed: 9)
        var sharedStats = ConversionStats()
        let sharedError = #expect(throws: CrossbarError.self) {
            try readout.forward(x, compensations: [.none, .global], rng: &shared, stats: &sharedStats)
        }
        #expect(sharedError?.message.contains("[\(row), \(column)]") == true)
        #expect(sharedStats == ConversionStats())
        copy = before
        #expect(shared.next() == copy.next())
    }
}

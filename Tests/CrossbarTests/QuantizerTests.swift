import Crossbar
import TestSupport
import Testing

/// Tests of `Quantizer` (DAC and ADC): level counts, steps, clipping, rounding and the
/// rejection of invalid descriptions (PHYSICS.md §2).
@Suite("Converters")
struct QuantizerTests {

    // MARK: - Levels and steps

    @Test(
        "level count and step",
        arguments: [
            // (bits, range, signed, levels, step)
            (7, 1, true, 127, 2.0 / 126),  // aihwkit DAC
            (9, 12, true, 511, 24.0 / 510),  // aihwkit ADC
            (2, 1, true, 3, 1.0),  // the smallest signed converter: −1, 0, 1
            (8, 1, false, 256, 1.0 / 255),
            (1, 3, false, 2, 3.0),  // the smallest unsigned converter: 0, 3
            (24, 1, true, 16_777_215, 2.0 / 16_777_214),
        ] as [(Int, Float, Bool, Int, Double)])
    func levelsAndStep(bits: Int, range: Float, signed: Bool, levels: Int, step: Double) throws {
        let q = try Quantizer(bits: bits, range: range, signed: signed)
        #expect(q.levels == levels)
        #expect(abs(Double(q.step) - step) <= 1e-6 * step)
        #expect(!q.isIdeal)
        #expect(q.bounds.lower == (signed ? -range : 0))
        #expect(q.bounds.upper == range)
        // The levels are k·Δ for k in lowestIndex...highestIndex, and there are `levels` of them.
        #expect(Int(q.highestIndex - q.lowestIndex) + 1 == levels)
        #expect(abs(Double(q.highestIndex) * Double(q.step) - Double(range)) <= 1e-6 * Double(range))
    }

    @Test("signed 7 bits over ±1 (aihwkit DAC): ends, clipping and symmetry")
    func dac7() throws {
        let q = try Quantizer(bits: 7, range: 1)
        #expect(q.quantize(1.0) == 1)
        #expect(q.quantize(-1.0) == -1)
        #expect(q.quantize(1.5) == 1)
        #expect(q.quantize(-1.5) == -1)
        #expect(q.quantize(.greatestFiniteMagnitude) == 1)
        #expect(q.clips(1.5))
        #expect(q.clips(-1.5))
        #expect(!q.clips(1.0))
        #expect(!q.clips(-1.0))
        #expect(!q.clips(0))
        #expect(q.quantize(0) == 0)
        // One step is 2/126 = 1/63: 0.3 → round(18.9) = 19 levels.
        #expect(abs(q.quantize(0.3) - 19.0 / 63) <= 1e-7)
        // Symmetric about 0.
        for i in 0...200 {
            let v = Float(i) / 150
            #expect(q.quantize(-v) == -q.quantize(v))
        }
    }

    @Test("every output is a level k·Δ within the range, and quantisation is monotonic")
    func levelsAreOnGrid() throws {
        for q in [try Quantizer(bits: 7, range: 1), try Quantizer(bits: 9, range: 12), try Quantizer(bits: 8, range: 1, signed: false)] {
            var previous = -Float.infinity
            for i in -3000...3000 {
                let v = Float(i) * q.range / 2000
                let y = q.quantize(v)
                let k = (y / q.step).rounded()
                #expect(abs(y / q.step - k) <= 1e-4)
                #expect(k >= q.lowestIndex && k <= q.highestIndex)
                #expect(y >= previous)
                // Inside the range the error is at most half a step.
                if !q.clips(v) { #expect(abs(y - v) <= q.step / 2 * (1 + 1e-5)) }
                previous = y
            }
        }
    }

    @Test("signed 9 bits over ±12 (aihwkit ADC): step 24/510, clipping at ±12")
    func adc9() throws {
        let q = try Quantizer(bits: 9, range: 12)
        #expect(abs(q.step - 24.0 / 510) <= 1e-7)
        #expect(abs(q.quantize(12) - 12) <= 1e-5)
        #expect(abs(q.quantize(100) - 12) <= 1e-5)
        #expect(abs(q.quantize(-100) + 12) <= 1e-5)
        #expect(q.clips(12.001))
        #expect(!q.clips(11.999))
    }

    @Test("unsigned 8 bits over [0, 1]: 256 levels, step 1/255, negatives clip to 0")
    func unsigned8() throws {
        let q = try Quantizer(bits: 8, range: 1, signed: false)
        #expect(q.levels == 256)
        #expect(abs(q.step - 1.0 / 255) <= 1e-9)
        #expect(q.quantize(-0.3) == 0)
        #expect(q.clips(-0.3))
        #expect(!q.clips(0))
        #expect(q.quantize(0) == 0)
        #expect(abs(q.quantize(1) - 1) <= 1e-6)
        #expect(abs(q.quantize(2) - 1) <= 1e-6)
        #expect(q.clips(2))
        #expect(q.lowestIndex == 0)
        #expect(q.highestIndex == 255)
    }

    @Test("0 bits is an ideal converter: identity everywhere, never clips", arguments: [true, false])
    func ideal(signed: Bool) throws {
        let q = try Quantizer(bits: 0, range: 1, signed: signed)
        #expect(q.isIdeal)
        #expect(q.levels == 0)
        #expect(q.step == 0)
        for v: Float in [0, 1, -1, 0.123456789, -7.5, 1e6, -1e6, 3e38, .leastNonzeroMagnitude] {
            #expect(q.quantize(v) == v)
            #expect(!q.clips(v))
        }
        #expect(Quantizer.ideal.isIdeal)
        #expect(Quantizer.ideal.quantize(1e6) == 1e6)
    }

    @Test("rounding at an exact midpoint is half-to-even")
    func halfToEven() throws {
        // Signed 3 bits over ±3: levels −3…3 with Δ = 1 exactly.
        let s = try Quantizer(bits: 3, range: 3)
        #expect(s.step == 1)
        #expect(s.quantize(0.5) == 0)
        #expect(s.quantize(1.5) == 2)
        #expect(s.quantize(2.5) == 2)
        #expect(s.quantize(-0.5) == 0)
        #expect(s.quantize(-1.5) == -2)
        #expect(s.quantize(-2.5) == -2)
        // Unsigned 2 bits over [0, 3]: levels 0…3 with Δ = 1 exactly.
        let u = try Quantizer(bits: 2, range: 3, signed: false)
        #expect(u.step == 1)
        #expect(u.quantize(0.5) == 0)
        #expect(u.quantize(1.5) == 2)
        #expect(u.quantize(2.5) == 2)
        // Just off the midpoint rounds to the nearer level.
        #expect(s.quantize(0.5001) == 1)
        #expect(s.quantize(1.4999) == 1)
    }

    // MARK: - Invalid descriptions

    @Test(
        "invalid bit counts throw CrossbarError",
        arguments: [(1, true), (25, true), (-1, true), (25, false), (-1, false), (64, false)] as [(Int, Bool)])
    func invalidBits(bits: Int, signed: Bool) {
        let error = #expect(throws: CrossbarError.self) { try Quantizer(bits: bits, range: 1, signed: signed) }
        #expect(error?.message.contains("\(bits)") == true)
    }

    @Test("1-bit unsigned and 24-bit converters are valid")
    func edgeBits() throws {
        _ = try Quantizer(bits: 1, range: 1, signed: false)
        _ = try Quantizer(bits: 24, range: 1, signed: false)
        _ = try Quantizer(bits: 24, range: 1, signed: true)
        _ = try Quantizer(bits: 2, range: 1, signed: true)
    }

    @Test("invalid ranges throw CrossbarError", arguments: [0, -1, .infinity, -.infinity, .nan] as [Float])
    func invalidRange(range: Float) {
        #expect(throws: CrossbarError.self) { try Quantizer(bits: 8, range: range) }
        #expect(throws: CrossbarError.self) { try Quantizer(bits: 8, range: range, signed: false) }
        // The range is checked even for an ideal converter.
        #expect(throws: CrossbarError.self) { try Quantizer(bits: 0, range: range) }
    }
}

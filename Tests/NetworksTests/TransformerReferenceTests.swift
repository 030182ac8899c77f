import Crossbar
import Foundation
import NumericKernels
import TestSupport
import Testing

import Networks

/// The transformer layers against NumPy (Examples/import/export_vit_numpy.py, run in each
/// test's set-up with `--reference`; its docstring documents every array). The reference is
/// computed in float64 from float32 inputs and weights and stored as float32, so it is the
/// exact FP32 answer to within one rounding; each tolerance below covers the FP32 rounding of
/// the Swift side and says why.
@Suite struct TransformerReferenceTests {
    private static let python = python3Has("numpy")

    /// How close a layer's output must be to NumPy's.
    enum Tolerance: Sendable, CustomStringConvertible {
        /// Bit for bit: data movement, or one correctly rounded FP32 operation per element.
        case exact
        /// |y − ref| ≤ t · max|ref| for every element.
        case relativeToMax(Float)
        /// |y − ref| ≤ t · max(1, |x|) elementwise (x the input of that element).
        case elementwise(Float)

        var description: String {
            switch self {
            case .exact: "exact"
            case .relativeToMax(let t): "\(t)·max|ref|"
            case .elementwise(let t): "\(t)·max(1, |x|)"
            }
        }
    }

    /// One fixture of layers.npz: a network of one layer (given as JSON, parsed by
    /// `NetworkDescription` like an architecture file), its arrays (those named `name` or
    /// `name.…`), input `in.<input>` and expected output `out.<output>`.
    struct LayerCase: Sendable, CustomTestStringConvertible {
        let output: String
        let input: String
        let layer: String
        let tolerance: Tolerance
        var testDescription: String { "\(output) (\(tolerance))" }
    }

    static let layerCases: [LayerCase] = [
        // [C, H, W] → [H·W, C]: a permutation.
        LayerCase(output: "tokens", input: "tokens", layer: #"{"type": "tokens"}"#, tolerance: .exact),
        // A copy of cls_token in front of the tokens.
        LayerCase(output: "class_token", input: "class_token", layer: #"{"type": "class_token", "name": "cls_token", "dim": 16}"#, tolerance: .exact),
        // One FP32 addition per element, correctly rounded in NumPy and in Swift alike.
        LayerCase(output: "pos_embedding", input: "pos_embedding", layer: #"{"type": "pos_embedding", "name": "pos_embed", "tokens": 5, "dim": 16}"#, tolerance: .exact),
        // Token 0, copied.
        LayerCase(output: "token_pool_cls", input: "token_pool", layer: #"{"type": "token_pool", "mode": "cls"}"#, tolerance: .exact),
        // A mean of 5 FP32 values: 5 roundings of ≤ ½ ulp of a partial sum each, a few 1e-7 of
        // max|x| ≈ 3·max|ref|.
        LayerCase(output: "token_pool_mean", input: "token_pool", layer: #"{"type": "token_pool", "mode": "mean"}"#, tolerance: .relativeToMax(1e-5)),
        // Mean and variance of 16 values, a square root and an affine map in FP32: a few
        // ulps of relative error, ~1e-6 of the largest output. Sample 1 token 2 has σ² = 1e-6,
        // so eps = 1e-5 (inside the square root) dominates there: a misplaced or missing eps
        // is off by a factor of up to 3.3.
        LayerCase(output: "layer_norm", input: "layer_norm", layer: #"{"type": "layer_norm", "name": "ln", "dim": 16}"#, tolerance: .relativeToMax(1e-5)),
        // The same draws + 100 (σ ≈ 1): a sequential FP32 two-pass variance is off by 1e-5 of
        // the largest output, E[x²] − μ² (1e4 cancelling to 1) by 8e-4 (measured in NumPy).
        LayerCase(output: "layer_norm_offset", input: "layer_norm_offset", layer: #"{"type": "layer_norm", "name": "ln", "dim": 16}"#, tolerance: .relativeToMax(1e-4)),
        // x·½(1 + erf(x/√2)) with a ≤ 1-ulp FP32 erf: a few ulps of |x| (absolute, since
        // 1 + erf cancels for x ≪ 0, as in PyTorch). The tanh approximation is off by up to
        // 4.7e-4 and fails.
        LayerCase(output: "gelu", input: "gelu", layer: #"{"type": "gelu"}"#, tolerance: .elementwise(1e-6)),
        // q, k and v are exact in FP32 (dyadic input and weights), and the exporter chose the
        // fixture so that no bfloat16 or int8 rounding lies within a few FP32 ulps of a
        // rounding boundary: every precision differs from NumPy only by the FP32 rounding of
        // the softmax and the two products, ~1e-6 of the largest output. bf16 and int8 differ
        // from fp32 by more than 1e-3·max|ref| on this fixture, 100 times the tolerance.
        LayerCase(output: "attention_fp32", input: "attention", layer: #"{"type": "attention", "name": "attn", "dim": 16, "heads": 4}"#, tolerance: .relativeToMax(1e-5)),
        LayerCase(output: "attention_bf16", input: "attention", layer: #"{"type": "attention", "name": "attn", "dim": 16, "heads": 4, "precision": "bf16"}"#, tolerance: .relativeToMax(1e-5)),
        LayerCase(output: "attention_int8", input: "attention", layer: #"{"type": "attention", "name": "attn", "dim": 16, "heads": 4, "precision": "int8"}"#, tolerance: .relativeToMax(1e-5)),
        // q = k = v = x with every x/s exactly n + ½ (s = 1/64 exact): the int8 rule
        // rounds half to even; half away from zero differs by > 1e-3·max|ref| here.
        LayerCase(output: "attention_ties_int8", input: "attention_ties", layer: #"{"type": "attention", "name": "attn_ties", "dim": 16, "heads": 4, "precision": "int8"}"#, tolerance: .relativeToMax(1e-5)),
        // Routing is well conditioned (every top-k boundary has a probability margin ≥ 1e-4,
        // or is the exact tie of experts 1 and 2, which must go to expert 1), so only the FP32
        // rounding of the router softmax and the experts remains, ~1e-6 of the largest output.
        LayerCase(output: "moe_k1", input: "moe", layer: #"{"type": "moe", "name": "moe", "dim": 16, "hidden": 32, "experts": 5, "top_k": 1}"#, tolerance: .relativeToMax(1e-5)),
        LayerCase(output: "moe_k1_norm", input: "moe", layer: #"{"type": "moe", "name": "moe", "dim": 16, "hidden": 32, "experts": 5, "top_k": 1, "normalize_top_k": true}"#, tolerance: .relativeToMax(1e-5)),
        LayerCase(output: "moe_k2", input: "moe", layer: #"{"type": "moe", "name": "moe", "dim": 16, "hidden": 32, "experts": 5, "top_k": 2}"#, tolerance: .relativeToMax(1e-5)),
        LayerCase(output: "moe_k2_norm", input: "moe", layer: #"{"type": "moe", "name": "moe", "dim": 16, "hidden": 32, "experts": 5, "top_k": 2, "normalize_top_k": true}"#, tolerance: .relativeToMax(1e-5)),
    ]

    /// Each layer of layers.npz, built through `NetworkDescription` from the fixture's arrays
    /// and run on its input, gives NumPy's output within the case's tolerance.
    @Test(.enabled(if: python), arguments: layerCases)
    func layerMatchesNumPy(_ c: LayerCase) throws {
        try withReference { dir in
            let fixtures = try NPZ.read(dir.appendingPathComponent("layers.npz"))
            let x = try #require(fixtures["in." + c.input])
            let ref = try #require(fixtures["out." + c.output])
            let layer = try Self.tree(json: c.layer)
            let name = (layer as? [String: Any])?["name"] as? String
            let arrays = fixtures.filter { k, _ in name.map { k == $0 || k.hasPrefix($0 + ".") } ?? false }
            let tree: [String: Any] = ["input": Array(x.shape.dropFirst()), "layers": [layer]]
            let description = try NetworkDescription.parse(tree, file: "layers.npz \(c.output)")
            let net = try description.build(arrays: arrays, file: "layers.npz")
            let batch = x.shape[0]
            let y = try net.forward(Matrix(rows: batch, columns: x.count / batch, values: x.floats()))
            #expect(try net.outputShape == Array(ref.shape.dropFirst()))
            let expected = ref.floats(), input = x.floats()
            try #require(y.values.count == expected.count, "\(c.output): \(y.values.count) values, expected \(expected.count)")
            let scale = expected.reduce(Float(0)) { max($0, abs($1)) }
            var failures = 0
            var worst = (error: Float(0), index: 0, bound: Float(0))
            for (i, (g, r)) in zip(y.values, expected).enumerated() {
                let bound: Float
                switch c.tolerance {
                case .exact: bound = 0
                case .relativeToMax(let t): bound = t * scale
                case .elementwise(let t): bound = t * max(1, abs(input[i]))
                }
                let error = abs(g - r)
                if error <= bound { continue }  // a NaN fails
                failures += 1
                if failures == 1 || !(error <= worst.error) { worst = (error.isNaN ? .infinity : error, i, bound) }
            }
            #expect(
                failures == 0,
                "\(c.output): \(failures) of \(expected.count) values outside \(c.tolerance); worst [\(worst.index)] (input \(input.count == expected.count ? input[worst.index] : .nan)): got \(y.values[worst.index]), NumPy \(expected[worst.index]), |Δ| \(worst.error) > \(worst.bound)")
        }
    }

    /// The ViT of Examples/import/vit.yaml and the MoE-ViT of vit-moe.yaml, loaded through
    /// `NetworkDescription` with the weights NumPy wrote as .npz and as .safetensors, give
    /// NumPy's logits within 1e-4 of the largest |logit| (FP32 rounding through 2 blocks of
    /// layer norms, softmaxes and 64-term dot products, ~1e-6 relative, with margin) and the
    /// same class for every sample (the exporter picks inputs whose top two logits differ by
    /// ≥ 1e-3 of the largest, and whose routing margins are ≥ 1e-4).
    @Test(.enabled(if: python), arguments: ["vit", "vit-moe"])
    func networkMatchesNumPy(_ name: String) throws {
        try withReference { dir in
            let x = try NPY.read(dir.appendingPathComponent("inputs.npy")).matrix()
            let reference = try NPY.read(dir.appendingPathComponent(name == "vit" ? "logits.npy" : "logits-moe.npy")).matrix()
            let description = try Self.architecture(dir, name)
            for file in ["\(name).npz", "\(name).safetensors"] {
                let url = dir.appendingPathComponent(file)
                let arrays = file.hasSuffix(".npz") ? try NPZ.read(url) : try SafeTensors.read(url)
                let net = try description.build(arrays: arrays, file: file)
                let y = try net.forward(x)
                try #require(y.rows == reference.rows && y.columns == reference.columns, "\(file): logits \(y.shape), NumPy \(reference.shape)")
                let scale = max(reference.maxAbs, 1)
                for j in y.values.indices {
                    #expect(abs(y.values[j] - reference.values[j]) <= 1e-4 * scale, "\(file) logit \(j): got \(y.values[j]), NumPy \(reference.values[j])")
                }
                #expect(Self.argmax(y) == Self.argmax(reference), "\(file)")
            }
        }
    }

    /// On ideal analogue hardware (no noise, no quantisation) every weighted layer, those
    /// inside attention and the experts included, computes its exact product: the logits are
    /// NumPy's within the same 1e-4 of the largest |logit|.
    @Test(.enabled(if: python), arguments: ["vit", "vit-moe"])
    func idealAnalogueMatchesNumPy(_ name: String) throws {
        try withReference { dir in
            let x = try NPY.read(dir.appendingPathComponent("inputs.npy")).matrix()
            let reference = try NPY.read(dir.appendingPathComponent(name == "vit" ? "logits.npy" : "logits-moe.npy")).matrix()
            let net = try Self.architecture(dir, name).build(arrays: try NPZ.read(dir.appendingPathComponent("\(name).npz")), file: name)
            let readout = try AnalogSequentialNetwork(network: net, spec: .ideal).program(seed: 1).readout(tInference: 0)
            var rng = Xoshiro256(seed: 2)
            var stats: [ConversionStats] = []
            let y = try readout.forward(x, compensation: .none, rng: &rng, stats: &stats)
            let scale = max(reference.maxAbs, 1)
            for j in y.values.indices {
                #expect(abs(y.values[j] - reference.values[j]) <= 1e-4 * scale, "\(name) logit \(j): got \(y.values[j]), NumPy \(reference.values[j])")
            }
        }
    }

    /// The committed architectures are the ones the exporter writes its weights for.
    @Test(.enabled(if: python), arguments: ["vit", "vit-moe"])
    func committedArchitectureIsCurrent(_ name: String) throws {
        try withReference { dir in
            let written = try String(contentsOf: dir.appendingPathComponent("\(name).yaml"), encoding: .utf8)
            let committed = try String(contentsOf: repositoryRoot.appendingPathComponent("Examples/import/\(name).yaml"), encoding: .utf8)
            #expect(written == committed, "Examples/import/\(name).yaml differs from what export_vit_numpy.py writes: rerun it and copy the file")
        }
    }

    // MARK: - Helpers

    /// Runs export_vit_numpy.py into a temporary folder for `body`.
    private func withReference(_ body: (URL) throws -> Void) throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let script = repositoryRoot.appendingPathComponent("Examples/import/export_vit_numpy.py")
        let (status, _, err) = try runProcess(URL(fileURLWithPath: "/usr/bin/env"), ["python3", script.path, dir.path, "--reference"])
        try #require(status == 0, "export_vit_numpy.py failed: \(err)")
        try body(dir)
    }

    /// The architecture as the exporter wrote it in JSON (the same tree as its YAML file, which
    /// `committedArchitectureIsCurrent` compares with the committed one; this test target has
    /// no YAML parser).
    private static func architecture(_ dir: URL, _ name: String) throws -> NetworkDescription {
        let text = try String(contentsOf: dir.appendingPathComponent("\(name).json"), encoding: .utf8)
        return try NetworkDescription.parse(try tree(json: text), file: "\(name).json")
    }

    private static func argmax(_ m: Matrix) -> [Int] {
        (0..<m.rows).map { r in (0..<m.columns).max { m[r, $0] < m[r, $1] }! }
    }

    /// A JSON document as the plain tree `NetworkDescription.parse` takes (`Bool`, `Int`,
    /// `Double`, `String`, arrays, `[String: Any]`), independent of how Foundation boxes numbers.
    static func tree(json: String) throws -> Any {
        try JSONDecoder().decode(JSONTree.self, from: Data(json.utf8)).value
    }

    private enum JSONTree: Decodable {
        case bool(Bool), int(Int), double(Double), string(String), array([JSONTree]), object([String: JSONTree])

        struct Key: CodingKey {
            var stringValue: String
            var intValue: Int? { nil }
            init(stringValue: String) { self.stringValue = stringValue }
            init?(intValue: Int) { nil }
        }

        init(from decoder: any Decoder) throws {
            if let o = try? decoder.container(keyedBy: Key.self) {
                var d: [String: JSONTree] = [:]
                for k in o.allKeys { d[k.stringValue] = try o.decode(JSONTree.self, forKey: k) }
                self = .object(d)
            } else if var a = try? decoder.unkeyedContainer() {
                var l: [JSONTree] = []
                while !a.isAtEnd { l.append(try a.decode(JSONTree.self)) }
                self = .array(l)
            } else {
                let c = try decoder.singleValueContainer()
                if let b = try? c.decode(Bool.self) { self = .bool(b) }
                else if let i = try? c.decode(Int.self) { self = .int(i) }
                else if let x = try? c.decode(Double.self) { self = .double(x) }
                else { self = .string(try c.decode(String.self)) }
            }
        }

        var value: Any {
            switch self {
            case .bool(let b): b
            case .int(let i): i
            case .double(let x): x
            case .string(let s): s
            case .array(let a): a.map(\.value)
            case .object(let o): o.mapValues(\.value)
            }
        }
    }
}

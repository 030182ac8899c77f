import Foundation

/// ngspice netlists of a `CrossbarNetwork` read, for validating the IR-drop solver against an
/// independent circuit simulator (ngspice, `ngspice -b`, Debian package `ngspice`).
///
/// The template is `Circuits/spice/crossbar-read.cir`: a SPICE deck whose lines
/// `{{title}}`, `{{parameters}}`, `{{drivers}}`, `{{row_wires}}`, `{{column_wires}}`,
/// `{{cells}}`, `{{readouts}}` and `{{prints}}` are replaced by generated element lines. Node and
/// element names are documented in the template and in `Circuits/README.md`.
public enum SpiceNetlist {
    /// The placeholders a template must contain, each on a line of its own.
    public static let placeholders = ["title", "parameters", "drivers", "row_wires", "column_wires", "cells", "readouts", "prints"]

    /// Fills `template` for `network` read in `direction` with the input `voltages` (V).
    ///
    /// - Parameters:
    ///   - voltages: one voltage per input (`rows` for `.forward`, `columns` for `.transposed`).
    ///   - title: first line of the deck (SPICE ignores it).
    /// - Throws: `CrossbarError` when a placeholder is missing, a wire resistance is 0 (a
    ///   zero-ohm resistor is not a valid SPICE element), or the voltages do not fit.
    public static func render(
        template: String, network: CrossbarNetwork, voltages: [Double], direction: ReadDirection, title: String = "aimc crossbar read"
    ) throws -> String {
        let R = network.rows, C = network.columns
        let inputs = direction == .forward ? R : C
        let outputs = direction == .forward ? C : R
        guard voltages.count == inputs else {
            throw CrossbarError("SpiceNetlist: \(voltages.count) voltages for the \(inputs) inputs of a \(direction.rawValue) read of \(R) × \(C)")
        }
        guard network.rowWireResistance > 0, network.columnWireResistance > 0 else {
            throw CrossbarError("SpiceNetlist: wire resistances must be > 0 Ω (got row \(network.rowWireResistance), column \(network.columnWireResistance))")
        }
        let lines = template.components(separatedBy: "\n")
        for p in placeholders where !lines.contains(where: { $0.trimmingCharacters(in: .whitespaces) == "{{\(p)}}" }) {
            throw CrossbarError("SpiceNetlist: the template has no line {{\(p)}}")
        }
        func f(_ x: Double) -> String { String(format: "%.17g", x) }
        let rr = f(network.rowWireResistance), rc = f(network.columnWireResistance)
        var blocks: [String: [String]] = [:]
        blocks["title"] = ["* " + title]
        blocks["parameters"] = [
            "* \(R) rows x \(C) columns, \(direction.rawValue) read, r_row = \(rr) ohm, r_col = \(rc) ohm per segment"
        ]
        var drivers: [String] = [], readouts: [String] = []
        switch direction {
        case .forward:
            for i in 0..<R {
                drivers.append("vin\(i) in\(i) 0 DC \(f(voltages[i]))")
                drivers.append("rd\(i) in\(i) r\(i)_0 \(rr)")
            }
            for j in 0..<C {
                readouts.append("ro\(j) c\(R - 1)_\(j) out\(j) \(rc)")
                readouts.append("vout\(j) out\(j) 0 DC 0")
            }
        case .transposed:
            for j in 0..<C {
                drivers.append("vin\(j) in\(j) 0 DC \(f(voltages[j]))")
                drivers.append("rd\(j) in\(j) c\(R - 1)_\(j) \(rc)")
            }
            for i in 0..<R {
                readouts.append("ro\(i) r\(i)_0 out\(i) \(rr)")
                readouts.append("vout\(i) out\(i) 0 DC 0")
            }
        }
        blocks["drivers"] = drivers
        blocks["readouts"] = readouts
        var rowWires: [String] = [], columnWires: [String] = [], cells: [String] = []
        for i in 0..<R {
            for j in 1..<max(C, 1) { rowWires.append("rr\(i)_\(j) r\(i)_\(j - 1) r\(i)_\(j) \(rr)") }
        }
        for j in 0..<C {
            for i in 1..<max(R, 1) { columnWires.append("rc\(i)_\(j) c\(i - 1)_\(j) c\(i)_\(j) \(rc)") }
        }
        for i in 0..<R {
            for j in 0..<C {
                let g = Double(network.conductances[j, i])
                if g > 0 { cells.append("rg\(i)_\(j) r\(i)_\(j) c\(i)_\(j) \(f(1 / g))") }
            }
        }
        blocks["row_wires"] = rowWires
        blocks["column_wires"] = columnWires
        blocks["cells"] = cells
        var prints: [String] = []
        for k in stride(from: 0, to: outputs, by: 8) {
            prints.append("print " + (k..<min(k + 8, outputs)).map { "i(vout\($0))" }.joined(separator: " "))
        }
        blocks["prints"] = prints
        var out: [String] = []
        for line in lines {
            let t = line.trimmingCharacters(in: .whitespaces)
            if t.hasPrefix("{{"), t.hasSuffix("}}"), let b = blocks[String(t.dropFirst(2).dropLast(2))] {
                out.append(contentsOf: b)
            } else {
                out.append(line)
            }
        }
        return out.joined(separator: "\n")
    }

    /// The output currents (A) printed by a rendered deck: lines `i(vout<k>) = value`.
    /// - Throws: `CrossbarError` when an output is missing or unparsable.
    public static func parseCurrents(_ output: String, outputs: Int) throws -> [Double] {
        var values = [Double?](repeating: nil, count: outputs)
        for line in output.components(separatedBy: "\n") {
            let parts = line.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            guard parts.count == 2, parts[0].hasPrefix("i(vout"), parts[0].hasSuffix(")"),
                let k = Int(parts[0].dropFirst(6).dropLast()), k >= 0, k < outputs
            else { continue }
            guard let v = Double(parts[1]) else {
                throw CrossbarError("SpiceNetlist: cannot read the value of \(parts[0]) in '\(line)'")
            }
            values[k] = v
        }
        if let missing = values.firstIndex(where: { $0 == nil }) {
            throw CrossbarError("SpiceNetlist: ngspice printed no value for i(vout\(missing)) (\(outputs) outputs expected)")
        }
        return values.map { $0! }
    }
}

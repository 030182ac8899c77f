import CYaml
import Foundation
import NumericKernels

/// Limits checked on YAML text before it is composed into a tree, so that a small
/// hostile file cannot exhaust memory or the stack: its size, its nesting depth and the
/// number of nodes it holds once every alias (`*name`) is expanded (an "alias bomb" of a
/// few lines expands to billions).
///
/// The check is one pass over libyaml's event stream (no tree is built, no recursion);
/// syntax errors are left to the composer, whose messages give the line.
public enum YAMLGuard {
    /// Largest YAML file or `--set` value accepted, bytes (config and network files are a few KB).
    public static let maxBytes = 4 << 20
    /// Deepest nesting of mappings and sequences accepted.
    public static let maxDepth = 64
    /// Most nodes (scalars, sequences, mappings) accepted with aliases expanded.
    public static let maxNodes = 250_000

    /// Checks `text` against the limits.
    /// - Throws: `ConfigError` naming `file` and the limit exceeded.
    public static func check(_ text: String, file: String) throws {
        let count = text.utf8.count
        guard count <= maxBytes else {
            throw ConfigError("\(file): \(MemoryBudget.format(count)) of YAML, more than the \(MemoryBudget.format(maxBytes)) accepted for a config or network file")
        }
        var bytes = Array(text.utf8)
        if bytes.isEmpty { return }
        var parser = yaml_parser_t()
        guard yaml_parser_initialize(&parser) == 1 else { return }
        defer { yaml_parser_delete(&parser) }
        try bytes.withUnsafeMutableBufferPointer { buffer in
            yaml_parser_set_input_string(&parser, buffer.baseAddress, buffer.count)
            // Expanded node counts of the open collections, and their anchors.
            var open: [(count: Int, anchor: String?)] = []
            var anchors: [String: Int] = [:]
            var total = 0
            func name(_ p: UnsafeMutablePointer<yaml_char_t>?) -> String? {
                p.map { String(cString: UnsafePointer($0)) }
            }
            func add(_ n: Int, line: Int) throws {
                if open.isEmpty {
                    total = MemoryBudget.sum(total, n)
                } else {
                    open[open.count - 1].count = MemoryBudget.sum(open[open.count - 1].count, n)
                }
                let current = open.last?.count ?? total
                guard current <= maxNodes, total <= maxNodes else {
                    throw ConfigError("\(file):\(line): the YAML holds more than \(maxNodes) values (counting every alias *name expanded), the most accepted")
                }
            }
            while true {
                var event = yaml_event_t()
                guard yaml_parser_parse(&parser, &event) == 1 else { return }  // syntax error: the composer reports it
                defer { yaml_event_delete(&event) }
                let line = Int(event.start_mark.line) + 1
                switch event.type {
                case YAML_STREAM_END_EVENT:
                    return
                case YAML_SCALAR_EVENT:
                    if let a = name(event.data.scalar.anchor) { anchors[a] = 1 }
                    try add(1, line: line)
                case YAML_ALIAS_EVENT:
                    try add(name(event.data.alias.anchor).flatMap { anchors[$0] } ?? 1, line: line)
                case YAML_SEQUENCE_START_EVENT, YAML_MAPPING_START_EVENT:
                    let anchor = event.type == YAML_SEQUENCE_START_EVENT
                        ? name(event.data.sequence_start.anchor) : name(event.data.mapping_start.anchor)
                    open.append((1, anchor))
                    guard open.count <= maxDepth else {
                        throw ConfigError("\(file):\(line): YAML nested more than \(maxDepth) levels deep, the most accepted")
                    }
                case YAML_SEQUENCE_END_EVENT, YAML_MAPPING_END_EVENT:
                    guard let closed = open.popLast() else { return }
                    if let a = closed.anchor { anchors[a] = closed.count }
                    try add(closed.count, line: line)
                default:
                    break
                }
            }
        }
    }
}

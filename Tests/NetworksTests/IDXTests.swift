import Foundation
import NumericKernels
import TestSupport
import Testing

import Networks

/// Tests of `IDX` and `FashionMNIST`: exact bytes and labels, every rejection path.
@Suite("IDX files and Fashion-MNIST")
struct IDXTests {

    // MARK: - IDX

    @Test("plain IDX files read back exactly", arguments: [[5], [2, 3], [2, 3, 4], [1, 2, 2, 3], [0, 28, 28]])
    func plainRoundTrip(dimensions: [Int]) throws {
        try withTemporaryDirectory { directory in
            let payload = Self.payload(dimensions.reduce(1, *))
            let url = directory.appendingPathComponent("data-idx-ubyte")
            try Data(Self.idx(dimensions, payload)).write(to: url)
            let read = try IDX.read(url)
            #expect(read.dimensions == dimensions)
            #expect(read.bytes == payload)
        }
    }

    @Test("gzip-compressed IDX written by Python's gzip module")
    func gzipFixture() throws {
        let read = try IDX.read(fixture("tiny-idx3-ubyte.gz"))
        #expect(read.dimensions == [2, 3, 4])
        let expected: [UInt8] = (0..<24).map { (i: Int) -> UInt8 in UInt8((7 * i + 3) % 256) }
        #expect(read.bytes == expected)
    }

    @Test("gzip with stored blocks and several concatenated members")
    func gzipMembers() throws {
        try withTemporaryDirectory { directory in
            let payload = Self.payload(3 * 28 * 28)
            let file = Self.idx([3, 28, 28], payload)
            let url = directory.appendingPathComponent("multi.gz")
            // Two gzip members, as `cat a.gz b.gz` gives, plus zero padding.
            let split = 1000
            try Data(Self.gzipStored(Array(file[..<split])) + Self.gzipStored(Array(file[split...])) + [0, 0, 0])
                .write(to: url)
            let read = try IDX.read(url)
            #expect(read.dimensions == [3, 28, 28])
            #expect(read.bytes == payload)
        }
    }

    @Test("truncated or over-long data are rejected with the path and byte counts")
    func truncated() throws {
        try withTemporaryDirectory { directory in
            let url = directory.appendingPathComponent("short-idx2-ubyte")
            try Data(Self.idx([3, 4], Self.payload(10))).write(to: url)
            let short = try #require(throws: NetworksError.self) { try IDX.read(url) }
            #expect(short.kind == .fileFormat)
            #expect(short.message.contains(url.path))
            #expect(short.message.contains("truncated data: dimensions 3×4 need 12 bytes, found 10"))

            try Data(Self.idx([3, 4], Self.payload(13))).write(to: url)
            let long = try #require(throws: NetworksError.self) { try IDX.read(url) }
            #expect(long.message.contains(url.path))
            #expect(long.message.contains("over-long data: dimensions 3×4 need 12 bytes, found 13"))

            let gz = directory.appendingPathComponent("short.gz")
            try Data(Self.gzipStored(Self.idx([3, 4], Self.payload(10)))).write(to: gz)
            let gzError = try #require(throws: NetworksError.self) { try IDX.read(gz) }
            #expect(gzError.message.contains("need 12 bytes, found 10 after gzip decompression"))

            let header = directory.appendingPathComponent("header-only")
            try Data([0, 0, 8, 3, 0, 0, 0, 1]).write(to: header)
            let headerError = try #require(throws: NetworksError.self) { try IDX.read(header) }
            #expect(headerError.message.contains("truncated header: rank 3 needs 16 bytes, found 8"))
        }
    }

    @Test("a truncated or corrupt gzip stream is rejected, naming the path")
    func corruptGzip() throws {
        try withTemporaryDirectory { directory in
            let original = try Data(contentsOf: fixture("tiny-idx3-ubyte.gz"))
            let cut = directory.appendingPathComponent("cut.gz")
            try original.dropLast(6).write(to: cut)
            let truncated = try #require(throws: NetworksError.self) { try IDX.read(cut) }
            #expect(truncated.kind == .fileFormat)
            #expect(truncated.message.contains(cut.path) && truncated.message.contains("truncated"))

            var flipped = original
            flipped[flipped.count - 6] ^= 0xFF  // inside the CRC-32 of the trailer
            let bad = directory.appendingPathComponent("bad-crc.gz")
            try flipped.write(to: bad)
            let crc = try #require(throws: NetworksError.self) { try IDX.read(bad) }
            #expect(crc.message.contains(bad.path) && crc.message.contains("corrupt gzip data"))
        }
    }

    @Test(
        "wrong magic numbers are rejected",
        arguments: [
            ([0x01, 0x00, 0x08, 0x01] as [UInt8], "first two bytes must be zero"),
            ([0x00, 0x00, 0x0D, 0x01], "element type 0x0d"),
            ([0x00, 0x00, 0x08, 0x00], "rank 0"),
            ([0x00, 0x00, 0x08, 0x05], "rank 5"),
        ])
    func wrongMagic(magic: [UInt8], fragment: String) throws {
        try withTemporaryDirectory { directory in
            let url = directory.appendingPathComponent("magic-idx")
            try Data(magic + [0, 0, 0, 1, 7]).write(to: url)
            let error = try #require(throws: NetworksError.self) { try IDX.read(url) }
            #expect(error.kind == .fileFormat)
            #expect(error.message.contains(url.path))
            #expect(error.message.contains(fragment))
        }
    }

    // MARK: - Fashion-MNIST

    /// Pixel `p` of image `k` in the synthetic datasets.
    static func pixel(_ k: Int, _ p: Int) -> UInt8 { UInt8((k * 100 + p * 7) % 256) }

    /// Writes a synthetic split to `directory`: images plain, labels gzip-compressed.
    static func writeSplit(
        _ stem: String, labels: [UInt8], side: Int = 28, in directory: URL, imageCount: Int? = nil
    ) throws {
        let n = imageCount ?? labels.count
        let pixels = (0..<n).flatMap { k in (0..<(side * side)).map { pixel(k, $0) } }
        try Data(idx([n, side, side], pixels))
            .write(to: directory.appendingPathComponent("\(stem)-images-idx3-ubyte"))
        try Data(gzipStored(idx([labels.count], labels)))
            .write(to: directory.appendingPathComponent("\(stem)-labels-idx1-ubyte.gz"))
    }

    @Test(
        "a tiny Fashion-MNIST directory loads with exact labels and pixels/255", arguments: FashionMNIST.Split.allCases)
    func tinyDataset(split: FashionMNIST.Split) throws {
        try withTemporaryDirectory { directory in
            try Self.writeSplit(split == .train ? "train" : "t10k", labels: [9, 0, 3], in: directory)
            let data = try FashionMNIST.load(split: split, directory: directory.path)
            #expect(data.count == 3)
            #expect(data.labels == [9, 0, 3])
            #expect(data.sampleShape == [1, 28, 28] && data.classCount == 10)
            #expect(data.images.rows == 3 && data.images.columns == 784)
            let expected = (0..<3).flatMap { k in (0..<784).map { Float(Self.pixel(k, $0)) / 255 } }
            #expect(data.images.values == expected)
            #expect(data.images[0, 0] == 0 && data.images[2, 81] == 1)  // bytes 0 and 255
            let limited = try FashionMNIST.load(split: split, directory: directory.path, limit: 2)
            #expect(limited.count == 2 && limited.labels == [9, 0])
            #expect(limited.images == data.images.rows(0..<2))
            #expect(try FashionMNIST.load(split: split, directory: directory.path, limit: 10).count == 3)
            #expect(try FashionMNIST.load(split: split, directory: directory.path, limit: 0).count == 0)
        }
    }

    @Test("a missing directory names the path and the Debian package")
    func missingDirectory() throws {
        let directory = "/nonexistent/aimc/fashion-mnist"
        let error = try #require(throws: NetworksError.self) {
            try FashionMNIST.load(split: .test, directory: directory)
        }
        #expect(error.kind == .dataset)
        #expect(error.message.contains("\(directory)/t10k-images-idx3-ubyte"))
        #expect(error.message.contains("\(directory)/t10k-images-idx3-ubyte.gz"))
        #expect(error.message.contains("dataset-fashion-mnist"))
        #expect(error.message.contains("sudo apt-get install dataset-fashion-mnist"))
        #expect(error.message.contains("AIMC_FASHION_MNIST_DIR"))
        #expect(error.message.contains("dataset.path"))
    }

    @Test("inconsistent Fashion-MNIST files are rejected, naming the file")
    func inconsistentDataset() throws {
        try withTemporaryDirectory { directory in
            try Self.writeSplit("t10k", labels: [1, 2], side: 27, in: directory)
            let size = try #require(throws: NetworksError.self) {
                try FashionMNIST.load(split: .test, directory: directory.path)
            }
            #expect(size.kind == .dataset && size.message.contains("2×27×27"))
            #expect(size.message.contains("t10k-images-idx3-ubyte"))

            try Self.writeSplit("t10k", labels: [1, 10], in: directory)
            let label = try #require(throws: NetworksError.self) {
                try FashionMNIST.load(split: .test, directory: directory.path)
            }
            #expect(label.message.contains("label 10 at index 1"))
            #expect(label.message.contains("t10k-labels-idx1-ubyte.gz"))

            try Self.writeSplit("t10k", labels: [1, 2], in: directory, imageCount: 3)
            let count = try #require(throws: NetworksError.self) {
                try FashionMNIST.load(split: .test, directory: directory.path)
            }
            #expect(count.message.contains("holds 3 images") && count.message.contains("holds 2 labels"))

            #expect(throws: NetworksError.self) {
                try FashionMNIST.load(split: .test, directory: directory.path, limit: -1)
            }
        }
    }

    @Test("the directory comes from the config, then the environment, then the default")
    func resolveDirectory() {
        let variable = FashionMNIST.environmentVariable
        #expect(variable == "AIMC_FASHION_MNIST_DIR")
        #expect(FashionMNIST.resolveDirectory(configured: "/a", environment: [variable: "/b"]) == "/a")
        #expect(FashionMNIST.resolveDirectory(configured: nil, environment: [variable: "/b"]) == "/b")
        #expect(
            FashionMNIST.resolveDirectory(configured: "", environment: [variable: ""]) == FashionMNIST.defaultDirectory)
        #expect(FashionMNIST.resolveDirectory(configured: nil, environment: [:]) == "/usr/share/datasets/fashion-mnist")
        #expect(FashionMNIST.classNames.count == 10 && FashionMNIST.classNames[9] == "Ankle boot")
    }

    @Test(
        "the installed Fashion-MNIST test split loads",
        .enabled(if: FileManager.default.fileExists(atPath: FashionMNIST.defaultDirectory)))
    func installedTestSplit() throws {
        let data = try FashionMNIST.load(split: .test, directory: FashionMNIST.defaultDirectory)
        #expect(data.count == 10_000)
        #expect(data.images.rows == 10_000 && data.images.columns == 784)
        #expect(data.labels[0] == 9)  // the first test image is an ankle boot
        #expect(data.images.values.allSatisfy { $0 >= 0 && $0 <= 1 })
        #expect(data.images.values.contains(1) && data.images.values.contains(0))
        // The test split is balanced: 1000 images of each class.
        var histogram = [Int](repeating: 0, count: 10)
        for label in data.labels { histogram[label] += 1 }
        #expect(histogram == [Int](repeating: 1000, count: 10))
    }

    // MARK: - Helpers

    /// Deterministic bytes `0, 37, 74, …` modulo 256.
    static func payload(_ count: Int) -> [UInt8] { (0..<count).map { UInt8(truncatingIfNeeded: $0 * 37) } }

    /// An unsigned-byte IDX file: magic `00 00 08 rank`, big-endian dimensions, data.
    static func idx(_ dimensions: [Int], _ data: [UInt8]) -> [UInt8] {
        var out: [UInt8] = [0, 0, 0x08, UInt8(dimensions.count)]
        for d in dimensions { out += withUnsafeBytes(of: UInt32(d).bigEndian, Array.init) }
        return out + data
    }

    /// A gzip member (RFC 1952) holding `data` in stored (uncompressed) deflate blocks,
    /// built without zlib so the reader is checked against an independent writer.
    static func gzipStored(_ data: [UInt8]) -> [UInt8] {
        var out: [UInt8] = [0x1F, 0x8B, 8, 0, 0, 0, 0, 0, 0, 0xFF]
        var offset = 0
        repeat {
            let length = min(65_535, data.count - offset)
            let final: UInt8 = offset + length == data.count ? 1 : 0
            out.append(final)
            out += [UInt8(length & 0xFF), UInt8(length >> 8), UInt8(~length & 0xFF), UInt8((~length >> 8) & 0xFF)]
            out += data[offset..<(offset + length)]
            offset += length
        } while offset < data.count
        out += withUnsafeBytes(of: crc32(data).littleEndian, Array.init)
        out += withUnsafeBytes(of: UInt32(truncatingIfNeeded: data.count).littleEndian, Array.init)
        return out
    }

    /// CRC-32 (IEEE 802.3, reflected polynomial 0xEDB88320), bit by bit.
    static func crc32(_ data: [UInt8]) -> UInt32 {
        var crc: UInt32 = 0xFFFF_FFFF
        for byte in data {
            crc ^= UInt32(byte)
            for _ in 0..<8 { crc = crc & 1 == 1 ? (crc >> 1) ^ 0xEDB8_8320 : crc >> 1 }
        }
        return ~crc
    }
}

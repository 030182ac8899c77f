/// im2col / col2im for 2-D convolutions on row-major NCHW batches.
///
/// The column matrix is `[batch·outH·outW × channels·kh·kw]`: row `b·P + oy·outW + ox`
/// (P = outH·outW) holds the receptive field of output pixel (oy, ox) of sample b; column
/// `c·kh·kw + ky·kw + kx` is input pixel (c, oy·s − p + ky·d, ox·s − p + kx·d), 0 outside
/// the image. The column order is PyTorch's `Conv2d.weight.reshape(out, -1)`.
enum Im2col {
    struct Geometry {
        var channels: Int, height: Int, width: Int
        var kh: Int, kw: Int
        var stride: Int, padding: Int, dilation: Int
        var outH: Int, outW: Int
        var k: Int { channels * kh * kw }
        var p: Int { outH * outW }
        var inputCount: Int { channels * height * width }
    }

    /// Fills `cols` (`batch·P × K`, leading dimension K) from `x` (`batch × C·H·W`).
    static func forward(_ g: Geometry, batch: Int, x: UnsafePointer<Float>, cols: UnsafeMutablePointer<Float>) {
        let K = g.k, P = g.p, kw = g.kw, d = g.dilation
        // Valid kx range of each output column: 0 ≤ ox·s − p + kx·d < W.
        var lo = [Int](repeating: 0, count: g.outW), hi = lo
        for ox in 0..<g.outW {
            let x0 = ox * g.stride - g.padding
            var a = 0
            while a < kw && x0 + a * d < 0 { a += 1 }
            var e = kw
            while e > a && x0 + (e - 1) * d >= g.width { e -= 1 }
            lo[ox] = a
            hi[ox] = e
        }
        for b in 0..<batch {
            let xb = x + b * g.inputCount
            for oy in 0..<g.outH {
                for ox in 0..<g.outW {
                    let row = cols + (b * P + oy * g.outW + ox) * K
                    let x0 = ox * g.stride - g.padding, a = lo[ox], e = hi[ox]
                    var col = 0
                    for c in 0..<g.channels {
                        let xc = xb + c * g.height * g.width
                        for ky in 0..<g.kh {
                            let iy = oy * g.stride - g.padding + ky * d
                            let dst = row + col
                            col += kw
                            if iy < 0 || iy >= g.height {
                                for kx in 0..<kw { dst[kx] = 0 }
                                continue
                            }
                            let src = xc + iy * g.width + x0
                            for kx in 0..<a { dst[kx] = 0 }
                            if d == 1 {
                                for kx in a..<e { dst[kx] = src[kx] }
                            } else {
                                for kx in a..<e { dst[kx] = src[kx * d] }
                            }
                            for kx in e..<kw { dst[kx] = 0 }
                        }
                    }
                }
            }
        }
    }

    /// Adds `cols` (`batch·P × K`) back onto `dx` (`batch × C·H·W`, zeroed by the caller):
    /// the adjoint of `forward`.
    static func backward(_ g: Geometry, batch: Int, cols: UnsafePointer<Float>, dx: UnsafeMutablePointer<Float>) {
        let K = g.k, P = g.p
        for b in 0..<batch {
            let xb = dx + b * g.inputCount
            for oy in 0..<g.outH {
                for ox in 0..<g.outW {
                    let row = cols + (b * P + oy * g.outW + ox) * K
                    var col = 0
                    for c in 0..<g.channels {
                        let xc = xb + c * g.height * g.width
                        for ky in 0..<g.kh {
                            let iy = oy * g.stride - g.padding + ky * g.dilation
                            if iy < 0 || iy >= g.height { col += g.kw; continue }
                            let xr = xc + iy * g.width
                            for kx in 0..<g.kw {
                                let ix = ox * g.stride - g.padding + kx * g.dilation
                                if ix >= 0 && ix < g.width { xr[ix] += row[col] }
                                col += 1
                            }
                        }
                    }
                }
            }
        }
    }

    /// `[batch·P × O]` (one row per output pixel) → NCHW `[batch × O·P]`, adding `bias[o]`.
    static func pixelsToNCHW(_ y: UnsafePointer<Float>, batch: Int, pixels P: Int, channels O: Int, bias: [Float], out: UnsafeMutablePointer<Float>) {
        bias.withUnsafeBufferPointer { bp in
            for b in 0..<batch {
                let src = y + b * P * O, dst = out + b * P * O
                for p in 0..<P {
                    let s = src + p * O
                    for o in 0..<O { dst[o * P + p] = s[o] + bp[o] }
                }
            }
        }
    }

    /// NCHW `[batch × O·P]` → `[batch·P × O]`.
    static func nchwToPixels(_ x: UnsafePointer<Float>, batch: Int, pixels P: Int, channels O: Int, out: UnsafeMutablePointer<Float>) {
        for b in 0..<batch {
            let src = x + b * P * O, dst = out + b * P * O
            for o in 0..<O {
                let s = src + o * P
                for p in 0..<P { dst[p * O + o] = s[p] }
            }
        }
    }
}

import NumericKernels
import Testing

import Networks

/// Checks the trainer's gradient of every parameter array of `net` (all entries of arrays
/// of at most `picks` values, else `picks` entries drawn from `Xoshiro256(seed: pickSeed)`)
/// on the batch `x`, `labels` against central finite differences of the loss with
/// h = 1e-3, to |g − fd| ≤ 2e-3 + 3 % of |fd| (FP32 losses of ~1 differ by ~1e-7, so the
/// difference quotient carries ~1e-4 of rounding; h is small enough that no ReLU, max
/// pool or top-k choice crosses a kink for the seeds used).
/// - Returns: the number of parameter arrays and of entries checked.
@discardableResult
func checkGradientsByFiniteDifferences(
    _ net: SequentialNetwork, _ x: Matrix, _ labels: [Int], picks: Int, pickSeed: UInt64
) throws -> (arrays: Int, checked: Int) {
    let trainer = NetworkTrainer(settings: TrainingSettings())
    var work = net
    let (_, grads) = try trainer.gradients(&work, x, labels)
    var params: [[Float]] = []
    var copy = net.layers
    NetworkTrainer.visitParameters(&copy) { p, _ in params.append(p) }
    #expect(grads.count == params.count)
    var rng = Xoshiro256(seed: pickSeed)
    var checked = 0
    for (k, p) in params.enumerated() {
        #expect(grads[k].count == p.count, "parameter \(k): \(grads[k].count) gradients for \(p.count) values")
        let chosen = p.count <= picks ? Array(0..<p.count) : (0..<picks).map { _ in Int(rng.next() % UInt64(p.count)) }
        for i in chosen {
            func loss(_ delta: Float) throws -> Double {
                var layers = net.layers
                var j = 0
                NetworkTrainer.visitParameters(&layers) { q, _ in
                    if j == k { q[i] += delta }
                    j += 1
                }
                var n = try SequentialNetwork(inputShape: net.inputShape, layers: layers)
                return try trainer.gradients(&n, x, labels).0
            }
            let h: Float = 1e-3
            let fd = (try loss(h) - loss(-h)) / Double(2 * h)
            let g = Double(grads[k][i])
            #expect(abs(g - fd) <= 2e-3 + 3e-2 * abs(fd), "parameter \(k)[\(i)]: backprop \(g), finite difference \(fd)")
            checked += 1
        }
    }
    return (params.count, checked)
}

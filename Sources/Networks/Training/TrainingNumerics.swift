/// The version of what decides trained weights besides the training settings: weight
/// initialisation, random streams and the Gaussian sampler, data order, the optimisers'
/// arithmetic. Cached networks record it (`~/.cache/aimc/weights/*.json`, part of the cache
/// key), so a network trained by another version is trained again instead of being reused.
///
/// Bump it with any change that alters trained weights. The test
/// `TrainingNumericsTests.pinnedShortRun` pins a short training run and fails until the
/// pinned values and this version are updated together.
public enum TrainingNumerics {
    /// 3: one trainer for every architecture (`NetworkTrainer`); the MLP is initialised by
    /// `NetworkDescription.build` (layer i from seed `mix(seed, [i + 1])`) and trained with its
    /// Adam (moment constants 0.1 and 0.001 instead of 1 − 0.9f and 1 − 0.999f, bias
    /// gradients summed in Double).
    public static let version = 3
}

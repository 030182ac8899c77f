/// The version of what decides trained weights besides the training settings: weight
/// initialisation, random streams and the Gaussian sampler, data order, the optimisers'
/// arithmetic. Cached networks record it (`results/weights-cache/*.json`, part of the cache
/// key), so a network trained by another version is trained again instead of being reused.
///
/// Bump it with any change that alters trained weights. The test
/// `TrainingNumericsTests.pinnedShortRun` pins a short training run and fails until the
/// pinned values and this version are updated together.
public enum TrainingNumerics {
    public static let version = 2
}

// Only for the fuzz build, which compiles Core's sources without swift-crypto: the two
// `RandomToken` calls the non-crypto files make (link codes, throttle keys). Nothing fuzzed
// reaches them; the real implementation is `Sources/EnerTrackCore/RandomToken.swift`.
enum RandomToken {
    static func make(bytes count: Int = 32) -> String { String(repeating: "x", count: count) }
    static func hash(_ token: String) -> String { token }
}

import Foundation

/// Every message `ingest` receives goes through here: the source whose filter matches its topic
/// says which decoder reads it, and each decoder keeps what it must remember between messages
/// (bursts of per-quantity messages, a Shelly 3EM's counters, ESPHome's discovered sensors).
///
/// With no source configured, EnerTrack's topics under the prefix (and, with `tasmota`,
/// `tele/+/SENSOR`) are read exactly as before sources existed. One router per MQTT thread; not
/// shared.
public struct MessageRouter: Sendable {
    public let sources: [MeterSource]
    private let routes: [Route]
    private let fallback: PayloadDecoder
    private var bursts: QuantityBursts
    private var shellyGen1 = ShellyGen1Decoder()
    private var esphome: [ESPHomeDecoder]

    private struct Route: Sendable {
        var levels: [[UInt8]]
        var source: Int
        var decoder: DecoderKind
        var enertrack: PayloadDecoder?
        /// Index into `esphome` for an ESPHome source.
        var esphome: Int?
    }

    public init(
        sources: [MeterSource], prefix: String, tasmota: Bool = false,
        maxAhead: Int64 = ReadingRules.defaultMaxAhead, burstCapacity: Int = 100_000
    ) {
        self.sources = sources
        fallback = PayloadDecoder(prefix: prefix, tasmota: tasmota, maxAhead: maxAhead)
        bursts = QuantityBursts(capacity: burstCapacity)
        var routes: [Route] = []
        var esphome: [ESPHomeDecoder] = []
        for (index, source) in sources.enumerated() {
            var decoder: Int?
            if source.decoder == .esphome {
                decoder = esphome.count
                esphome.append(ESPHomeDecoder(map: source.map))
            }
            for filter in source.filters {
                routes.append(
                    Route(
                        levels: TopicFilter.levels(filter), source: index, decoder: source.decoder,
                        enertrack: source.decoder == .enertrack
                            ? PayloadDecoder(prefix: source.enertrackPrefix, maxAhead: maxAhead) : nil,
                        esphome: decoder))
            }
        }
        self.routes = routes
        self.esphome = esphome
    }

    /// Takes over what `old` learned: open bursts, Shelly counters, and the ESPHome sensors of
    /// sources that kept their name (discovery messages are retained, but only sent again on a
    /// new subscription).
    public mutating func adoptState(of old: MessageRouter) {
        bursts = old.bursts
        shellyGen1 = old.shellyGen1
        for route in routes {
            guard let index = route.esphome,
                let before = old.routes.first(where: { old.sources[$0.source].name == sources[route.source].name })?
                    .esphome
            else { continue }
            esphome[index].adoptLearned(of: old.esphome[before])
        }
    }

    /// The filters to subscribe to.
    public var topicFilters: [String] {
        guard !sources.isEmpty else { return fallback.topicFilters }
        var seen: Set<String> = []
        return sources.flatMap(\.filters).filter { seen.insert($0).inserted }
    }

    /// Decodes one message; `emit` receives each reading it holds (none for a message that
    /// measures nothing, such as a discovery message or a relay's state).
    public mutating func decode(
        topic: UnsafeRawBufferPointer, payload: UnsafeRawBufferPointer, receivedAt: Int64,
        emit: (Reading) -> Void
    ) throws(Rejection) {
        guard !routes.isEmpty else {
            emit(try fallback.decode(topic: topic, payload: payload, receivedAt: receivedAt, bursts: &bursts))
            return
        }
        guard let route = routes.first(where: { TopicFilter.matches(topic, levels: $0.levels) }) else {
            throw Rejection(
                .badTopic,
                "topic \(LogText.quoted(String(decoding: topic.prefix(120), as: UTF8.self))) matches no source")
        }
        switch route.decoder {
        case .enertrack:
            let decoder = route.enertrack ?? fallback
            emit(try decoder.decode(topic: topic, payload: payload, receivedAt: receivedAt, bursts: &bursts))
        case .tasmota:
            emit(try TasmotaDecoder.decode(topic: topic, payload: payload, receivedAt: receivedAt))
        case .shellyGen2:
            try ShellyGen2Decoder.decode(topic: topic, payload: payload, receivedAt: receivedAt, emit: emit)
        case .shellyGen1:
            try shellyGen1.decode(topic: topic, payload: payload, receivedAt: receivedAt, bursts: &bursts, emit: emit)
        case .esphome:
            try esphome[route.esphome ?? 0].decode(
                topic: topic, payload: payload, receivedAt: receivedAt, bursts: &bursts, emit: emit)
        }
    }

    /// A topic given as a String (tests, `simulate`).
    public mutating func decode(topic: String, payload: [UInt8], receivedAt: Int64) throws(Rejection) -> [Reading] {
        var readings: [Reading] = []
        var topic = topic
        let result: Rejection? = topic.withUTF8 { topicBytes in
            payload.withUnsafeBytes { payloadBytes in
                do throws(Rejection) {
                    try decode(
                        topic: UnsafeRawBufferPointer(topicBytes), payload: payloadBytes, receivedAt: receivedAt
                    ) { readings.append($0) }
                    return nil
                } catch {
                    return error
                }
            }
        }
        if let result { throw result }
        return readings
    }
}

// libFuzzer harnesses for the parsers that read outside input: MQTT payloads and topics, import
// files (CSV, line protocol), env files, time arguments (TimeArgument, ISO 8601), dynamic price
// files, and tariff definitions (as the plain values the TOML parser hands over, with bills).
//
// Built by `scripts/fuzz` with `swiftc -sanitize=fuzzer,address` together with the sources of
// EnerTrackCore (as one module, so internal helpers are reachable). One binary holds every
// harness; ENERTRACK_FUZZ_TARGET picks one. Beyond "never traps", each harness checks what its
// parser promises: a decoded reading is one the store may take.
import Foundation

enum FuzzTarget: String, CaseIterable {
    case payload, topic, csv
    case lineProtocol = "line-protocol"
    case envfile, time, prices, tariff, devices
}

nonisolated(unsafe) var fuzzTarget = FuzzTarget.payload
let fuzzNow: Int64 = 1_795_773_600_000  // 2026-11-27T10:00:00Z
let fuzzZone = TimeZone(identifier: "Europe/Madrid") ?? .gmt

@_cdecl("LLVMFuzzerInitialize")
public func fuzzInitialize(
    _ argc: UnsafeMutablePointer<CInt>, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>>
) -> CInt {
    let name = ProcessInfo.processInfo.environment["ENERTRACK_FUZZ_TARGET"] ?? "payload"
    guard let target = FuzzTarget(rawValue: name) else {
        fatalError("ENERTRACK_FUZZ_TARGET must be one of \(FuzzTarget.allCases.map(\.rawValue))")
    }
    fuzzTarget = target
    return 0
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOne(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = UnsafeRawBufferPointer(start: data, count: size)
    switch fuzzTarget {
    case .payload: fuzzPayload(bytes)
    case .topic: fuzzTopic(bytes)
    case .csv: fuzzImport(bytes, format: .csv)
    case .lineProtocol: fuzzImport(bytes, format: .lineProtocol)
    case .envfile: fuzzEnvFile(bytes)
    case .time: fuzzTime(bytes)
    case .prices: fuzzPrices(bytes)
    case .tariff: fuzzTariff(bytes)
    case .devices: fuzzDevices(bytes)
    }
    return 0
}

/// A reading any path may hand to a store: a valid node, a time in range, plausible values.
func checkStorable(_ reading: Reading, now: Int64, maxAhead: Int64) {
    precondition(DirectoryRules.isESPID(reading.node), "stored node \(reading.node.debugDescription)")
    precondition(reading.time >= ReadingRules.earliest && reading.time <= now + maxAhead, "stored time \(reading.time)")
    precondition(!reading.isEmpty, "a reading without values")
    for (quantity, value) in reading.values {
        precondition(value.isFinite && quantity.plausibleRange.contains(value), "stored \(quantity) \(value)")
    }
}

/// `topic NUL payload` (no NUL: the whole input is the payload on enertrack/ESP1/power).
func fuzzPayload(_ bytes: UnsafeRawBufferPointer) {
    let split = bytes.firstIndex(of: 0)
    let topic = split.map { String(decoding: bytes[..<$0], as: UTF8.self) } ?? "enertrack/ESP1/power"
    let payload = split.map { UnsafeRawBufferPointer(rebasing: bytes[($0 + 1)...]) } ?? bytes
    for decoder in [PayloadDecoder(prefix: "enertrack", tasmota: true), PayloadDecoder(prefix: "enertrack")] {
        if let reading = try? decoder.decode(topic: topic, payload: payload, receivedAt: fuzzNow) {
            checkStorable(reading, now: fuzzNow, maxAhead: decoder.maxAhead)
        }
    }
}

/// One router over every device decoder, kept across inputs (as ingest keeps it across
/// messages): Shelly Gen1 counters and ESPHome discoveries from earlier inputs meet later ones.
nonisolated(unsafe) var fuzzRouter = MessageRouter(
    sources: [
        MeterSource(name: "own", filter: "enertrack/#", decoder: .enertrack),
        MeterSource(name: "shelly2", filter: "+/status/+", decoder: .shellyGen2),
        MeterSource(name: "shelly2rpc", filter: "+/events/rpc", decoder: .shellyGen2),
        MeterSource(name: "shelly1", filter: "shellies/#", decoder: .shellyGen1),
        MeterSource(name: "esphome", filter: "+/sensor/+/state", decoder: .esphome, discoveryPrefix: "homeassistant"),
        MeterSource(name: "tasmota", filter: "tele/+/SENSOR", decoder: .tasmota),
    ], prefix: "enertrack")

/// `topic NUL payload` through the device decoders (no NUL: the payload of a Shelly Gen2 em:0).
func fuzzDevices(_ bytes: UnsafeRawBufferPointer) {
    let split = bytes.firstIndex(of: 0)
    let topic = split.map { UnsafeRawBufferPointer(rebasing: bytes[..<$0]) }
    let payload = split.map { UnsafeRawBufferPointer(rebasing: bytes[($0 + 1)...]) } ?? bytes
    let fallback = Array("shellypro3em-1/status/em:0".utf8)
    fallback.withUnsafeBytes { fallbackTopic in
        try? fuzzRouter.decode(topic: topic ?? fallbackTopic, payload: payload, receivedAt: fuzzNow) { reading in
            var reading = reading
            reading.completeTotals()
            checkStorable(reading, now: fuzzNow, maxAhead: ReadingRules.defaultMaxAhead)
        }
    }
}

/// The whole input is the topic, with a number and with a JSON object as payload.
func fuzzTopic(_ bytes: UnsafeRawBufferPointer) {
    let decoder = PayloadDecoder(prefix: "site/enertrack", tasmota: true)
    for payload in ["230.5", "{\"power\":12.5,\"ts\":1795773590}", "{\"ENERGY\":{\"Total\":1.5,\"Power\":3}}"] {
        var payload = payload
        payload.withUTF8 { text in
            if let reading = try? decoder.decode(
                topic: bytes, payload: UnsafeRawBufferPointer(text), receivedAt: fuzzNow)
            {
                checkStorable(reading, now: fuzzNow, maxAhead: decoder.maxAhead)
            }
        }
    }
}

/// Lines of an import file, auto-detected format first, then the one asked for.
func fuzzImport(_ bytes: UnsafeRawBufferPointer, format: ImportParser.Format) {
    let text = String(decoding: bytes, as: UTF8.self)
    let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
    let now = Date(milliseconds: fuzzNow)
    let detected = lines.first.map { ImportParser.detect(firstLine: $0) } ?? format
    for chosen in Set([format, detected]) {
        var parser = ImportParser(format: chosen, now: now)
        for line in lines {
            if let reading = try? parser.parse(line) {
                checkStorable(reading, now: fuzzNow, maxAhead: ReadingRules.defaultMaxAhead)
            }
            if chosen == .lineProtocol, let point = try? LineProtocol.parse(line), let stamp = point.timestamp {
                _ = LineProtocol.milliseconds(stamp)
            }
        }
    }
}

func fuzzEnvFile(_ bytes: UnsafeRawBufferPointer) {
    guard let file = try? EnvFile(path: "fuzz.env", text: String(decoding: bytes, as: UTF8.self)) else { return }
    for (key, entry) in file.entries {
        precondition(EnvFile.isValidKey(key), "accepted key \(key.debugDescription)")
        precondition(entry.line >= 1, "line \(entry.line)")
    }
    // Whatever the file holds, resolving it is a value or a configuration error.
    _ = try? Configuration.resolve(flags: [:], environment: [:], file: file)
}

/// Every line is a time argument, an ISO 8601 timestamp and a duration.
func fuzzTime(_ bytes: UnsafeRawBufferPointer) {
    let now = Date(milliseconds: fuzzNow)
    // The first eight bytes as a stored time: whatever a database holds formats.
    if bytes.count >= 8 {
        let stored = bytes.loadUnaligned(as: Int64.self)
        _ = ISO8601.format(milliseconds: stored, timeZone: fuzzZone)
        _ = Date(milliseconds: stored).milliseconds
    }
    for line in String(decoding: bytes, as: UTF8.self).split(separator: "\n").prefix(16) {
        let text = String(line)
        if case .success(let date) = TimeArgument.read(text, timeZone: fuzzZone, now: now) {
            let ms = date.milliseconds
            precondition(TimeArgument.range.contains(ms), "time argument \(text.debugDescription) gave \(ms)")
            _ = ISO8601.format(milliseconds: ms, timeZone: fuzzZone)
        }
        if let date = ISO8601.parse(text) {
            _ = ISO8601.format(milliseconds: date.milliseconds, timeZone: .gmt)
            _ = ISO8601.parse(text, localIn: fuzzZone)?.milliseconds
        }
        if let seconds = TimeArgument.duration(text, allowZero: true) {
            precondition(seconds >= 0 && seconds <= TimeArgument.maxDuration, "duration \(seconds)")
        }
        _ = ReadingRules.time(fromText: text)
        _ = try? TimeArgument.durationMS(text, flag: "--window")
    }
}

/// A price file: every stored price is finite and in range, one step, times strictly ascending.
func fuzzPrices(_ bytes: UnsafeRawBufferPointer) {
    let text = String(decoding: bytes, as: UTF8.self)
    for perMWh in [false, true] {
        guard let points = try? PriceSeries.parse(text, timeZone: fuzzZone, perMWh: perMWh) else { continue }
        precondition(!points.isEmpty, "an empty price series")
        for (a, b) in zip(points, points.dropFirst()) { precondition(a.time < b.time, "prices out of order") }
        for point in points {
            precondition(point.price.isFinite && abs(point.price) <= PriceSeries.maxPrice, "price \(point.price)")
            precondition(point.duration == 3_600_000 || point.duration == 900_000, "step \(point.duration)")
            precondition(point.time % EnergyBuckets.bucket == 0, "price off the quarter hour")
        }
    }
}

/// JSON as a parsed tariff file (objects are tables; strings of dates are dates): a tariff that
/// is accepted writes back as text, and prices a DST week of readings without trapping, each
/// bill's total the sum of its lines.
func fuzzTariff(_ bytes: UnsafeRawBufferPointer) {
    guard let json = try? JSONSerialization.jsonObject(with: Data(bytes), options: [.fragmentsAllowed]),
        let root = json as? [String: Any]
    else { return }
    func value(_ any: Any, depth: Int) -> DocumentValue {
        guard depth < 32 else { return .other("deep") }
        switch any {
        case let table as [String: Any]: return .table(table.mapValues { value($0, depth: depth + 1) })
        case let array as [Any]: return .array(array.map { value($0, depth: depth + 1) })
        case let text as String:
            if text.hasPrefix("d:"), let day = CalendarDay(checking: String(text.dropFirst(2))) { return .date(day) }
            return .string(text)
        case let flag as Bool where "\(type(of: any))".contains("Bool"):
            return .bool(flag)
        case let number as NSNumber:
            if let integer = Int(exactly: number.doubleValue), !"\(number)".contains(".") { return .integer(integer) }
            return .number(number.doubleValue)
        default: return .other("null")
        }
    }
    let document = root.mapValues { value($0, depth: 0) }
    guard let tariff = try? Tariff(document: document) else { return }
    precondition(!tariff.versions.isEmpty, "a tariff without versions")
    for (a, b) in zip(tariff.versions, tariff.versions.dropFirst()) {
        precondition(a.from < b.from, "versions unordered")
    }
    _ = tariff.toml
    let timeline = TariffTimeline(assignments: [(CalendarDay(year: 2026, month: 1, day: 1), tariff)])
    let from: Int64 = 1_792_274_400_000  // 2026-10-19T00:00:00+02:00, a week with the autumn DST change
    let to = from + 8 * 86_400_000
    guard let schedule = try? CostSchedule(timeline: timeline, from: from, to: to, timeZone: fuzzZone) else { return }
    var energy: [BucketEnergy] = []
    var bucket = from
    while bucket < to {
        energy.append(BucketEnergy(bucket: bucket, kwh: Double(bucket / EnergyBuckets.bucket % 7) * 0.05))
        bucket += EnergyBuckets.bucket
    }
    let rows = [from..<(from + 86_400_000), (from + 86_400_000)..<to]
    for var usage in schedule.usage(rows: rows, energy: energy) {
        usage.exported = usage.kwh.map { $0 / 3 }
        let bill = schedule.bill(usage)
        let sum = bill.lines.reduce(Decimal(0)) { $0 + $1.amount }
        precondition(sum == bill.total, "a total that is not the sum of its lines")
        for line in bill.lines { precondition(line.amount == line.amount.rounded(2), "a line not rounded to the cent") }
    }
}

// libFuzzer harnesses for the parsers that read outside input: MQTT payloads and topics, import
// files (CSV, line protocol), env files, and time arguments (TimeArgument, ISO 8601).
//
// Built by `scripts/fuzz` with `swiftc -sanitize=fuzzer,address` together with the sources of
// EnerTrackCore (as one module, so internal helpers are reachable). One binary holds every
// harness; ENERTRACK_FUZZ_TARGET picks one. Beyond "never traps", each harness checks what its
// parser promises: a decoded reading is one the store may take.
import Foundation

enum FuzzTarget: String, CaseIterable {
    case payload, topic, csv
    case lineProtocol = "line-protocol"
    case envfile, time
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

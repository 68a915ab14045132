import EnerTrackCore
import EnerTrackHTTP
import EnerTrackRuntime
import Foundation
import Synchronization

/// How to reach InfluxDB. A token selects the 2.x/3.x API; otherwise the 1.x API.
public struct InfluxSettings: Sendable {
    public enum Compression: String, Sendable {
        /// gzip bodies of 1 KiB or more unless the server is on loopback, where it only costs CPU.
        case auto
        case always
        case never
    }

    public var url: URL
    public var database: String
    public var user: String?
    public var password: String?
    public var token: String?
    public var organization: String?
    public var bucket: String?
    public var measurement: String
    public var compression: Compression
    public var timeout: TimeInterval
    /// Decides which counter rises are spikes when rollups are computed.
    public var limits = PowerLimits()
    /// Kept-alive connections for reads (`CurlHTTPPool`); writes have one more of their own.
    public var connections = 8
    /// `INFLUX_NODE_TAG`: the tag naming the meter; nil finds it in the measurement (default `node`).
    public var nodeTag: String?
    /// `INFLUX_FIELDS`: field names of quantities; the others are found in the measurement.
    public var fields: [Quantity: String] = [:]
    /// How long (ms) a dirty mark stays after a refresh handled it, and so how long a process
    /// may let its later writes of the same buckets ride on it (a third of it): see
    /// `InfluxDirtyMarks.swift`. 0: every write marks, every refresh deletes what it read.
    public var markHold: Int64 = 180_000

    public init(
        url: URL, database: String = "enertrack", user: String? = nil, password: String? = nil,
        token: String? = nil, organization: String? = nil, bucket: String? = nil,
        measurement: String = "energy", compression: Compression = .auto, timeout: TimeInterval = 10
    ) {
        self.url = url
        self.database = database
        self.user = user
        self.password = password
        self.token = token
        self.organization = organization
        self.bucket = bucket
        self.measurement = measurement
        self.compression = compression
        self.timeout = timeout
    }

    public var usesV2: Bool { token != nil }

    /// The InfluxQL database: the 1.x database, or the bucket through its DBRP mapping.
    public var queryDatabase: String { usesV2 ? (bucket ?? database) : database }
}

/// Readings in InfluxDB: line protocol writes (ms precision, gzip where it pays), InfluxQL reads
/// through `/query`. Measurement `energy`, tag `node`, one float field per quantity; InfluxDB
/// itself makes writes idempotent (same series and time → fields overwritten).
///
/// HTTP goes through libcurl (`CurlHTTPPool`): kept-alive connections, reads in parallel on
/// `settings.connections` of them and changes in order on one more, timeouts and TLS
/// verification against the system trust store.
public final class InfluxSeriesStore: SeriesStore {
    public let settings: InfluxSettings
    private let http: CurlHTTPPool
    /// Tags this process's dirty marks (see `InfluxRollups.swift`).
    let writerID = String(UInt64.random(in: 0...UInt64.max), radix: 36)
    let markClock = MarkClock()
    let recentMarks = RecentMarks()
    private let foundLayout = Mutex<InfluxLayout?>(nil)
    /// Whether the hourly rollups cover everything the 15-minute ones do (nil: not asked yet).
    let hourlyReady = Mutex<Bool?>(nil)
    /// The retention horizon as last read, and when (ms): `db prune` in another process moves it.
    let prunedHorizon = Mutex<(value: Int64?, readAt: Int64)?>(nil)
    /// Dirty meters read once and refreshed a few at a time (`refreshSomeRollups`).
    let pendingRefresh = RefreshQueue<(node: String, marks: DirtyMarks)>()

    public var limits: PowerLimits { settings.limits }

    /// Where the readings are, for messages: credentials in the URL are masked.
    public var location: String { "influxdb:\(Redact.url(settings.url.absoluteString))/\(settings.queryDatabase)" }

    public init(settings: InfluxSettings) {
        self.settings = settings
        http = CurlHTTPPool(size: settings.connections, connectTimeout: min(settings.timeout, 5))
    }

    // MARK: Layout

    /// The measurement's tag and field names: the settings, else what the measurement has
    /// (found once it has data), else ours.
    func layout() async throws -> InfluxLayout {
        if let known = foundLayout.withLock({ $0 }) { return known }
        if let tag = settings.nodeTag, settings.fields.count == Quantity.allCases.count {
            let layout = InfluxLayout(nodeTag: tag, fields: settings.fields)
            foundLayout.withLock { $0 = layout }
            return layout
        }
        let (tags, fields) = try await keys(of: settings.measurement)
        let layout = InfluxLayout.detect(
            tags: tags, fields: fields, nodeTag: settings.nodeTag, fields: settings.fields)
        if !fields.isEmpty { foundLayout.withLock { $0 = layout } }
        return layout
    }

    /// The tag and field keys of a measurement (none for one that does not exist yet).
    func keys(of measurement: String) async throws -> (tags: [String], fields: [String]) {
        let name = Self.identifier(measurement)
        do {
            let tags = try await series("SHOW TAG KEYS FROM \(name)").flatMap {
                $0.values.compactMap { $0.first?.string }
            }
            let fields = try await series("SHOW FIELD KEYS FROM \(name)").flatMap {
                $0.values.compactMap { $0.first?.string }
            }
            return (tags, fields)
        } catch SeriesError.failed(_, let reason) where reason.contains("database not found") {
            return ([], [])
        }
    }

    /// What `db status` says of the series store: the measurements, their tags and fields, and
    /// which of them readings are read from and written to.
    public func layoutReport() async throws -> [String] {
        let measurements = try await series("SHOW MEASUREMENTS").flatMap { $0.values.compactMap { $0.first?.string } }
        var lines = ["measurements: \(measurements.isEmpty ? "none yet" : measurements.joined(separator: ", "))"]
        for measurement in measurements where !measurement.hasSuffix("_rollup") && !measurement.hasSuffix("_dirty") {
            let (tags, fields) = try await keys(of: measurement)
            lines.append(
                "\(measurement): tags \(tags.joined(separator: ", ")); fields \(fields.joined(separator: ", "))")
        }
        let layout = try await self.layout()
        let fields = Quantity.totals.map { "\($0.rawValue)=\(layout.field($0))" }.joined(separator: ", ")
        lines.append("uses: measurement \(settings.measurement), node tag \(layout.nodeTag), fields \(fields)")
        let phases = Quantity.allCases.filter { $0.phase != nil }.map { quantity in
            layout.field(quantity) == quantity.rawValue
                ? quantity.rawValue : "\(quantity.rawValue)=\(layout.field(quantity))"
        }
        lines.append("uses: a three-phase meter's fields \(phases.joined(separator: ", "))")
        return lines
    }

    // MARK: SeriesStore

    public func check() async throws {
        _ = try await send(request(path: "/ping", query: [], method: "GET"))
        if !settings.usesV2 {
            // Creating an existing database is a no-op; a user without admin rights gets 403,
            // which is fine as long as the database exists (the query below tells).
            _ = try? await influxQL("CREATE DATABASE \(Self.identifier(settings.database))", method: "POST")
        }
        _ = try await influxQL("SHOW MEASUREMENTS LIMIT 1")
    }

    public func write(_ readings: [Reading]) async throws {
        guard !readings.isEmpty else { return }
        let (request, marks) = writeRequest(readings, layout: try await layout())
        do {
            _ = try await send(request)
        } catch SeriesError.failed(_, let reason) where !settings.usesV2 && reason.contains("database not found") {
            // A fresh server: create the database once and write again.
            try await check()
            _ = try await send(request)
        }
        recentMarks.record(marks)
    }

    public var refreshesBesideWrites: Bool { true }

    /// The write of a batch: `/write` (1.x) or `/api/v2/write` with the token (2.x/3.x).
    /// The batch carries the dirty marks of its nodes, so rollups learn of it even after a crash.
    func writeRequest(_ readings: [Reading], layout: InfluxLayout = .standard) -> (Request, [WrittenMark]) {
        var body: [UInt8] = []
        body.reserveCapacity(readings.count * 110)
        for reading in readings where !reading.isEmpty {
            LineProtocol.append(reading, measurement: settings.measurement, layout: layout, to: &body)
        }
        let marks = appendDirtyMarks(readings, to: &body, reusing: true)
        return (writeRequest(body: body), marks)
    }

    /// A write of line protocol with ms timestamps.
    func writeRequest(body: [UInt8]) -> Request {
        var request: Request
        if settings.usesV2 {
            request = self.request(
                path: "/api/v2/write",
                query: [("org", settings.organization ?? ""), ("bucket", settings.queryDatabase), ("precision", "ms")],
                method: "POST")
        } else {
            request = self.request(
                path: "/write", query: [("db", settings.database), ("precision", "ms")], method: "POST")
        }
        request.headers["Content-Type"] = "text/plain; charset=utf-8"
        if shouldCompress(body.count), let gzipped = Gzip.compress(body) {
            request.headers["Content-Encoding"] = "gzip"
            request.body = gzipped
        } else {
            request.body = body  // no copy: curl reads the array in place
        }
        return request
    }

    public func readings(node: String, from: Int64?, to: Int64?, limit: Int?) async throws -> [Reading] {
        let layout = try await layout()
        var query =
            "SELECT \(Self.fieldList(layout)) FROM \(Self.identifier(settings.measurement)) WHERE \(Self.nodeFilter([node], layout))"
        if let from { query += " AND time >= \(from)ms" }
        if let to { query += " AND time < \(to)ms" }
        query += " ORDER BY time ASC"
        if let limit { query += " LIMIT \(limit)" }
        let tag = layout.nodeTag
        return try await send(queryRequest(query)) { data in
            try self.series(answer: data).flatMap { $0.readings(defaultNode: node, tag: tag) }
        }
    }

    // MARK: InfluxQL

    /// Each quantity's field, labelled with our name (`"voltaje" AS "voltage"`).
    static func fieldList(_ layout: InfluxLayout) -> String {
        Quantity.allCases.map { quantity in
            let field = layout.field(quantity)
            return field == quantity.rawValue ? field : "\(identifier(field)) AS \(identifier(quantity.rawValue))"
        }.joined(separator: ",")
    }

    /// One series of a `/query` answer.
    struct Series {
        var tags: [String: String]
        var columns: [String]
        var values: [[InfluxValue]]

        func readings(defaultNode: String?, tag: String = "node") -> [Reading] {
            let node = tags[tag] ?? defaultNode ?? ""
            let indices = columns.enumerated().compactMap { index, name in Quantity(rawValue: name).map { (index, $0) }
            }
            return values.compactMap { row in
                guard let time = row.first?.time else { return nil }
                var reading = Reading(node: node, time: time)
                for (index, quantity) in indices where index < row.count {
                    reading[quantity] = row[index].double
                }
                return reading
            }
        }
    }

    func series(_ query: String) async throws -> [Series] {
        try await send(queryRequest(query)) { data in try self.series(answer: data) }
    }

    /// The series of a `/query` answer, or InfluxDB's error.
    private func series(answer data: Data) throws -> [Series] {
        if let (series, error) = InfluxAnswerReader.read(data) {
            if let error { throw SeriesError.failed(store: location, reason: error) }
            return series.map { Series(tags: $0.tags, columns: $0.columns, values: $0.values) }
        }
        guard let answer = try? JSONDecoder().decode(InfluxAnswer.self, from: data) else {
            throw SeriesError.failed(
                store: location, reason: "InfluxDB answered a query with something that is not InfluxQL JSON")
        }
        var all: [Series] = []
        for result in answer.results {
            if let error = result.error { throw SeriesError.failed(store: location, reason: error) }
            for series in result.series ?? [] {
                all.append(Series(tags: series.tags ?? [:], columns: series.columns, values: series.values ?? []))
            }
        }
        return all
    }

    func influxQL(_ query: String, method: String = "GET") async throws -> Data {
        try await send(queryRequest(query, method: method))
    }

    /// An InfluxQL query through `/query`: the 1.x database, or the bucket's DBRP mapping.
    func queryRequest(_ query: String, method: String = "GET") -> Request {
        var request = self.request(
            path: "/query", query: [("db", settings.queryDatabase), ("epoch", "ms"), ("q", query)], method: method)
        request.timeout = max(settings.timeout, 30)
        return request
    }

    static func identifier(_ name: String) -> String {
        "\"" + name.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\""
    }

    static func literal(_ text: String) -> String {
        "'" + text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "'", with: "\\'") + "'"
    }

    // MARK: HTTP

    private func shouldCompress(_ size: Int) -> Bool {
        switch settings.compression {
        case .always: true
        case .never: false
        case .auto: size >= 1024 && !Self.isLoopback(settings.url.host ?? "")
        }
    }

    static func isLoopback(_ host: String) -> Bool {
        host == "localhost" || host.hasPrefix("127.") || host == "::1" || host == "[::1]"
    }

    struct Request {
        var method: String
        var url: URL
        var headers: [String: String] = [:]
        var body: [UInt8]?
        var timeout: TimeInterval
    }

    func request(path: String, query: [(String, String)], method: String) -> Request {
        var components = URLComponents(url: settings.url, resolvingAgainstBaseURL: false) ?? URLComponents()
        components.path = components.path.trimmingSuffix("/") + path
        components.queryItems = query.map { URLQueryItem(name: $0.0, value: $0.1) }
        // '+' in a query value is a space to InfluxDB's form parser.
        components.percentEncodedQuery = components.percentEncodedQuery?.replacingOccurrences(of: "+", with: "%2B")
        var request = Request(method: method, url: components.url ?? settings.url, timeout: settings.timeout)
        if let token = settings.token {
            request.headers["Authorization"] = "Token \(token)"
        } else if let user = settings.user {
            let credentials = Data("\(user):\(settings.password ?? "")".utf8).base64EncodedString()
            request.headers["Authorization"] = "Basic \(credentials)"
        }
        return request
    }

    /// Sends and maps failures: transport errors and 5xx are `unavailable` (retry later),
    /// 401/403 `unauthorized`, other 4xx `failed` with InfluxDB's own message. URLs are never
    /// part of a message: 1.x credentials could be in them.
    func send(_ request: Request) async throws -> Data {
        try await send(request) { $0 }
    }

    /// The same, with the answer read into `T` on the connection's thread (`CurlHTTPPool`).
    func send<T: Sendable>(_ request: Request, read: @escaping @Sendable (Data) throws -> T) async throws -> T {
        do {
            return try await http.send(
                method: request.method, url: request.url, headers: request.headers, body: request.body,
                timeout: request.timeout, ordered: request.method != "GET"
            ) { response in try read(self.checked(response)) }
        } catch CurlHTTPClient.TransportError.failed(_, let reason) {
            throw SeriesError.unavailable(store: location, reason: scrubbed(reason))
        }
    }

    private func checked(_ response: CurlHTTPClient.Response) throws -> Data {
        let data = response.body
        switch response.status {
        case 200..<300:
            return data
        case 401, 403:
            throw SeriesError.unauthorized(
                store: location, reason: scrubbed("HTTP \(response.status) \(Self.message(data))"))
        case 500..<600, 408, 429:
            throw SeriesError.unavailable(
                store: location, reason: scrubbed("HTTP \(response.status) \(Self.message(data))"))
        default:
            throw SeriesError.failed(store: location, reason: scrubbed("HTTP \(response.status) \(Self.message(data))"))
        }
    }

    /// A server's or libcurl's words without any credential of ours in them.
    private func scrubbed(_ text: String) -> String {
        Redact.secrets([settings.password, settings.token, settings.url.password], in: text)
    }

    private static func message(_ data: Data) -> String {
        if let body = try? JSONDecoder().decode(InfluxErrorBody.self, from: data),
            let text = body.error ?? body.message
        {
            return text
        }
        return String(decoding: data.prefix(200), as: UTF8.self)
    }
}

extension String {
    fileprivate func trimmingSuffix(_ suffix: String) -> String {
        hasSuffix(suffix) ? String(dropLast(suffix.count)) : self
    }
}

import EnerTrackCore
import EnerTrackRuntime
import Foundation

/// The Bot API stand-in (`scripts/services/telegram-standin`) on a free loopback port, one per
/// test: it records every call, serves scripted updates and scripted failures.
final class TelegramStandIn: @unchecked Sendable {
    static let token = "123456:TEST-token-never-logged"
    let process = Subprocess()
    let port: Int
    var url: String { "http://127.0.0.1:\(port)" }

    init() throws {
        let directory = try temporaryDirectory("enertrack-standin")
        let portFile = directory + "/port"
        ChildProcess.prepare(
            process, executable: packageRoot.appendingPathComponent("scripts/services/telegram-standin").path,
            arguments: ["--token", Self.token, "--port-file", portFile])
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        let deadline = Date().addingTimeInterval(10)
        while !FileManager.default.fileExists(atPath: portFile), Date() < deadline { usleep(20_000) }
        guard let text = try? String(contentsOfFile: portFile, encoding: .utf8), let port = Int(text) else {
            ChildProcess.stop(process)
            throw HarnessError("the Telegram stand-in did not start")
        }
        self.port = port
    }

    deinit { ChildProcess.stop(process) }

    var environment: [String: String] { ["enertrackBotToken": Self.token, "TELEGRAM_API_URL": url] }

    private func control(_ name: String, _ body: Any? = nil) throws -> Data {
        var arguments = ["-s", "-X", body == nil ? "GET" : "POST", "\(url)/control/\(name)"]
        if let body {
            arguments += ["-H", "Content-Type: application/json", "--data-binary", "@-"]
            let data = try JSONSerialization.data(withJSONObject: body)
            return Data(try shell("/usr/bin/curl", arguments, stdin: String(decoding: data, as: UTF8.self)).utf8)
        }
        return Data(try shell("/usr/bin/curl", arguments).utf8)
    }

    func calls() throws -> [[String: Any]] {
        try JSONSerialization.jsonObject(with: control("calls")) as? [[String: Any]] ?? []
    }

    /// Texts sent to each chat, in order.
    func sent() throws -> [Int64: [String]] {
        var texts: [Int64: [String]] = [:]
        for call in try calls() where call["method"] as? String == "sendMessage" {
            guard let params = call["params"] as? [String: Any], let chat = (params["chat_id"] as? NSNumber)?.int64Value
            else { continue }
            texts[chat, default: []].append(params["text"] as? String ?? "")
        }
        return texts
    }

    /// When each sendMessage arrived (to one chat, or to any).
    func sendMessageTimes(chat: Int64? = nil) throws -> [Double] {
        try calls().filter { call in
            call["method"] as? String == "sendMessage"
                && (chat == nil
                    || ((call["params"] as? [String: Any])?["chat_id"] as? NSNumber)?.int64Value == chat)
        }.compactMap { ($0["time"] as? NSNumber)?.doubleValue }
    }

    /// A message from a chat, as Telegram would deliver it through getUpdates.
    func push(chat: Int64, _ text: String, language: String = "en") throws {
        _ = try control("updates", ["chat_id": chat, "text": text, "language_code": language])
    }

    /// An update of any shape (its `update_id` is the stand-in's next).
    func pushRaw(_ update: [String: Any]) throws {
        _ = try control("updates", ["raw": update])
    }

    func fail(_ method: String, status: Int, retryAfter: Int? = nil, chat: Int64? = nil, times: Int = 1) throws {
        var body: [String: Any] = ["method": method, "status": status, "times": times]
        if let retryAfter { body["retry_after"] = retryAfter }
        if let chat { body["chat_id"] = chat }
        _ = try control("fail", body)
    }

    /// The next `times` calls of `method` are answered `seconds` late (a slow Bot API).
    func slow(_ method: String, seconds: Double, times: Int = 1) throws {
        _ = try control("slow", ["method": method, "seconds": seconds, "times": times])
    }
}

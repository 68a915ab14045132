import EnerTrackCore
import Foundation
import Testing

/// The ESPHome examples: valid YAML with what ESPHome requires, publishing to topics EnerTrack
/// reads (every state topic's leaf a quantity), and valid for ESPHome itself: `esphome config`
/// (installed by `scripts/install-deps --test` into .build-tools/esphome) with a secrets.yaml.
@Suite("Examples")
struct ExamplesTests {
    @Test(
        "examples/esphome-*.yaml: ESPHome's required keys; every state topic is an EnerTrack topic",
        arguments: [
            "esphome-pzem", "esphome-3phase",
        ])
    func esphome(_ name: String) throws {
        let path = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent(
            "../../examples/\(name).yaml"
        ).standardized.path
        let script = """
            import json, sys, yaml
            class Loader(yaml.SafeLoader): pass
            Loader.add_constructor('!secret', lambda loader, node: 'secret:' + loader.construct_scalar(node))
            config = yaml.load(open(sys.argv[1]), Loader=Loader)
            subs = config.get('substitutions', {})
            def expand(text):
                for key, value in subs.items(): text = text.replace('${' + key + '}', str(value))
                return text
            topics = []
            def walk(node):
                if isinstance(node, dict):
                    for key, value in node.items():
                        if key == 'state_topic': topics.append(expand(value))
                        walk(value)
                elif isinstance(node, list):
                    for item in node: walk(item)
            walk(config.get('sensor', []))
            print(json.dumps({'keys': sorted(config), 'board': config['esp32']['board'],
                'mqtt': sorted(config['mqtt']), 'topics': topics}))
            """
        let output = try shell("/usr/bin/python3", ["-c", script, path])
        let answer = try #require(try JSONSerialization.jsonObject(with: Data(output.utf8)) as? [String: Any])
        let keys = try #require(answer["keys"] as? [String])
        for required in ["esphome", "esp32", "wifi", "mqtt", "sensor"] {
            #expect(keys.contains(required), "\(required)")
        }
        let mqtt = try #require(answer["mqtt"] as? [String])
        for required in ["broker", "port", "username", "password", "certificate_authority"] {
            #expect(mqtt.contains(required), "mqtt.\(required)")
        }
        let esphome = URL(fileURLWithPath: path).deletingLastPathComponent().appendingPathComponent(
            "../.build-tools/esphome/bin/esphome"
        ).standardized.path
        if FileManager.default.isExecutableFile(atPath: esphome) {
            let directory = try temporaryDirectory("esphome-example")
            defer { try? FileManager.default.removeItem(atPath: directory) }
            try FileManager.default.copyItem(atPath: path, toPath: directory + "/\(name).yaml")
            try "wifi_ssid: lab\nwifi_password: password1\nmqtt_user: meter\nmqtt_password: secret\n".write(
                toFile: directory + "/secrets.yaml", atomically: true, encoding: .utf8)
            // Exit 0 (`shell` throws otherwise) and the validated configuration on stdout, with
            // every sensor's state topic as written.
            let checked = try shell(esphome, ["config", directory + "/\(name).yaml"])
            #expect(
                checked.contains("platform: pzemac") && checked.contains("state_topic: enertrack/ESP32_"),
                "\(checked.suffix(2000))")
        } else {
            print("ExamplesTests: ESPHome is not installed (scripts/install-deps --test); YAML checked without it")
        }
        let topics = try #require(answer["topics"] as? [String])
        #expect(!topics.isEmpty)
        for topic in topics {
            let levels = topic.split(separator: "/").map(String.init)
            #expect(levels.count == 3 && levels[0] == "enertrack" && DirectoryRules.isESPID(levels[1]), "\(topic)")
            #expect(Quantity(name: levels.last ?? "") != nil, "\(topic): not a quantity EnerTrack reads")
        }
    }
}

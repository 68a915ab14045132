import Foundation
import Testing

/// `serve` behind Debian's nginx terminating TLS on loopback, configured as the README says
/// (nginx's default `Host $proxy_host`, plus X-Forwarded-Proto/-Host): logins and form posts
/// pass the Origin check, cookies are Secure, redirects stay on the proxy's origin.
@Suite("serve behind nginx with TLS")
struct ReverseProxyTests {
    /// The server block of the README, with this test's ports and files: one `serve`, or
    /// several in turn (each answer names the one that gave it in `X-Served-By`).
    static func configuration(directory: String, tlsPort: Int, servePorts: [Int]) -> String {
        """
        daemon off;
        user root;
        worker_processes 1;
        pid \(directory)/nginx.pid;
        error_log \(directory)/error.log;
        events { worker_connections 64; }
        http {
            access_log off;
            client_body_temp_path \(directory)/body;
            proxy_temp_path \(directory)/proxy;
            fastcgi_temp_path \(directory)/fastcgi;
            uwsgi_temp_path \(directory)/uwsgi;
            scgi_temp_path \(directory)/scgi;
            upstream enertrack {
                \(servePorts.map { "server 127.0.0.1:\($0);" }.joined(separator: "\n        "))
            }
            server {
                listen 127.0.0.1:\(tlsPort) ssl;
                server_name localhost;
                ssl_certificate \(directory)/cert.pem;
                ssl_certificate_key \(directory)/key.pem;
                location / {
                    proxy_pass http://enertrack;
                    proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
                    proxy_set_header X-Forwarded-Proto $scheme;
                    proxy_set_header X-Forwarded-Host $http_host;
                    proxy_set_header Forwarded "for=$remote_addr;proto=$scheme;host=\\"$http_host\\"";
                    add_header X-Served-By $upstream_addr always;
                }
            }
        }
        """
    }

    struct Answer {
        var status: Int
        var headers: String
        var body: String
        var cookies: String {
            headers.split(separator: "\r\n").compactMap { line -> String? in
                guard line.lowercased().hasPrefix("set-cookie:") else { return nil }
                return line.dropFirst(11).split(separator: ";").first.map { $0.trimmingCharacters(in: .whitespaces) }
            }.joined(separator: "; ")
        }
        func header(_ name: String) -> String? {
            headers.split(separator: "\r\n").first { $0.lowercased().hasPrefix(name.lowercased() + ":") }
                .map { $0.dropFirst(name.count + 1).trimmingCharacters(in: .whitespaces) }
        }
    }

    /// `serve` started behind nginx (TLS with a fresh self-signed certificate), and curl through it.
    struct Proxied: Sendable {
        let harness: Harness
        let directory: String
        let servePort: Int
        let tlsPort: Int
        let serve: LiveProcess
        let proxy: LiveProcess
        var origin: String { "https://localhost:\(tlsPort)" }

        static func start() async throws -> Proxied {
            let nginx = "/usr/sbin/nginx"
            #expect(
                FileManager.default.isExecutableFile(atPath: nginx), "nginx is missing: scripts/install-deps --test")
            let harness = try Harness()
            #expect(await harness.addUser("ana").status == 0)
            #expect(await harness.run(["node", "add", "ESP_PROXY"]).status == 0)
            #expect(await harness.run(["assign", "add", "ana", "ESP_PROXY"]).status == 0)
            let directory = try ReverseProxyTests.certificate(harness.dataDirectory + "/nginx")
            let (servePort, tlsPort) = (freePort(), freePort())
            try ReverseProxyTests.configuration(directory: directory, tlsPort: tlsPort, servePorts: [servePort]).write(
                toFile: directory + "/nginx.conf", atomically: true, encoding: .utf8)
            let environment = ProcessInfo.processInfo.environment.merging(harness.environment) { $1 }
            let serve = try LiveProcess(
                ["serve", "--port", String(servePort), "--trusted-proxy", "127.0.0.1"], environment: environment,
                logPath: harness.dataDirectory + "/serve.log")
            let proxy = try LiveProcess(
                ["-p", directory, "-c", directory + "/nginx.conf"], environment: environment,
                logPath: directory + "/stdout.log", executable: nginx)
            let proxied = Proxied(
                harness: harness, directory: directory, servePort: servePort, tlsPort: tlsPort, serve: serve,
                proxy: proxy)
            #expect(
                await eventually(timeout: 20) { (try? proxied.request("/healthz").status) == 200 },
                "serve: \(serve.log)\nnginx: \((try? String(contentsOfFile: directory + "/error.log", encoding: .utf8)) ?? "")"
            )
            return proxied
        }

        /// A request through the proxy, or with `base` straight to one `serve`.
        func request(_ path: String, _ extra: [String] = [], base: String? = nil) throws -> Answer {
            let name = UUID().uuidString
            let head = directory + "/\(name).head"
            let body = directory + "/\(name).body"
            let status = try shell(
                "/usr/bin/curl",
                ["-s", "--cacert", directory + "/cert.pem", "-o", body, "-D", head, "-w", "%{http_code}"] + extra
                    + [(base ?? origin) + path])
            return Answer(
                status: Int(status) ?? 0, headers: (try? String(contentsOfFile: head, encoding: .utf8)) ?? "",
                body: (try? String(contentsOfFile: body, encoding: .utf8)) ?? "")
        }

        func stop() async {
            await serve.expectCleanStop("serve")
            proxy.signal(SIGQUIT)
            _ = await proxy.waitForExit(timeout: 10)
        }
    }

    /// DIRECTORY (created) with a fresh self-signed certificate for localhost: cert.pem, key.pem.
    static func certificate(_ directory: String) throws -> String {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        try shell(
            "/usr/bin/openssl",
            [
                "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=localhost",
                "-addext", "subjectAltName=DNS:localhost", "-keyout", directory + "/key.pem", "-out",
                directory + "/cert.pem",
            ])
        return directory
    }

    @Test("login and a form post through nginx: Origin accepted, Secure cookies, redirects on the proxy's origin")
    func behindNginx() async throws {
        let site = try await Proxied.start()
        let session = try Self.login(site)
        try await Self.forms(site, session: session)
        await site.stop()
    }

    /// A login through the proxy; the session's cookies.
    static func login(_ site: Proxied) throws -> String {
        let page = try site.request("/login")
        let csrf = try #require(Browser.csrf(page.body))
        let login = try site.request(
            "/login",
            [
                "-H", "Cookie: \(page.cookies)", "-H", "Origin: \(site.origin)", "--data-urlencode", "csrf=\(csrf)",
                "--data-urlencode", "username=ana", "--data-urlencode", "password=\(WebSite.password)",
            ])
        #expect(login.status == 303, "login through the proxy: \(login.status) \(login.body.prefix(200))")
        let location = login.header("Location") ?? ""
        #expect(
            location.hasPrefix("/") || location.hasPrefix(site.origin), "redirect off the proxy's origin: \(location)")
        let setCookie = login.headers.lowercased()
        #expect(setCookie.contains("set-cookie:") && setCookie.contains("secure") && setCookie.contains("httponly"))
        return login.cookies
    }

    /// Form posts through the proxy: its own origin passes, any other (or a spoofed header) is refused.
    static func forms(_ site: Proxied, session: String) async throws {
        let alerts = try site.request("/alerts", ["-H", "Cookie: \(session)"])
        #expect(alerts.status == 200 && alerts.body.contains("ESP_PROXY"))
        let token = try #require(Browser.csrf(alerts.body))
        let form = [
            "--data-urlencode", "csrf=\(token)", "--data-urlencode", "node=ESP_PROXY", "--data-urlencode", "kw=2.5",
        ]
        let posted = try site.request("/alerts", ["-H", "Cookie: \(session)", "-H", "Origin: \(site.origin)"] + form)
        #expect(posted.status == 303, "a form post through the proxy: \(posted.status)")
        let foreign = try site.request(
            "/alerts", ["-H", "Cookie: \(session)", "-H", "Origin: https://evil.example"] + form)
        #expect(foreign.status == 403)
        let plain = try site.request(
            "/alerts", ["-H", "Cookie: \(session)", "-H", "Origin: http://localhost:\(site.tlsPort)"] + form)
        #expect(plain.status == 403, "the proxy says https: an http origin is another site")
        // The client's own Forwarded header names its site: the proxy overwrites it.
        let spoofed = try site.request(
            "/alerts",
            [
                "-H", "Cookie: \(session)", "-H", "Origin: https://evil.example", "-H",
                "Forwarded: proto=https;host=evil.example",
            ] + form)
        #expect(spoofed.status == 403, "a client's Forwarded header was believed through nginx")
        // A proxy that sets X-Forwarded-* but passes the client's Forwarded on (as the README's
        // block once did): only what the proxy set counts. Sent straight to serve from 127.0.0.1,
        // the trusted proxy's address.
        let direct = try shell(
            "/usr/bin/curl",
            [
                "-s", "-o", "/dev/null", "-w", "%{http_code}", "-H", "Cookie: \(session)", "-H",
                "Origin: https://evil.example", "-H", "X-Forwarded-Proto: https", "-H",
                "X-Forwarded-Host: localhost:\(site.tlsPort)", "-H", "X-Forwarded-For: 198.51.100.7", "-H",
                "Forwarded: for=203.0.113.9;proto=https;host=evil.example",
            ] + form + ["http://127.0.0.1:\(site.servePort)/alerts"])
        #expect(direct == "403", "the client's Forwarded won over the proxy's X-Forwarded-Host")
        let rules = try await site.harness.run(["alerts", "list", "--json"]).objects()
        #expect(rules.first?["threshold_kw"] as? Double == 2.5)
    }
}

import ArgumentParser
import EnerTrackCore
import EnerTrackKit
import Foundation

struct UserCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "user",
        abstract: "Create, list, change and remove users.",
        subcommands: [
            Add.self, List.self, Show.self, Edit.self, Passwd.self, Token.self, Disable.self, Enable.self, Remove.self,
        ])

    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create a user.",
            discussion: """
                On a terminal the password is asked for twice without echo; in scripts pipe it in with \
                --password-stdin (one line). It must be at least 10 characters. Passwords are never \
                accepted as arguments, where other users could read them in ps.

                Examples:
                  enertrack user add ana --email ana@example.org --name "Ana Pérez" --admin
                  printf '%s\\n' "$PASSWORD" | enertrack user add luis --email luis@example.org --password-stdin
                """)

        @OptionGroup var global: GlobalOptions
        @Argument(help: "Login name: letters, digits, '.', '_', '-', '@' (at most 64).") var username: String
        @Option(help: "Email address (unique).") var email: String
        @Option(help: "Full name shown in the dashboard.") var name: String?
        @Flag(help: "Make the user an administrator.") var admin = false
        @Flag(help: "Read the password from the first line of standard input.") var passwordStdin = false
        @OptionGroup var output: OutputOptions

        func run() async throws {
            let (admin, settings) = try global.directoryAdmin()
            try await admin.checkNewUser(username: username, email: email, name: name)
            let password = try PasswordInput.read(fromStandardInput: passwordStdin)
            let user = try await admin.addUser(
                username: username, email: email, name: name, isAdmin: self.admin, password: password)
            Print.record(user.record, json: output.json, settings: settings)
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List users.",
            discussion: """
                Examples:
                  enertrack user list
                  enertrack user list --all --json | jq -r '.[] | select(.admin) | .username'
                """)

        @OptionGroup var global: GlobalOptions
        @Flag(help: "Include removed users.") var all = false
        @OptionGroup var output: OutputOptions

        func run() async throws {
            let (admin, settings) = try global.directoryAdmin()
            let users = try await admin.users(includeRemoved: all)
            Print.records(users.map(\.record), json: output.json, settings: settings, empty: "no users")
        }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show one user.",
            discussion: "Example:\n  enertrack user show ana --json")

        @OptionGroup var global: GlobalOptions
        @Argument(help: "Username or email (case- and accent-insensitive).") var username: String
        @OptionGroup var output: OutputOptions

        func run() async throws {
            let (admin, settings) = try global.directoryAdmin()
            Print.record(try await admin.user(username).record, json: output.json, settings: settings)
        }
    }

    struct Edit: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Change a user's settings: the language of their messages.",
            discussion: """
                Without --lang a user gets messages in ENERTRACK_LANG (default es).

                Example:
                  enertrack user edit ana --lang en
                """)

        @OptionGroup var global: GlobalOptions
        @Argument(help: "Username or email.") var username: String
        @Option(help: ArgumentHelp("Language of the user's Telegram messages and pages: es or en.", valueName: "es|en"))
        var lang: String?

        func validate() throws {
            guard let lang else { throw ValidationError("nothing to change: give --lang es|en") }
            guard Language(rawValue: lang) != nil else { throw ValidationError("--lang takes es or en; got '\(lang)'") }
        }

        func run() async throws {
            let directory = try global.services().directory()
            let user = try await directory.existingUser(named: username)
            guard let language = lang.flatMap(Language.init(rawValue:)) else { return }
            try await directory.setLanguage(language, userID: user.id)
            Print.err("'\(user.username)' now gets messages in \(language == .es ? "Spanish" : "English")\n")
        }
    }

    struct Token: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create an API token for scripts (sent as 'Authorization: Bearer <token>'), or revoke them all.",
            discussion: """
                The token is printed once; only its hash is stored. It sees what the user sees in \
                /api/v1, nothing more. A disabled or removed user gets none (exit 65): disabling \
                ends every token, and enabling brings none back.

                Examples:
                  TOKEN=$(enertrack user token ana --name grafana)
                  curl -H "Authorization: Bearer $TOKEN" http://127.0.0.1:8006/api/v1/nodes
                  enertrack user token ana --revoke
                """)

        @OptionGroup var global: GlobalOptions
        @Argument(help: "Username or email.") var username: String
        @Option(help: "A name to remember what the token is for.") var name = "api"
        @Flag(help: "Revoke every token of the user instead.") var revoke = false

        func run() async throws {
            let directory = try global.services().directory()
            let user = try await directory.existingUser(named: username)
            if revoke {
                let count = try await directory.revokeTokens(userID: user.id)
                Print.err("\(count) token(s) of '\(user.username)' revoked\n")
                return
            }
            try DirectoryRules.checkText(name, field: .name, maxLength: 100)
            let now = Date().milliseconds
            let token = try await directory.createToken(userID: user.id, name: name, now: now)
            Print.out(token + "\n")
            Print.err("API token for '\(user.username)' (shown only this once)\n")
        }
    }

    struct Passwd: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Set a user's password.",
            discussion: """
                Examples:
                  enertrack user passwd ana
                  printf '%s\\n' "$NEW_PASSWORD" | enertrack user passwd ana --password-stdin
                """)

        @OptionGroup var global: GlobalOptions
        @Argument(help: "Username or email.") var username: String
        @Flag(help: "Read the password from the first line of standard input.") var passwordStdin = false

        func run() async throws {
            let (admin, _) = try global.directoryAdmin()
            let user = try await admin.user(username)
            let password = try PasswordInput.read(fromStandardInput: passwordStdin)
            try await admin.changePassword(username: user.username, password: password)
            Print.err("password of '\(user.username)' changed\n")
        }
    }

    struct Disable: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Stop a user from logging in; nothing else changes.",
            discussion: "Example:\n  enertrack user disable luis")

        @OptionGroup var global: GlobalOptions
        @Argument(help: "Username or email.") var username: String
        @OptionGroup var output: OutputOptions

        func run() async throws {
            let (admin, settings) = try global.directoryAdmin()
            let user = try await admin.setUserActive(false, username: username)
            Print.record(user.record, json: output.json, settings: settings)
        }
    }

    struct Enable: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Let a disabled or removed user log in again.",
            discussion: """
                A removed user comes back without its assignments; re-add them with 'enertrack assign add'.

                Example:
                  enertrack user enable luis
                """)

        @OptionGroup var global: GlobalOptions
        @Argument(help: "Username or email.") var username: String
        @OptionGroup var output: OutputOptions

        func run() async throws {
            let (admin, settings) = try global.directoryAdmin()
            let user = try await admin.setUserActive(true, username: username)
            Print.record(user.record, json: output.json, settings: settings)
        }
    }

    struct Remove: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Remove a user (logically: kept with its history, assignments made inactive).",
            discussion: """
                The user no longer appears in 'user list' (only with --all) and cannot log in.

                Example:
                  enertrack user remove luis
                """)

        @OptionGroup var global: GlobalOptions
        @Argument(help: "Username or email.") var username: String
        @OptionGroup var output: OutputOptions

        func run() async throws {
            let (admin, settings) = try global.directoryAdmin()
            let user = try await admin.removeUser(username: username)
            Print.record(user.record, json: output.json, settings: settings)
        }
    }
}

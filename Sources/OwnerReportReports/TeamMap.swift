import Foundation
import TOMLKit

/// Which team a commit belongs to: by its author's e-mail, else by a keyword of its conventional-commit
/// scope, then its type, else `other` (the weekly report's grouping, as the original Python scripts describe it).
///
/// The file is TOML, one table per team:
///
/// ```toml
/// [teams.platform]
/// name = "Platform"                      # shown in the report; the id if absent
/// emails = ["alice@example.com"]
/// keywords = ["k8s", "ci", "infra"]      # matched against scope, then type
/// ```
public struct TeamMap: Sendable, Equatable {
    public struct Team: Sendable, Equatable {
        public var id: String
        public var name: String
        public var emails: Set<String>
        public var keywords: Set<String>
    }

    /// In the order the report lists them: by id.
    public var teams: [Team]
    public static let other = "other"

    public init(teams: [Team] = []) { self.teams = teams.sorted { $0.id < $1.id } }

    public struct Error: Swift.Error, CustomStringConvertible {
        public var description: String
    }

    /// Reads a teams file; errors name the file and the key.
    public init(file: String) throws(Error) {
        guard let text = try? String(contentsOfFile: file, encoding: .utf8) else {
            throw Error(description: "\(file): cannot be read as UTF-8 text")
        }
        let table: TOMLTable
        do {
            table = try TOMLTable(string: text)
        } catch {
            throw Error(description: "\(file): invalid TOML: \(error)")
        }
        guard let teamsTable = table["teams"]?.table else { throw Error(description: "\(file): no [teams.NAME] table") }
        for key in table.keys where key != "teams" {
            throw Error(description: "\(file): \(key): unknown key (only [teams.NAME])")
        }
        var teams: [Team] = []
        for id in teamsTable.keys {
            guard let entry = teamsTable[id]?.table else {
                throw Error(description: "\(file): teams.\(id): must be a table")
            }
            for key in entry.keys where !["name", "emails", "keywords"].contains(key) {
                throw Error(description: "\(file): teams.\(id).\(key): unknown key (name, emails, keywords)")
            }
            func list(_ key: String) throws(Error) -> [String] {
                guard let value = entry[key] else { return [] }
                guard let array = value.array else {
                    throw Error(description: "\(file): teams.\(id).\(key): must be a list of strings")
                }
                var items: [String] = []
                for item in array {
                    guard let text = item.string else {
                        throw Error(description: "\(file): teams.\(id).\(key): must be a list of strings")
                    }
                    items.append(text.lowercased())
                }
                return items
            }
            if entry["name"] != nil, entry["name"]?.string == nil {
                throw Error(description: "\(file): teams.\(id).name: must be a string")
            }
            teams.append(
                Team(
                    id: id, name: entry["name"]?.string ?? id, emails: Set(try list("emails")),
                    keywords: Set(try list("keywords"))))
        }
        self.init(teams: teams)
    }

    /// The team id of a commit by `email` with `subject`.
    public func team(email: String, subject: String) -> String {
        let email = email.lowercased()
        if let team = teams.first(where: { $0.emails.contains(email) }) { return team.id }
        guard let header = ConventionalCommit(subject) else { return Self.other }
        for word in header.scopeWords {
            if let team = teams.first(where: { $0.keywords.contains(word) }) { return team.id }
        }
        if let team = teams.first(where: { $0.keywords.contains(header.type) }) { return team.id }
        return Self.other
    }

    /// The display name of a team id (a checkpoint's `team` field may also name a team by its name).
    public func name(of id: String) -> String {
        teams.first { $0.id == id }?.name ?? id
    }

    /// The team id a checkpoint's `team` field means: a team's id or name, else the field as it is.
    public func id(forCheckpointTeam team: String) -> String {
        teams.first { $0.id == team || $0.name == team }?.id ?? team
    }
}

/// The header of a conventional commit: `type(scope)!: description`.
struct ConventionalCommit: Equatable {
    var type: String
    var scope: String?

    init?(_ subject: String) {
        guard let colon = subject.firstIndex(of: ":") else { return nil }
        var head = subject[..<colon]
        if head.hasSuffix("!") { head = head.dropLast() }
        if let open = head.firstIndex(of: "("), head.hasSuffix(")") {
            scope = String(head[head.index(after: open)..<head.index(before: head.endIndex)]).lowercased()
            head = head[..<open]
        }
        guard !head.isEmpty, head.allSatisfy({ $0.isLetter || $0 == "-" }) else { return nil }
        type = head.lowercased()
    }

    /// The scope's words: `k8s/nginx, ci` → k8s, nginx, ci.
    var scopeWords: [String] {
        (scope ?? "").split(whereSeparator: { ",/ ".contains($0) }).map(String.init)
    }
}

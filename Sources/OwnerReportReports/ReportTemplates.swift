import Foundation
import Mustache
import OwnerReportLedger

/// The layouts of the built reports: Mustache templates rendering a report's Markdown body.
///
/// Each has a built-in default; a directory given as `[reports] templates` in the config may hold
/// `NAME.mustache` files that replace them one by one. Templates render plain text (no HTML escaping:
/// the channels escape for themselves). `owner-report-producer templates --dump DIR` writes the
/// defaults out as a starting point.
public struct ReportTemplates: Sendable {
    public static let names = ["incident", "postmortem", "daily", "weekly"]

    /// Where each template came from: a file path, or `built-in`.
    public private(set) var sources: [String: String] = [:]
    private var templates: [String: MustacheTemplate] = [:]

    public struct Error: Swift.Error, CustomStringConvertible {
        public var description: String
    }

    /// Loads the defaults, replaced by any `NAME.mustache` in `directory`.
    public init(directory: String?) throws(Error) {
        for name in Self.names {
            let path = directory.map { "\($0)/\(name).mustache" }
            if let path, FileManager.default.fileExists(atPath: path) {
                guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
                    throw Error(description: "\(path): cannot be read as UTF-8 text")
                }
                templates[name] = try Self.compile(text, origin: path)
                sources[name] = path
            } else {
                templates[name] = try Self.compile(BuiltInTemplates.text[name] ?? "", origin: "built-in \(name)")
                sources[name] = "built-in"
            }
        }
        if let directory {
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory), isDirectory.boolValue
            else {
                throw Error(description: "\(directory): no such directory ([reports] templates)")
            }
        }
    }

    private static func compile(_ text: String, origin: String) throws(Error) -> MustacheTemplate {
        do {
            // Plain text: a title with `<` or `&` stays as written.
            return try MustacheTemplate(string: "{{% CONTENT_TYPE: TEXT}}" + text)
        } catch let error as MustacheTemplate.ParserError {
            throw Error(
                description:
                    "\(origin):\(error.context.lineNumber):\(error.context.columnNumber): template error: \(error.error)"
            )
        } catch {
            throw Error(description: "\(origin): template error: \(error)")
        }
    }

    /// The rendered body; runs of blank lines (left by sections that rendered nothing) become one.
    public func render(_ name: String, _ context: [String: Any]) -> String {
        var lines: [Substring] = []
        for line in (templates[name]?.render(context) ?? "").split(separator: "\n", omittingEmptySubsequences: false) {
            let blank = line.isBlank
            if blank, lines.last.map({ $0.isEmpty }) ?? true { continue }
            lines.append(blank ? "" : line)
        }
        while lines.last?.isEmpty == true { lines.removeLast() }
        return lines.joined(separator: "\n")
    }
}

/// The default layouts. Field values (team, severity…) are shown by every channel from the report's
/// fields, so bodies carry what fields cannot: timelines, tables of figures, lists.
enum BuiltInTemplates {
    static let text: [String: String] = [
        "incident": """
        {{#resolved}}
        **Resolved** after {{duration}}: {{opened}} → {{resolved_at}} ({{zone}}).
        {{/resolved}}
        {{^resolved}}
        **Opened** {{opened}} ({{zone}}).
        {{/resolved}}
        {{#summary}}

        {{summary}}
        {{/summary}}
        {{#postmortem_due}}

        It lasted at least {{threshold}}: a postmortem follows.
        {{/postmortem_due}}

        """,
        "postmortem": """
        **Incident:** {{id}} ({{title}})
        **Duration:** {{duration}}
        **Opened → resolved:** {{opened}} → {{resolved_at}} ({{zone}})
        **Handling:** {{handling}}

        ### Root cause
        {{root_cause}}

        ### Action taken
        {{action}}

        """,
        "daily": """
        **Period:** {{start}} → {{end}} ({{zone}})
        **Health:** {{verdict}}
        {{#reasons}}
        - {{.}}
        {{/reasons}}

        ## Reports
        - Enqueued: {{enqueued}}{{#by_kind}} · {{kind}} {{count}}{{/by_kind}}
        - Delivered: {{delivered}}
        - Failed: {{failed}}
        - Retries (deferred): {{deferred}}
        - Delivery success rate: {{success_rate}}
        - Enqueue → delivery latency: median {{median}}, p95 {{p95}}

        ## Incidents
        - Opened: {{incidents_opened}}
        - Resolved: {{incidents_resolved}}
        - Open at the end of the period: {{incidents_open}}
        - Acknowledged: {{acknowledged}} (median time to acknowledge: {{median_ack}}); escalation steps: {{escalations}}
        - Postmortems: {{postmortems}}
        {{#has_categories}}

        ### Top categories
        {{/has_categories}}
        {{#categories}}
        - {{name}}: {{count}}
        {{/categories}}
        {{#has_open}}

        ### Still open
        {{/has_open}}
        {{#open_list}}
        - {{id}} ({{severity}}): {{title}}, since {{opened}}
        {{/open_list}}
        {{#has_expectations}}

        ## Expectations
        - Met: {{expectations_met}} of {{expectations_configured}}{{#met_names}} · {{.}}{{/met_names}}
        - Missed: {{expectations_missed}}
        {{/has_expectations}}
        {{#missed_list}}
          - {{id}}: {{title}} ({{opened}})
        {{/missed_list}}
        {{#has_hosts}}

        ## By host
        {{/has_hosts}}
        {{#hosts}}
        - {{host}}: enqueued {{enqueued}}, delivered {{delivered}}, failed {{failed}}, retries {{deferred}}, incidents open {{incidents_open}}
        {{/hosts}}

        ## Thresholds
        {{#rules}}
        - {{.}}
        {{/rules}}

        _Computed from the ledger only: {{ledger}}._
        {{#has_head}}

        Ledger head (a witness: keep this message): row {{head_sequence}}, `{{witness}}`. \
        `owner-report-archiver verify --witness {{witness}}` proves the ledger still holds it.
        {{/has_head}}

        """,
        "weekly": """
        **Week {{week}}:** {{start}} → {{end}} ({{zone}})
        {{#summary_text}}

        ## Overview ({{summarizer}})
        {{summary_text}}
        {{/summary_text}}
        {{#summarizer_failed}}

        > No overview: {{summarizer_failed}}. This report went out without it.
        {{/summarizer_failed}}

        ## Summary
        - Commits: {{commits}} (merges excluded; {{repositories}})
        - Checkpoints: {{checkpoints}}
        - Incidents: {{incidents_opened}} opened, {{incidents_resolved}} resolved, {{incidents_open}} still open
        - Postmortems: {{postmortems}}
        - Reports delivered: {{delivered}}, failed: {{failed}}

        ## Per team
        {{#teams}}

        ### {{name}}
        {{#commits}}
        - {{subject}} ({{author}}, `{{hash}}`)
        {{/commits}}
        {{#done}}
        - ✅ {{.}}
        {{/done}}
        {{/teams}}
        {{^teams}}
        Nothing was recorded this week.
        {{/teams}}

        ## Risks
        {{#risks}}
        - {{.}}
        {{/risks}}
        {{^risks}}
        - None recorded.
        {{/risks}}

        ## Next week
        {{#next}}
        - **{{team}}**: {{item}}
        {{/next}}
        {{^next}}
        - No plans recorded.
        {{/next}}

        """,
    ]
}

extension ReportTemplates {
    /// The built-in text of a template, to start an override from.
    public static func builtInText(_ name: String) -> String { BuiltInTemplates.text[name] ?? "" }
}

import Foundation
import OwnerReportCore
import Testing
import TestSupport

@Suite struct SecretResolverTests {
    let directory = TemporaryDirectory()

    @Test func aSecretFileReadableByOthersIsRefused() throws {
        let path = try directory.write("token", "s3cr3t-token\n")
        chmod(path, 0o644)
        let destination = Destination(name: "hook", channel: .webhook, url: "http://x", secrets: ["token": .file(path)])
        let resolver = SecretResolver(environment: [:], configurationFile: "config.toml")
        #expect { try resolver.value("token", of: destination) } throws: { error in
            "\(error)"
                == "config.toml: destinations.hook.token_file: \(path) is readable by group or others; chmod 600 it"
        }
        chmod(path, 0o600)
        #expect(try resolver.value("token", of: destination) == "s3cr3t-token")
    }

    @Test(arguments: [
        "host=db.example user=web_1 password='pg-Pa55word' dbname=fleet",
        "postgresql://web_1:pg-Pa55word@db.example:5432/fleet",
    ])
    func aConnectionStringsPasswordIsMaskedAlone(connection: String) throws {
        let resolver = SecretResolver(environment: ["FLEET_DB": connection], configurationFile: "c")
        #expect(try resolver.connectionString(of: .environment("FLEET_DB"), key: "fleet.database") == connection)
        let text = resolver.redact("FATAL: password pg-Pa55word rejected for web_1 on db.example; \(connection)")
        #expect(!text.contains("pg-Pa55word") && !text.contains(connection), "\(text)")
        #expect(text.contains("web_1 on db.example"), "only the password and the whole string are secrets: \(text)")
    }

    @Test func everySecretAndEachTokenOfASecretURLIsMasked() throws {
        let destination = Destination(
            name: "hook", channel: .webhook, secrets: ["url": .environment("URL"), "secret": .environment("KEY")])
        let resolver = SecretResolver(
            environment: ["URL": "https://hooks.example.com/services/T000/B111/XXXXYYYYZZZZ", "KEY": "whsec_c2VjcmV0"],
            configurationFile: "c")
        _ = try resolver.value("url", of: destination)
        _ = try resolver.value("secret", of: destination)
        let text = resolver.redact(
            "posted to https://hooks.example.com/services/T000/B111/XXXXYYYYZZZZ; echo XXXXYYYYZZZZ whsec_c2VjcmV0 c2VjcmV0"
        )
        #expect(!text.contains("XXXXYYYYZZZZ"))
        #expect(!text.contains("c2VjcmV0"))
        #expect(text.contains("hooks.example.com") == false, "the whole URL is a secret")
    }
}

using System.CommandLine;
using System.Text.Json;

namespace EvidenceBroker.Cli;

/// <summary>
/// <c>evidencebroker audit verify</c>: asks a running broker to recompute its audit chain, with the client
/// credentials of an oversight or administration client (see <see cref="BrokerConnection"/> for why over HTTP).
/// </summary>
internal static class AuditCommands
{
    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    public static Command Build(TextWriter output, TextWriter error, HttpMessageHandler? handler)
    {
        var connection = new BrokerConnection("An oversight or administration API client.");
        var json = new Option<bool>("--json") { Description = "Print the broker's full report as JSON." };
        var knownHead = new Option<string?>("--known-head")
        {
            Description = "The head an earlier verification printed (N:HASH), kept outside the broker: the chain must still hold it. " +
                          "This detects a tail cut off together with the signed checkpoints over it.",
        };
        var verify = new Command("verify", "Recompute every audit hash and check the latest signed checkpoint. Exit 0 intact, 1 broken, 2 bad input, 3 broker unavailable.")
        {
            json,
            knownHead,
        };
        connection.AddTo(verify);
        verify.SetAction(async (parse, ct) =>
        {
            var known = parse.GetValue(knownHead);
            var path = known is null ? "api/v1/audit/verify" : "api/v1/audit/verify?knownHead=" + Uri.EscapeDataString(known);
            var (exit, report) = await connection.SendAsync(parse,
                () => new HttpRequestMessage(HttpMethod.Get, new Uri(path, UriKind.Relative)),
                "The broker refused the verification: the client must be an oversight or administration client", error, handler, ct).ConfigureAwait(false);
            if (report is null)
            {
                return exit;
            }

            using (report)
            {
                var root = report.RootElement;
                if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("intact", out var intactValue) || intactValue.ValueKind is not (JsonValueKind.True or JsonValueKind.False)
                    || !root.TryGetProperty("summary", out var summary) || summary.ValueKind != JsonValueKind.String)
                {
                    await error.WriteLineAsync("The broker's answer has no verdict (intact, summary): it did not answer like an Evidence Broker.").ConfigureAwait(false);
                    return BrokerConnection.Unavailable;
                }

                var intact = intactValue.GetBoolean();
                if (parse.GetValue(json))
                {
                    await output.WriteLineAsync(JsonSerializer.Serialize(root, Indented)).ConfigureAwait(false);
                }
                else
                {
                    await output.WriteLineAsync((intact ? "INTACT  " : "BROKEN  ") + summary.GetString()).ConfigureAwait(false);
                    if (root.TryGetProperty("keyId", out var keyId) && root.TryGetProperty("verifiedAt", out var verifiedAt))
                    {
                        await output.WriteLineAsync($"Checkpoint key {keyId}; verified at {verifiedAt}.").ConfigureAwait(false);
                    }
                    if (root.TryGetProperty("head", out var head) && head.ValueKind == JsonValueKind.String)
                    {
                        await output.WriteLineAsync($"Head {head.GetString()}: keep it, and give it as --known-head next time.").ConfigureAwait(false);
                    }
                }

                return intact ? Program.Ok : Program.Failure;
            }
        });
        return new Command("audit", "Check the broker's tamper-evident audit trail.") { verify };
    }
}

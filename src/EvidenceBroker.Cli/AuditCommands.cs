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
        var verify = new Command("verify", "Recompute every audit hash and check the latest signed checkpoint, if one is signed. Exit 0 intact, 1 broken, 2 bad input, 3 broker unavailable.")
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
                    foreach (var line in Explained(root, intact, known))
                    {
                        await output.WriteLineAsync(line).ConfigureAwait(false);
                    }
                }

                return intact ? Program.Ok : Program.Failure;
            }
        });
        return new Command("audit", "Check the broker's tamper-evident audit trail.") { verify };
    }

    /// <summary>
    /// What the verdict rests on, in plain words: what was checked, what was not, and what the exit code says. An intact
    /// chain with no signed checkpoint is only consistent in itself (its tail could have been cut off unnoticed), and a
    /// broken chain's head is the last entry that still holds, not a head to keep.
    /// </summary>
    private static IEnumerable<string> Explained(JsonElement report, bool intact, string? knownHead)
    {
        var head = report.TryGetProperty("head", out var h) && h.ValueKind == JsonValueKind.String ? h.GetString() : null;
        var checkpoint = report.TryGetProperty("checkpoint", out var c) && c.ValueKind == JsonValueKind.Object ? c : (JsonElement?)null;
        var verifiedAt = report.TryGetProperty("verifiedAt", out var at) && at.ValueKind == JsonValueKind.String ? at.GetString() : null;
        if (!intact)
        {
            if (report.TryGetProperty("brokenAt", out var broken) && broken.ValueKind == JsonValueKind.Number)
            {
                yield return $"Checked: every entry's hash and link. The first break is at entry {broken.GetInt64()}: nothing from there on can be relied on.";
            }

            if (head is not null)
            {
                yield return $"Last entry that holds: {head} (not a head to keep: the chain after it is in question).";
            }

            yield return "Exit 1: the chain is broken. (Exit 3 would mean the broker could not be asked, not that the chain is broken.)";
            yield break;
        }

        var knownHeld = knownHead is null ? "" : $", and that the chain still holds the known head {knownHead}";
        if (checkpoint is { } signed && signed.TryGetProperty("sequence", out var sequence))
        {
            var key = signed.TryGetProperty("keyId", out var keyId) ? $" with key {keyId}" : "";
            yield return $"Checked: every entry's hash and link, the checkpoint signed at entry {sequence}{key} (it still matches the chain){knownHeld}.";
        }
        else
        {
            yield return $"Checked: every entry's hash and link{knownHeld}.";
            yield return knownHead is null
                ? "Not checked: whether entries were cut off the end of the chain, since no checkpoint is signed yet; a head kept from an earlier run, given as --known-head, would show that."
                : "Not checked: whether entries after the known head were cut off the end of the chain, since no checkpoint is signed yet.";
        }

        if (head is not null)
        {
            yield return $"Head {head}: keep it outside the broker, and give it as --known-head next time.";
        }

        yield return verifiedAt is null ? "Exit 0: the chain is intact." : $"Exit 0: the chain is intact (verified at {verifiedAt}).";
    }
}

using System.CommandLine;
using System.Net.Http.Json;
using System.Text.Json;

namespace EvidenceBroker.Cli;

/// <summary>
/// <c>evidencebroker policy what-if --pack DIR</c>: sends a candidate pack to a running broker, which re-decides
/// every stored request with it (same inputs, same dates, nothing stored) and says what would change.
/// </summary>
internal static class WhatIfCommand
{
    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    public static Command Build(TextWriter output, TextWriter error, HttpMessageHandler? handler)
    {
        var connection = new BrokerConnection("An administration or oversight API client.");
        var pack = new Option<string>("--pack") { Description = "The candidate policy pack directory.", Required = true };
        var json = new Option<bool>("--json") { Description = "Print the broker's full report as JSON." };
        var command = new Command("what-if", "Re-decide the broker's stored requests under a candidate pack and print what would change.") { pack, json };
        connection.AddTo(command);
        command.SetAction(async (parse, ct) =>
        {
            var directory = parse.GetValue(pack)!;
            if (!Directory.Exists(directory))
            {
                await error.WriteLineAsync($"--pack: '{directory}' is not a directory.").ConfigureAwait(false);
                return Program.BadInput;
            }

            var files = Directory.EnumerateFiles(directory, "*.yaml", SearchOption.AllDirectories)
                .ToDictionary(path => Path.GetRelativePath(directory, path).Replace('\\', '/'), File.ReadAllText, StringComparer.Ordinal);
            var (exit, report) = await connection.SendAsync(parse,
                () => new HttpRequestMessage(HttpMethod.Post, new Uri("api/v1/policy/what-if", UriKind.Relative)) { Content = JsonContent.Create(new { files }) },
                "The broker refused the what-if: the client must be an administration or oversight client", error, handler, ct).ConfigureAwait(false);
            if (report is null)
            {
                return exit;
            }

            using (report)
            {
                var root = report.RootElement;
                if (parse.GetValue(json))
                {
                    await output.WriteLineAsync(JsonSerializer.Serialize(root, Indented)).ConfigureAwait(false);
                    return Program.Ok;
                }

                await output.WriteLineAsync(
                    $"Candidate {root.GetProperty("candidateLabel").GetString()} ({root.GetProperty("candidateVersion").GetString()}) " +
                    $"against {root.GetProperty("replayed").GetInt32()} stored decisions: {root.GetProperty("changed").GetInt32()} would change.").ConfigureAwait(false);
                foreach (var transition in root.GetProperty("transitions").EnumerateObject())
                {
                    await output.WriteLineAsync($"  {transition.Value.GetInt32(),6}  {transition.Name}").ConfigureAwait(false);
                }

                foreach (var change in root.GetProperty("changes").EnumerateArray())
                {
                    var deciding = string.Join(", ", change.GetProperty("decidingAfter").EnumerateArray().Select(r => r.GetString()));
                    await output.WriteLineAsync(
                        $"  {change.GetProperty("reference").GetString()}  {change.GetProperty("before").GetString()} → {change.GetProperty("after").GetString()}" +
                        (deciding.Length > 0 ? $"  ({deciding})" : string.Empty)).ConfigureAwait(false);
                }

                return Program.Ok;
            }
        });
        return command;
    }
}

using System.CommandLine;
using System.Net.Http.Headers;
using System.Text.Json;

namespace EvidenceBroker.Cli;

/// <summary>
/// <c>evidencebroker audit verify</c>: asks a running broker to recompute its audit chain, with client
/// credentials of an oversight or administration client. The CLI goes through the HTTP API rather than opening
/// the database: it then needs neither the server's persistence code nor database credentials, verifies a remote
/// or multi-node broker the same way, and the check runs under the same authorisation as every other read.
/// </summary>
internal static class AuditCommands
{
    public const string SecretVariable = "EVIDENCEBROKER_CLIENT_SECRET";

    /// <summary>The broker could not be reached, or refused the credentials.</summary>
    public const int Unavailable = 3;

    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    public static Command Build(TextWriter output, TextWriter error, HttpMessageHandler? handler)
    {
        var broker = new Option<string>("--broker") { Description = "The broker's base address.", DefaultValueFactory = _ => "http://localhost:5080/" };
        var clientId = new Option<string>("--client-id") { Description = "An oversight or administration API client.", Required = true };
        var secret = new Option<string?>("--client-secret") { Description = $"Its secret (default: the {SecretVariable} environment variable)." };
        var json = new Option<bool>("--json") { Description = "Print the broker's full report as JSON." };
        var verify = new Command("verify", "Recompute every audit hash and check the latest signed checkpoint. Exit 0 intact, 1 broken, 2 bad input, 3 broker unavailable.")
        {
            broker, clientId, secret, json,
        };
        verify.SetAction((parse, ct) => VerifyAsync(
            parse.GetValue(broker)!, parse.GetValue(clientId)!, parse.GetValue(secret) ?? Environment.GetEnvironmentVariable(SecretVariable),
            parse.GetValue(json), output, error, handler, ct));
        return new Command("audit", "Check the broker's tamper-evident audit trail.") { verify };
    }

    private static async Task<int> VerifyAsync(
        string brokerAddress, string clientId, string? secret, bool json, TextWriter output, TextWriter error, HttpMessageHandler? handler, CancellationToken ct)
    {
        if (!Uri.TryCreate(brokerAddress.EndsWith('/') ? brokerAddress : brokerAddress + "/", UriKind.Absolute, out var baseAddress)
            || baseAddress.Scheme is not ("http" or "https"))
        {
            await error.WriteLineAsync($"--broker: '{brokerAddress}' is not an http(s) address.").ConfigureAwait(false);
            return Program.BadInput;
        }

        if (string.IsNullOrEmpty(secret))
        {
            await error.WriteLineAsync($"--client-secret: required (or set {SecretVariable}).").ConfigureAwait(false);
            return Program.BadInput;
        }

        using var http = handler is null ? new HttpClient() : new HttpClient(handler, disposeHandler: false);
        http.BaseAddress = baseAddress;
        try
        {
            using var form = new FormUrlEncodedContent(new Dictionary<string, string>
            {
                ["grant_type"] = "client_credentials", ["client_id"] = clientId, ["client_secret"] = secret,
            });
            using var tokenResponse = await http.PostAsync(new Uri("connect/token", UriKind.Relative), form, ct).ConfigureAwait(false);
            var tokenBody = await tokenResponse.Content.ReadAsStringAsync(ct).ConfigureAwait(false);
            if (!tokenResponse.IsSuccessStatusCode)
            {
                await error.WriteLineAsync($"The broker refused the client credentials of '{clientId}' ({(int)tokenResponse.StatusCode}).").ConfigureAwait(false);
                return Unavailable;
            }

            using var token = JsonDocument.Parse(tokenBody);
            using var verifyRequest = new HttpRequestMessage(HttpMethod.Get, new Uri("api/v1/audit/verify", UriKind.Relative));
            verifyRequest.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token.RootElement.GetProperty("access_token").GetString());
            using var response = await http.SendAsync(verifyRequest, ct).ConfigureAwait(false);
            var body = await response.Content.ReadAsStringAsync(ct).ConfigureAwait(false);
            if (!response.IsSuccessStatusCode)
            {
                await error.WriteLineAsync($"The broker refused the verification ({(int)response.StatusCode}): '{clientId}' must be an oversight or administration client.").ConfigureAwait(false);
                return Unavailable;
            }

            using var report = JsonDocument.Parse(body);
            var root = report.RootElement;
            var intact = root.GetProperty("intact").GetBoolean();
            if (json)
            {
                await output.WriteLineAsync(JsonSerializer.Serialize(root, Indented)).ConfigureAwait(false);
            }
            else
            {
                await output.WriteLineAsync((intact ? "INTACT  " : "BROKEN  ") + root.GetProperty("summary").GetString()).ConfigureAwait(false);
                await output.WriteLineAsync($"Checkpoint key {root.GetProperty("keyId").GetString()}; verified at {root.GetProperty("verifiedAt").GetString()}.").ConfigureAwait(false);
            }

            return intact ? Program.Ok : Program.Failure;
        }
        catch (HttpRequestException ex)
        {
            await error.WriteLineAsync($"Cannot reach the broker at {baseAddress}: {ex.Message}").ConfigureAwait(false);
            return Unavailable;
        }
        catch (JsonException)
        {
            await error.WriteLineAsync($"The service at {baseAddress} did not answer like an Evidence Broker.").ConfigureAwait(false);
            return Unavailable;
        }
    }
}

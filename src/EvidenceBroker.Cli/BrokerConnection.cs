using System.CommandLine;
using System.Net.Http.Headers;
using System.Text.Json;

namespace EvidenceBroker.Cli;

/// <summary>
/// The options every command that talks to a running broker shares, and the one way it talks: client
/// credentials at the token endpoint, then bearer calls to the API. Commands go through the HTTP API rather
/// than the database, so they need no database credentials and run under the broker's own authorisation.
/// </summary>
internal sealed class BrokerConnection
{
    public const string SecretVariable = "EVIDENCEBROKER_CLIENT_SECRET";

    /// <summary>The broker could not be reached, or refused the credentials.</summary>
    public const int Unavailable = 3;

    private readonly Option<string> broker = new("--broker") { Description = "The broker's base address.", DefaultValueFactory = _ => "http://localhost:5080/" };
    private readonly Option<string> clientId;
    private readonly Option<string?> secret = new("--client-secret") { Description = $"Its secret (default: the {SecretVariable} environment variable)." };

    public BrokerConnection(string clientDescription)
    {
        clientId = new Option<string>("--client-id") { Description = clientDescription, Required = true };
    }

    public void AddTo(Command command)
    {
        command.Options.Add(broker);
        command.Options.Add(clientId);
        command.Options.Add(secret);
    }

    /// <summary>Sends one authenticated request; returns the exit code and, when it succeeded, the JSON answer.</summary>
    public async Task<(int Exit, JsonDocument? Body)> SendAsync(
        ParseResult parse, Func<HttpRequestMessage> request, string refusal, TextWriter error, HttpMessageHandler? handler, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(parse);
        var address = parse.GetValue(broker)!;
        var id = parse.GetValue(clientId)!;
        var key = parse.GetValue(secret) ?? Environment.GetEnvironmentVariable(SecretVariable);
        if (!Uri.TryCreate(address.EndsWith('/') ? address : address + "/", UriKind.Absolute, out var baseAddress)
            || baseAddress.Scheme is not ("http" or "https"))
        {
            await error.WriteLineAsync($"--broker: '{address}' is not an http(s) address.").ConfigureAwait(false);
            return (Program.BadInput, null);
        }

        if (baseAddress.Scheme == "http" && !baseAddress.IsLoopback)
        {
            await error.WriteLineAsync($"--broker: '{address}' would send the client secret in clear; use https (plain http only to this machine).").ConfigureAwait(false);
            return (Program.BadInput, null);
        }

        if (string.IsNullOrEmpty(key))
        {
            await error.WriteLineAsync($"--client-secret: required (or set {SecretVariable}).").ConfigureAwait(false);
            return (Program.BadInput, null);
        }

        if (parse.GetValue(secret) is not null)
        {
            await error.WriteLineAsync($"--client-secret: other users of this machine can read a command line; set {SecretVariable} instead.").ConfigureAwait(false);
        }

        using var http = handler is null ? new HttpClient() : new HttpClient(handler, disposeHandler: false);
        http.BaseAddress = baseAddress;
        try
        {
            using var form = new FormUrlEncodedContent(new Dictionary<string, string>
            {
                ["grant_type"] = "client_credentials", ["client_id"] = id, ["client_secret"] = key,
            });
            using var tokenResponse = await http.PostAsync(new Uri("connect/token", UriKind.Relative), form, ct).ConfigureAwait(false);
            if (!tokenResponse.IsSuccessStatusCode)
            {
                await error.WriteLineAsync(NotAnswered(tokenResponse, $"The broker refused the client credentials of '{id}'",
                    await tokenResponse.Content.ReadAsStringAsync(ct).ConfigureAwait(false))).ConfigureAwait(false);
                return (Unavailable, null);
            }

            using var token = JsonDocument.Parse(await tokenResponse.Content.ReadAsStringAsync(ct).ConfigureAwait(false));
            using var message = request();
            message.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token.RootElement.GetProperty("access_token").GetString());
            using var response = await http.SendAsync(message, ct).ConfigureAwait(false);
            var body = await response.Content.ReadAsStringAsync(ct).ConfigureAwait(false);
            if ((int)response.StatusCode == 400)
            {
                await error.WriteLineAsync(body).ConfigureAwait(false);
                return (Program.BadInput, null);
            }

            if (!response.IsSuccessStatusCode)
            {
                await error.WriteLineAsync(NotAnswered(response, refusal, body)).ConfigureAwait(false);
                return (Unavailable, null);
            }

            return (Program.Ok, JsonDocument.Parse(body));
        }
        catch (HttpRequestException ex)
        {
            await error.WriteLineAsync($"Cannot reach the broker at {baseAddress}: {ex.Message}").ConfigureAwait(false);
            return (Unavailable, null);
        }
        catch (TaskCanceledException) when (!ct.IsCancellationRequested)
        {
            // HttpClient's own timeout: the broker is unavailable, which must not read as a verdict (exit 1 is "broken").
            await error.WriteLineAsync($"The broker at {baseAddress} did not answer within {http.Timeout.TotalSeconds:0} s.").ConfigureAwait(false);
            return (Unavailable, null);
        }
        catch (Exception ex) when (ex is JsonException or KeyNotFoundException or InvalidOperationException or FormatException)
        {
            await error.WriteLineAsync($"The service at {baseAddress} did not answer like an Evidence Broker.").ConfigureAwait(false);
            return (Unavailable, null);
        }
    }

    /// <summary>
    /// Why an answer was not a success, in words: only a refusal (401, 403; 400 from the token server) is the caller's
    /// to mend with <paramref name="refusal"/>; a limit or a failure is the broker's state, said as it is.
    /// </summary>
    private static string NotAnswered(HttpResponseMessage response, string refusal, string body)
    {
        var status = (int)response.StatusCode;
        return status switch
        {
            400 or 401 or 403 => $"{refusal} ({status}).",
            429 => $"The broker limits how often this may be asked: try again in {response.Headers.RetryAfter?.Delta?.TotalSeconds ?? 60:0} s (429).",
            >= 500 => $"The broker failed to answer ({status}); its log says why.",
            _ => $"The broker answered {status}: {body}",
        };
    }
}

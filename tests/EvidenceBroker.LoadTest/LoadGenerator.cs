using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;

namespace EvidenceBroker.LoadTest;

/// <summary>What to send, where, and the bounds: a run stops at <see cref="Requests"/> or <see cref="Duration"/>, whichever comes first.</summary>
public sealed record LoadOptions
{
    /// <summary>Broker nodes, used round-robin. Loopback only: this tool never sends load across a network.</summary>
    public required IReadOnlyList<Uri> Targets { get; init; }

    public string ClientId { get; init; } = "met-case-system";
    public string ClientSecret { get; init; } = "dev-met-secret";
    public int Requests { get; init; } = 1000;
    public int Concurrency { get; init; } = 16;
    public TimeSpan Duration { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Idempotency keys are "{KeyPrefix}-{index}"; the same index always sends the same body, so a rerun is a retry.</summary>
    public string KeyPrefix { get; init; } = "load-" + Guid.NewGuid().ToString("N")[..8];

    /// <summary>On a connection failure (a node that died), send the same key and body to the next node, up to this many times.</summary>
    public int RetriesOnConnectionFailure { get; init; }

    /// <summary>Agency and country the client files for (the Development demo client met-case-system: GB / gb-met).</summary>
    public string AgencyId { get; init; } = "gb-met";
    public string Country { get; init; } = "GB";
}

/// <summary>One request as the client saw it. <see cref="Status"/> 0 means no HTTP answer (connection refused or reset).</summary>
public sealed record LoadOutcome(int Index, string IdempotencyKey, Uri Target, int Status, Guid? RequestId, bool Replayed, TimeSpan Latency, int Attempts);

public sealed record LoadReport(IReadOnlyList<LoadOutcome> Outcomes, TimeSpan Elapsed)
{
    public double RequestsPerSecond => Outcomes.Count / Math.Max(Elapsed.TotalSeconds, 1e-9);

    public TimeSpan Percentile(double p)
    {
        if (Outcomes.Count == 0)
        {
            return TimeSpan.Zero;
        }

        var sorted = Outcomes.Select(o => o.Latency).Order().ToArray();
        return sorted[Math.Clamp((int)Math.Ceiling(p * sorted.Length) - 1, 0, sorted.Length - 1)];
    }

    public string Summary()
    {
        var statuses = string.Join(", ", Outcomes.GroupBy(o => o.Status).OrderBy(g => g.Key)
            .Select(g => string.Create(CultureInfo.InvariantCulture, $"{(g.Key == 0 ? "no answer" : g.Key.ToString(CultureInfo.InvariantCulture))}: {g.Count()}")));
        return string.Create(CultureInfo.InvariantCulture,
            $"{Outcomes.Count} requests in {Elapsed.TotalSeconds:0.00} s = {RequestsPerSecond:0} req/s; latency p50 {Percentile(0.5).TotalMilliseconds:0.0} ms, " +
            $"p90 {Percentile(0.9).TotalMilliseconds:0.0} ms, p99 {Percentile(0.99).TotalMilliseconds:0.0} ms, max {Percentile(1).TotalMilliseconds:0.0} ms; {statuses}");
    }
}

/// <summary>
/// Files requests through the real API with a real client-credentials token: validation, decision, persistence,
/// audit and outbox all run. Every request carries an Idempotency-Key, so running the same indices again (or
/// retrying on another node) must return the same requests.
/// </summary>
public sealed class LoadGenerator : IDisposable
{
    private readonly LoadOptions options;
    private readonly HttpClient http;

    // Half a year from today: a fixed date would turn the filings to human review once it passed.
    private static readonly string NonDisclosureUntil =
        DateOnly.FromDateTime(DateTime.UtcNow).AddDays(182).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

    public LoadGenerator(LoadOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentOutOfRangeException.ThrowIfLessThan(options.Requests, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(options.Concurrency, 1);
        if (options.Targets.Count == 0)
        {
            throw new ArgumentException("Name at least one target.", nameof(options));
        }

        foreach (var target in options.Targets)
        {
            if (!IsLoopback(target))
            {
                throw new ArgumentException($"{target} is not a loopback address: this tool only loads a broker on this machine.", nameof(options));
            }
        }

        this.options = options;
        http = new HttpClient(new SocketsHttpHandler
        {
            MaxConnectionsPerServer = options.Concurrency,
            PooledConnectionLifetime = TimeSpan.FromMinutes(5),
            ConnectTimeout = TimeSpan.FromSeconds(5),
        })
        { Timeout = TimeSpan.FromSeconds(30) };
    }

    public static bool IsLoopback(Uri target)
    {
        ArgumentNullException.ThrowIfNull(target);
        return target.IsLoopback || (IPAddress.TryParse(target.Host.Trim('[', ']'), out var address) && IPAddress.IsLoopback(address));
    }

    public async Task<string> TokenAsync(CancellationToken ct)
    {
        Exception? last = null;
        foreach (var target in options.Targets)
        {
            try
            {
                using var form = new FormUrlEncodedContent(new Dictionary<string, string>
                {
                    ["grant_type"] = "client_credentials", ["client_id"] = options.ClientId, ["client_secret"] = options.ClientSecret,
                });
                using var response = await http.PostAsync(new Uri(target, "/connect/token"), form, ct);
                var body = await response.Content.ReadAsStringAsync(ct);
                if (!response.IsSuccessStatusCode)
                {
                    throw new InvalidOperationException($"Token request to {target} failed: {(int)response.StatusCode} {body}");
                }

                return JsonDocument.Parse(body).RootElement.GetProperty("access_token").GetString()!;
            }
            catch (HttpRequestException e)
            {
                last = e;
            }
        }

        throw new InvalidOperationException("No target answered the token request.", last);
    }

    /// <summary>
    /// Sends indices <paramref name="first"/> … first + Requests − 1 (or the given ones), <see cref="LoadOptions.Concurrency"/>
    /// at a time, with <paramref name="bearer"/> or else a token of its own.
    /// </summary>
    public async Task<LoadReport> RunAsync(CancellationToken ct, int first = 0, IReadOnlyList<int>? indices = null, string? bearer = null)
    {
        var token = bearer ?? await TokenAsync(ct);
        var work = indices ?? Enumerable.Range(first, options.Requests).ToArray();
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(ct);
        deadline.CancelAfter(options.Duration);
        var outcomes = new System.Collections.Concurrent.ConcurrentBag<LoadOutcome>();
        var next = -1;
        var started = Stopwatch.GetTimestamp();

        async Task Worker()
        {
            while (!deadline.IsCancellationRequested)
            {
                var slot = Interlocked.Increment(ref next);
                if (slot >= work.Count)
                {
                    return;
                }

                var outcome = await SendAsync(work[slot], token, deadline.Token);
                if (outcome is not null)
                {
                    outcomes.Add(outcome);
                }
            }
        }

        await Task.WhenAll(Enumerable.Range(0, Math.Min(options.Concurrency, work.Count)).Select(_ => Task.Run(Worker, CancellationToken.None)));
        return new LoadReport([.. outcomes.OrderBy(o => o.Index)], Stopwatch.GetElapsedTime(started));
    }

    private async Task<LoadOutcome?> SendAsync(int index, string token, CancellationToken ct)
    {
        var key = $"{options.KeyPrefix}-{index.ToString(CultureInfo.InvariantCulture)}";
        var body = Encoding.UTF8.GetBytes(Body(index));
        var started = Stopwatch.GetTimestamp();
        var attempts = 0;
        while (true)
        {
            var target = options.Targets[(index + attempts) % options.Targets.Count];
            attempts++;
            using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(target, "/api/v1/requests")) { Content = new ByteArrayContent(body) };
            request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
            request.Headers.Add("Idempotency-Key", key);
            try
            {
                using var response = await http.SendAsync(request, ct);
                Guid? id = null;
                if (response.StatusCode == HttpStatusCode.Created)
                {
                    using var json = JsonDocument.Parse(await response.Content.ReadAsStreamAsync(ct));
                    id = json.RootElement.GetProperty("id").GetGuid();
                }
                else
                {
                    await response.Content.LoadIntoBufferAsync(ct);
                }

                return new LoadOutcome(index, key, target, (int)response.StatusCode, id,
                    response.Headers.Contains("Idempotent-Replayed"), Stopwatch.GetElapsedTime(started), attempts);
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                return null; // the run's time bound: not sent, or its answer not awaited
            }
            catch (HttpRequestException) when (attempts <= options.RetriesOnConnectionFailure)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(50), CancellationToken.None);
            }
            catch (HttpRequestException)
            {
                return new LoadOutcome(index, key, target, 0, null, false, Stopwatch.GetElapsedTime(started), attempts);
            }
        }
    }

    /// <summary>This run's filing number <paramref name="index"/>, from its agency and country.</summary>
    public string Body(int index) => Filing(index, options.Country, options.AgencyId);

    /// <summary>
    /// A direct subscriber request (court order, to a US provider); the index makes the identifier, and so the body,
    /// unique. The intake benchmark files the same request.
    /// </summary>
    public static string Filing(int index, string country, string agencyId) => $$"""
        {"requestingCountry":"{{country}}","agencyId":"{{agencyId}}","providerId":"northwind-mail",
         "dataCategories":["subscriber"],
         "identifiers":[{"type":"email","value":"suspect-{{index.ToString(CultureInfo.InvariantCulture)}}@northwind.example"}],
         "timeRange":{"from":"2026-01-01T00:00:00Z","to":"2026-06-30T00:00:00Z"},
         "offence":{"description":"Fraud by false representation (Fraud Act 2006 s.2)","code":"FA2006-s2","maxPenaltyYears":10},
         "issuingAuthority":{"type":"court","name":"Westminster Magistrates' Court"},
         "urgency":"standard",
         "justification":"Bank records show the proceeds of 14 invoice frauds were requested from victims by messages sent from this address.",
         "useLimitsAcknowledged":true,"nonDisclosureUntil":"{{NonDisclosureUntil}}"}
        """;

    public void Dispose() => http.Dispose();
}

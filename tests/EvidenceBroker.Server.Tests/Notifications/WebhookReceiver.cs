using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace EvidenceBroker.Server.Tests.Notifications;

/// <summary>One POST as the receiver saw it, recorded on arrival (before any delay or failure it was told to give).</summary>
public sealed record ReceivedWebhook(string Path, string? Id, string? Timestamp, string? Signature, byte[] Body)
{
    public string Text => Encoding.UTF8.GetString(Body);

    /// <summary>What a receiver does, written from docs/webhooks.md and independent of the broker's own signer.</summary>
    public bool SignatureVerifies(string secret)
    {
        if (Id is null || Timestamp is null || Signature is null)
        {
            return false;
        }

        var key = Convert.FromBase64String(secret.StartsWith("whsec_", StringComparison.Ordinal) ? secret[6..] : secret);
        var signed = Encoding.UTF8.GetBytes($"{Id}.{Timestamp}.").Concat(Body).ToArray();
        var expected = Encoding.ASCII.GetBytes("v1," + Convert.ToBase64String(HMACSHA256.HashData(key, signed)));
        return Signature.Split(' ', StringSplitOptions.RemoveEmptyEntries)
            .Any(candidate => CryptographicOperations.FixedTimeEquals(expected, Encoding.ASCII.GetBytes(candidate)));
    }
}

/// <summary>
/// A real HTTP receiver: Kestrel on 127.0.0.1 with a port the OS picks. It records every request and can be told
/// to fail or to answer late for its next N requests.
/// </summary>
public sealed class WebhookReceiver : IAsyncDisposable
{
    private readonly WebApplication app;
    private readonly ConcurrentQueue<ReceivedWebhook> received = new();
    private int failuresLeft;
    private int slowLeft;
    private TimeSpan slowDelay;
    private readonly TaskCompletionSource held = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private bool holding;

    private WebhookReceiver(WebApplication app) => this.app = app;

    public string BaseUrl { get; private set; } = "";

    public IReadOnlyList<ReceivedWebhook> Received => [.. received];

    /// <summary>Also delays every answer by this much, to widen race windows.</summary>
    public TimeSpan EveryDelay { get; set; }

    /// <summary>The status code failures answer with.</summary>
    public int FailureStatus { get; set; } = StatusCodes.Status503ServiceUnavailable;

    /// <summary>A reason phrase of the receiver's own for failures, in place of the standard one.</summary>
    public string? FailureReasonPhrase { get; set; }

    public static async Task<WebhookReceiver> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { EnvironmentName = "Production" });
        builder.WebHost.UseKestrel().UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var receiver = new WebhookReceiver(app);
        app.MapPost("/{**path}", (Delegate)receiver.HandleAsync);
        await app.StartAsync();
        receiver.BaseUrl = app.Urls.Single().TrimEnd('/');
        return receiver;
    }

    /// <summary>
    /// Holds every answer until <see cref="Release"/>: a receiver that hangs for as long as the test needs, whatever the
    /// machine's speed, rather than for a time the broker's timeout must be shorter than.
    /// </summary>
    public void Hold() => holding = true;

    public void Release() => held.TrySetResult();

    public void FailNext(int count) => Interlocked.Exchange(ref failuresLeft, count);

    public void FailAlways() => FailNext(int.MaxValue);

    public void AnswerLateNext(int count, TimeSpan delay)
    {
        slowDelay = delay;
        Interlocked.Exchange(ref slowLeft, count);
    }

    private async Task<IResult> HandleAsync(HttpContext http)
    {
        using var buffer = new MemoryStream();
        await http.Request.Body.CopyToAsync(buffer);
        received.Enqueue(new ReceivedWebhook(
            http.Request.Path, http.Request.Headers["webhook-id"], http.Request.Headers["webhook-timestamp"],
            http.Request.Headers["webhook-signature"], buffer.ToArray()));

        if (holding)
        {
            try
            {
                await held.Task.WaitAsync(http.RequestAborted);
            }
            catch (OperationCanceledException)
            {
                return Results.Empty;
            }
        }

        var delay = EveryDelay;
        if (Interlocked.Decrement(ref slowLeft) >= 0)
        {
            delay += slowDelay;
        }

        if (delay > TimeSpan.Zero)
        {
            try
            {
                await Task.Delay(delay, http.RequestAborted);
            }
            catch (OperationCanceledException)
            {
                return Results.Empty;
            }
        }

        if (Interlocked.Decrement(ref failuresLeft) < 0)
        {
            return Results.NoContent();
        }

        if (FailureReasonPhrase is { } reason)
        {
            http.Features.Get<Microsoft.AspNetCore.Http.Features.IHttpResponseFeature>()!.ReasonPhrase = reason;
        }

        return Results.StatusCode(FailureStatus);
    }

    public async ValueTask DisposeAsync()
    {
        Release();
        await app.StopAsync();
        await app.DisposeAsync();
    }
}

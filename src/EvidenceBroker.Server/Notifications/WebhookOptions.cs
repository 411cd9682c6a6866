using System.ComponentModel.DataAnnotations;

namespace EvidenceBroker.Server.Notifications;

/// <summary>Bound from the "Webhooks" section and validated at start.</summary>
public sealed class WebhookOptions
{
    public const string Section = "Webhooks";

    /// <summary>Run the polling worker in this process. Every node may run one: claims keep them apart.</summary>
    public bool RunWorker { get; set; } = true;

    /// <summary>
    /// Whether webhooks may go to loopback, private and link-local addresses (<see cref="WebhookAddresses"/>). Unset, only
    /// in Development; set it where receivers really sit on an internal network, such as behind a VPN.
    /// </summary>
    public bool? AllowPrivateAddresses { get; set; }

    public bool AllowsPrivateAddresses(IHostEnvironment environment)
    {
        ArgumentNullException.ThrowIfNull(environment);
        return AllowPrivateAddresses ?? environment.IsDevelopment();
    }

    [Range(typeof(TimeSpan), "00:00:00.050", "01:00:00")]
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>A receiver that has not answered by then counts as failed (it may still have processed it: hence Webhook-Id).</summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "00:05:00")]
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Attempts in all, the first included; after the last failure the message is a dead letter.</summary>
    [Range(1, 50)]
    public int MaxAttempts { get; set; } = 12;

    /// <summary>The wait after the first failure; it doubles after each further failure up to <see cref="MaxRetryDelay"/>.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "1.00:00:00")]
    public TimeSpan FirstRetryDelay { get; set; } = TimeSpan.FromSeconds(30);

    [Range(typeof(TimeSpan), "00:00:01", "1.00:00:00")]
    public TimeSpan MaxRetryDelay { get; set; } = TimeSpan.FromHours(4);

    /// <summary>A message older than this is a dead letter at its next failure, whatever its attempt count.</summary>
    [Range(typeof(TimeSpan), "00:01:00", "30.00:00:00")]
    public TimeSpan MaxAge { get; set; } = TimeSpan.FromHours(24);

    /// <summary>
    /// Up to this fraction is added to each delay, so receivers that failed together are not retried together.
    /// Only added, never subtracted: a retry never comes earlier than the schedule says.
    /// </summary>
    [Range(0.0, 1.0)]
    public double Jitter { get; set; } = 0.2;

    /// <summary>Deliveries in flight at once per node.</summary>
    [Range(1, 64)]
    public int Parallelism { get; set; } = 4;

    /// <summary>
    /// Deliveries in flight at once to one recipient, counted across every node: a recipient that hangs holds at most
    /// this many lanes, and the others keep delivering to everyone else. Never more than <see cref="Parallelism"/> less
    /// one, whatever is configured.
    /// </summary>
    [Range(1, 64)]
    public int PerRecipientParallelism { get; set; } = 2;

    /// <summary>A pass stops after this many messages so that a backlog cannot starve shutdown.</summary>
    [Range(1, 100_000)]
    public int MaxMessagesPerPass { get; set; } = 500;

    /// <summary>How long the previous secret keeps signing (as a second signature) after a rotation.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "30.00:00:00")]
    public TimeSpan RotationOverlap { get; set; } = TimeSpan.FromHours(24);

    /// <summary>How long a pass holds a claimed message; longer than any attempt can take, so a live claim is never stolen.</summary>
    public TimeSpan Lease => (Timeout * 2) + TimeSpan.FromSeconds(30);

    /// <summary>The wait after the <paramref name="failures"/>-th failure; <paramref name="random"/> in [0, 1) picks the jitter.</summary>
    public TimeSpan RetryDelay(int failures, double random)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(failures, 1);
        var doublings = Math.Min(failures - 1, 30);
        var nominal = Math.Min(FirstRetryDelay.TotalSeconds * Math.Pow(2, doublings), MaxRetryDelay.TotalSeconds);
        return TimeSpan.FromSeconds(nominal * (1 + (Jitter * random)));
    }
}

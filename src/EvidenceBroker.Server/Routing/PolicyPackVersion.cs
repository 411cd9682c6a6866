namespace EvidenceBroker.Server.Routing;

/// <summary>
/// A policy pack as it was uploaded, kept forever so that any stored decision can be replayed with the exact
/// pack that made it. At most one version is active.
/// </summary>
public sealed class PolicyPackVersion
{
    /// <summary>The pack's content hash ("sha256:…"), as the engine reports it.</summary>
    public required string Version { get; init; }

    public required string Label { get; init; }
    public required DateOnly EffectiveFrom { get; init; }

    /// <summary>The pack's files (relative path → text) as JSON.</summary>
    public required string FilesJson { get; init; }

    /// <summary>The pack's files (relative path → text), read from <see cref="FilesJson"/>.</summary>
    public Dictionary<string, string> Files() => System.Text.Json.JsonSerializer.Deserialize<Dictionary<string, string>>(FilesJson)!;

    public required DateTimeOffset StoredAt { get; init; }
    public required string StoredBy { get; init; }
    public DateTimeOffset? ActivatedAt { get; set; }
    public string? ActivatedBy { get; set; }
    public bool IsActive { get; set; }
}

/// <summary>C11: the operator's instant switch that takes a country off every direct channel.</summary>
public sealed class CountrySuspension
{
    public required string Country { get; init; }
    public required string Reason { get; init; }
    public required DateTimeOffset SuspendedAt { get; init; }
    public required string SuspendedBy { get; init; }
}

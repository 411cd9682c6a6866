namespace EvidenceBroker.Server.Routing;

/// <summary>Bound from the "Policy" section.</summary>
public sealed class PolicyOptions
{
    public const string Section = "Policy";

    /// <summary>The pack imported at start. Default: the nearest "policies" folder above the working directory.</summary>
    public string? PackDirectory { get; set; }

    /// <summary>
    /// Activate the imported pack at start when it differs from the active one. On in Development; elsewhere a
    /// new pack is stored at start but an administrator activates it (audited), after a what-if.
    /// </summary>
    public bool ActivateOnStart { get; set; }
}

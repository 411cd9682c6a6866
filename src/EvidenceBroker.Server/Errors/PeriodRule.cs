namespace EvidenceBroker.Server.Errors;

/// <summary>How the API, the reports and the portal's searches refuse a period whose end comes before its start.</summary>
public static class PeriodRule
{
    /// <summary>Said of a period's end, naming the start's field ('filedFrom' in the request list).</summary>
    public static string NotBefore(string startField) => $"Must not be before '{startField}'.";

    /// <summary>Said of a period's last day when it comes before its first: by the reports, and by the portal's searches by period.</summary>
    public static readonly string ToBeforeFrom = NotBefore("from");
}

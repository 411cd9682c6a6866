namespace EvidenceBroker.Server.Exports;

/// <summary>
/// Records how far a report's build has come (the export job writes it to its row and renews its claim). The build
/// awaits it between its queries, so a progress write on the build's own database context never overlaps a query.
/// </summary>
public delegate Task ReportProgress(int percent, string stage);

public static class ReportProgressExtensions
{
    /// <summary>Reports <paramref name="stage"/>, or does nothing when nobody follows the build (the portal's direct download).</summary>
    public static Task ReportAsync(this ReportProgress? progress, int percent, string stage) =>
        progress?.Invoke(percent, stage) ?? Task.CompletedTask;
}
